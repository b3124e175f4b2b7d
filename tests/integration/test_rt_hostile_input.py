"""Hostile input on the Ketua RT screens: markup, very long text, control characters and emoji, hostile
uploads and page numbers. Stored safely, shown escaped, refused with a reason in Bahasa Indonesia, never a 500."""
import io
from pathlib import Path

import pytest

from tests.integration.rt_wizard import (HEAD, RT1, WIFE, draft, errors, evidence_count, field_errors, flashes,
                                         households_of, jpeg_bytes, png_bytes, text)

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
UNSUPPORTED = "Jenis berkas tidak didukung. Unggah JPG, PNG atau PDF."
BROKEN_IMAGE = "Berkas gambar rusak atau tidak dapat dibaca."




def stored_files(app) -> set[Path]:
    return {p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()}


# --- markup, long text, control characters, emoji ---------------------------------------------------------

def test_markup_in_names_and_address_is_stored_as_typed_and_shown_escaped(app, rt, pid):
    address = 'Jl. <b onmouseover="alert(2)">Uji</b> No. 3'
    rt.household(pid, address=address)
    hostile = {**HEAD, "name": SCRIPT, "mother_name": "<img src=x onerror=alert(3)>"}
    assert rt.add_member(pid, hostile).status_code == 303
    stored = draft(app, pid)
    assert stored["members"][0]["name"] == SCRIPT and stored["household"]["address"] == address
    key = stored["members"][0]["key"]
    pages = [rt.step(pid, "anggota"), rt.get(f"/rt/usulan/{pid}/anggota/{key}"), rt.review(pid),
             rt.get(f"/rt/usulan/{pid}"), rt.get("/rt/"), rt.get("/rt/usulan")]
    for page in pages:
        assert page.status_code == 200
        body = text(page)
        assert ESCAPED in body or f'value="{ESCAPED}"' in body
        assert "<script>alert" not in body and "<img src=x" not in body and "<b onmouseover" not in body


def test_white_space_is_folded_and_control_and_bidi_characters_are_dropped(app, rt, pid):
    name = "  Siti\x00 \u202eAmi\u200bnah\x07   Rahayu\t "
    address = "Jl.\x1b  Uji\u2066 Kontrol\r\nNo. 5"
    rt.household(pid, address=address)
    assert rt.add_member(pid, {**WIFE, "name": name, "relation": "kepala"}).status_code == 303
    stored = draft(app, pid)
    assert stored["members"][0]["name"] == "Siti Aminah Rahayu"
    assert stored["household"]["address"] == "Jl. Uji Kontrol No. 5"
    assert "\u202e" not in text(rt.review(pid)) and "Siti Aminah Rahayu" in text(rt.review(pid))


def test_emoji_and_other_scripts_in_names_are_kept(app, rt, pid):
    name = "Dewi 🌸 Nguyễn"
    data = {**WIFE, "name": name, "relation": "kepala", "mother_name": "Ibu 😀 Uji"}
    assert rt.add_member(pid, data).status_code == 303
    member = draft(app, pid)["members"][0]
    assert (member["name"], member["mother_name"]) == (name, "Ibu 😀 Uji")
    assert name in text(rt.review(pid)) and "Ibu 😀 Uji" in text(rt.review(pid))


@pytest.mark.parametrize("field, limit", [("name", 100), ("mother_name", 100), ("birth_place", 100),
                                          ("warning_reason", 200)])
def test_very_long_member_text_is_refused_at_its_limit(app, rt, pid, field, limit):
    response = rt.add_member(pid, {**HEAD, field: "x" * 1000})
    assert response.status_code == 422
    assert field_errors(response)[field]
    assert draft(app, pid)["members"] == []
    assert f'maxlength="{limit}"' in text(response)  # the browser stops at the limit too
    assert rt.add_member(pid, {**HEAD, field: "x" * limit}).status_code == 303
    assert len(draft(app, pid)["members"][0][field]) == limit


def test_very_long_address_and_note_are_refused_not_a_500(app, rt, pid):
    response = rt.household(pid, address="Jl. " + "x" * 1000)
    assert response.status_code == 422 and field_errors(response)["address"]
    household = households_of(app, RT1)[12]
    nonaktif = rt.start_on(household["id"], "nonaktif")
    response = rt.nonaktif(nonaktif, "pindah", "x" * 1000)
    assert response.status_code == 422 and field_errors(response)["note"]
    assert draft(app, nonaktif)["nonaktif"]["note"] == ""


@pytest.mark.parametrize("step, data, field, message", [
    ("member", {"name": "x" * 1000}, "name", "Maksimal 100 karakter."),
    ("member", {"birth_date": "31-02-1990"}, "birth_date", "Isi tanggal yang benar."),
    ("kondisi", {"floor_area_m2": "dua puluh"}, "floor_area_m2", "Isi dengan angka (gunakan titik untuk desimal)."),
    ("kondisi", {"meat_per_week": "sekali"}, "meat_per_week", "Isi dengan angka bulat."),
])
def test_every_field_message_is_in_bahasa_indonesia(app, rt, pid, step, data, field, message):
    response = rt.add_member(pid, {**HEAD, **data}) if step == "member" else rt.conditions(pid, **data)
    assert response.status_code == 422
    assert message in field_errors(response)[field]
    assert not [m for m in errors(response) if "Field" in m or "Not a valid" in m]


def test_hostile_page_numbers_fall_back_to_a_page(app, rt):
    for url in ("/rt/rumah-tangga?page=-3", "/rt/rumah-tangga?page=abc", "/rt/rumah-tangga?page=99999999999999",
                "/rt/usulan?page=0"):
        assert rt.get(url).status_code == 200
    rt.get("/rt/rumah-tangga")
    assert rt.post("/rt/rumah-tangga", {"q": "a", "page": "99999999999999999999"}).status_code == 200


def test_search_page_number_with_a_unicode_digit_is_not_a_500(app, rt):
    rt.get("/rt/rumah-tangga")
    assert rt.post("/rt/rumah-tangga", {"q": "a", "page": "²"}).status_code == 200


# --- uploads ----------------------------------------------------------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 2000 + b"This program cannot be run in DOS mode"


@pytest.mark.parametrize("data, filename, message", [
    (EXE, "kk.jpg", UNSUPPORTED),                                        # a renamed executable
    (b"#!/bin/sh\nrm -rf /\n", "kk.pdf", UNSUPPORTED),
    (b"<html><script>alert(1)</script></html>", "kk.png", UNSUPPORTED),
    (png_bytes()[:40] + b"\x00" * 200, "kk.png", BROKEN_IMAGE),          # a corrupt image
    (jpeg_bytes((400, 300))[:-300], "kk.jpg", BROKEN_IMAGE),             # a photo cut off during upload
    (b"%PDF-1.4\n1 0 obj\n", "kk.pdf", "Berkas PDF rusak atau tidak lengkap."),
    (b"", "kk.png", "Berkas kosong."),
    (b"\xff\xd8\xff" + b"\x00" * (6 * 1024 * 1024), "kk.jpg", "Ukuran berkas melebihi 5 MB."),
], ids=["exe", "script", "html", "corrupt_png", "truncated_jpeg", "truncated_pdf", "empty", "over_5mb"])
def test_hostile_upload_is_refused_with_a_reason_and_leaves_nothing(app, rt, pid, data, filename, message):
    before = stored_files(app)
    response = rt.upload(pid, "kk", data, filename)
    assert response.status_code == 422
    assert message in errors(response)
    assert evidence_count(app, pid) == 0 and stored_files(app) == before


def test_fifty_megabyte_body_gets_the_413_page(app, rt, pid):
    before = stored_files(app)
    response = rt.upload(pid, "kk", b"\xff\xd8\xff" + b"\x00" * (50 * 1024 * 1024), "foto-besar.jpg")
    assert response.status_code == 413
    assert "Berkas terlalu besar" in text(response)
    assert "Ukuran kiriman melebihi batas. Perkecil berkas lalu coba lagi." in text(response)
    assert evidence_count(app, pid) == 0 and stored_files(app) == before


@pytest.mark.parametrize("how", ["no_file_field", "no_file_chosen"])
def test_upload_without_a_file_asks_for_one(app, rt, pid, how):
    response = rt.upload(pid, "kk", None) if how == "no_file_field" else rt.upload(pid, "kk", b"", "")
    assert response.status_code == 422
    assert "Pilih berkas yang akan diunggah." in errors(response)
    assert evidence_count(app, pid) == 0


def test_upload_without_a_kind_asks_for_one(app, rt, pid):
    response = rt.upload(pid, "", png_bytes())
    assert response.status_code == 422
    assert "Pilih jenis berkas pendukung." in errors(response)
    assert evidence_count(app, pid) == 0


def test_hostile_file_name_is_shown_harmless(app, rt, pid):
    response = rt.upload(pid, "kk", png_bytes(), "../../<img src=x onerror=alert(1)>kk.png")
    assert response.status_code == 303
    assert "Berkas diunggah." in flashes(rt.get(response.headers["Location"]))
    page = text(rt.step(pid, "berkas"))
    assert "Kartu Keluarga (KK) terbaru: img srcx onerroralert1kk.png</a>" in page
    assert "<img src=x" not in page and evidence_count(app, pid) == 1


def test_a_number_in_a_file_name_is_not_shown_in_full(app, rt, pid):
    number = "6474011203200021"
    assert rt.upload(pid, "kk", png_bytes(), f"KK {number}.png").status_code == 303
    for page in (rt.step(pid, "berkas"), rt.review(pid), rt.get(f"/rt/usulan/{pid}")):
        assert number not in text(page)


def test_upload_is_multipart_with_the_csrf_token(app, rt, pid):
    """Without the token the upload is refused (and stores nothing), like every other form."""
    response = rt.v.client.post(f"/rt/usulan/{pid}/langkah/berkas", content_type="multipart/form-data",
                                data={"kind": "kk", "file": (io.BytesIO(png_bytes()), "kk.png")})
    assert response.status_code == 400 and "Formulir kedaluwarsa" in text(response)
    assert evidence_count(app, pid) == 0
