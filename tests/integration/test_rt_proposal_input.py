"""Checks on what a Ketua RT types into a proposal: NIK / No. KK rules, mandatory fields, NIK warnings that
need a written reason, and duplicates (same NIK elsewhere, likely the same person under another NIK)."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.domain.nik import mask
from portal.extensions import db
from portal.models import Proposal, ProposalNik
from tests.integration.rt_wizard import (HEAD, HEAD_BIRTH, KANAAN, NEW_KK, RT1, RT2, WIFE, area_of, draft,
                                         errors, field_errors, flashes, households_of, kk, member, nik, png_bytes,
                                         problems, status, text)

ASK_REASON = re.compile(r"ada peringatan .*alasan tertulis\.$")
IN_OTHER_HOUSEHOLD = "NIK ini sudah terdaftar di rumah tangga lain"
IN_OPEN_PROPOSAL = "NIK ini sudah ada di usulan lain yang masih berjalan"




def nik_rows(app, pid: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ProposalNik).where(ProposalNik.proposal_id == pid))


def refused_member(app, rt, pid, data: dict, field: str) -> list[str]:
    """Post a member that must be refused; return the messages next to `field`. Nothing may be saved."""
    response = rt.add_member(pid, data)
    assert response.status_code == 422
    assert draft(app, pid)["members"] == [] and nik_rows(app, pid) == 0
    return field_errors(response).get(field, [])


# --- NIK and No. KK ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    ("647401120385001", "NIK harus 16 digit angka."),                        # 15 digits
    ("64740112O3850011", "NIK harus 16 digit angka."),                       # letter O for zero
    ("６４７４０１１２０３８５００１１", "NIK harus 16 digit angka."),             # full-width digits
    ("6474011213850011", "NIK tidak valid: bulan lahir (digit 9–10) harus 01–12."),
    ("6474013102850011", "NIK tidak valid: tanggal lahir di dalam NIK tidak ada di kalender."),  # 31 Feb
    ("6474013202850011", "NIK tidak valid: tanggal lahir (digit 7–8) harus 01–31, atau 41–71 untuk perempuan."),
    ("6474011203850000", "NIK tidak valid: nomor urut (4 digit terakhir) tidak boleh 0000."),
    ("0074011203850011", "NIK tidak valid: kode provinsi 00 tidak ada."),
])
def test_invalid_nik_is_refused_next_to_the_field(app, rt, pid, value, message):
    assert refused_member(app, rt, pid, {**HEAD, "nik": value}, "nik") == [message]


def test_nik_typed_with_spaces_and_dots_is_stored_clean(app, rt, pid):
    typed = f"{HEAD['nik'][:6]} {HEAD['nik'][6:12]}.{HEAD['nik'][12:]}"
    assert rt.add_member(pid, {**HEAD, "nik": typed}).status_code == 303
    assert draft(app, pid)["members"][0]["nik"] == HEAD["nik"]


@pytest.mark.parametrize("value, message", [
    ("123", "No. KK harus 16 digit angka."),
    ("6474011203200000", "No. KK tidak valid: nomor urut (4 digit terakhir) tidak boleh 0000."),
    ("9974011203200001", "No. KK tidak valid: kode provinsi 99 tidak ada."),
])
def test_invalid_no_kk_is_refused_and_the_draft_keeps_the_last_good_one(app, rt, pid, value, message):
    response = rt.household(pid, no_kk=value)
    assert response.status_code == 422
    assert field_errors(response)["no_kk"] == [message]
    assert draft(app, pid)["household"]["no_kk"] == NEW_KK


def test_address_too_short_is_refused(app, rt, pid):
    response = rt.household(pid, address="Jl")
    assert response.status_code == 422
    assert field_errors(response)["address"] == ["Alamat minimal 5 karakter (nama jalan/gang dan nomor rumah)."]


# --- mandatory member fields ------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Wajib diisi."),
    ("mother_name", "", "Wajib diisi."),
    ("birth_place", " ", "Wajib diisi."),
    ("name", " A ", "Wajib diisi (minimal 2 karakter)."),
    ("birth_date", "", "Isi tanggal lahir yang benar."),
    ("birth_date", "2999-01-01", "Tanggal lahir tidak boleh di masa depan."),
    ("sex", "", "Pilih salah satu."),
    ("sex", "X", "Pilih salah satu."),
    ("relation", "kepala<script>", "Pilih salah satu."),
    ("marital_status", "", "Pilih salah satu."),
    ("job", "presiden", "Pilih salah satu."),
])
def test_missing_or_unknown_member_field_is_refused(app, rt, pid, field, value, message):
    assert message in refused_member(app, rt, pid, {**HEAD, field: value}, field)


# --- NIK warnings: saved, but submitting needs a written reason -------------------------------------------

@pytest.mark.parametrize("data, warning", [
    ({**HEAD, "sex": "P"}, "Jenis kelamin menurut NIK adalah laki-laki, berbeda dengan yang diisi."),
    ({**HEAD, "birth_date": "1985-03-13"}, "Tanggal lahir menurut NIK adalah 12-03-1985, berbeda dengan yang diisi."),
    ({**HEAD, "nik": nik(HEAD_BIRTH, "L", 11, region="647101")},
     "NIK diterbitkan di luar Kota Bontang (kode wilayah 647101)."),
], ids=["sex", "birth_date", "outside_bontang"])
def test_nik_warning_is_saved_but_blocks_submit_until_a_reason_is_given(app, rt, pid, data, warning):
    saved = rt.add_member(pid, data)
    assert saved.status_code == 303
    assert draft(app, pid)["members"][0]["nik"] == data["nik"]
    members_page = text(rt.get(saved.headers["Location"]))
    assert f"⚠ {warning}" in members_page
    key = draft(app, pid)["members"][0]["key"]
    assert f"⚠ {warning}" in text(rt.get(f"/rt/usulan/{pid}/anggota/{key}"))
    rt.upload(pid, "kk", png_bytes())
    listed = problems(rt.review(pid))
    assert [p for p in listed if p.startswith(f"Anggota 1 ({HEAD['name']}): ")] == [
        p for p in listed if ASK_REASON.search(p)]
    assert len([p for p in listed if ASK_REASON.search(p)]) == 1
    refused = rt.submit(pid)
    assert refused.status_code == 422 and status(app, pid) == "draf"

    reason = "Data di KTP lama; sudah dicek ke Dukcapil."
    assert rt.edit_member(pid, key, warning_reason=reason).status_code == 303
    assert f"— alasan: {reason}" in text(rt.step(pid, "anggota"))
    assert problems(rt.review(pid)) == []
    assert rt.submit(pid).status_code == 303 and status(app, pid) == "diajukan"


def test_a_member_warning_is_listed_once_on_the_review_page(app, rt, pid):
    rt.add_member(pid, {**HEAD, "sex": "P"})
    rt.upload(pid, "kk", png_bytes())
    assert len([p for p in problems(rt.review(pid)) if p.startswith("Anggota 1 ")]) == 1


def test_nik_without_disagreement_gives_no_warning(app, rt, pid):
    rt.add_member(pid, HEAD)
    assert "⚠" not in text(rt.step(pid, "anggota"))


def test_an_old_person_s_nik_is_read_in_the_last_century(app, rt, pid):
    """6474011212260002 belongs to someone born 12-12-1926: it was read as 12-12-2026 (a birth not yet
    happened on 2 December 2026) and the true birth date was flagged as disagreeing with the NIK."""
    elder = member("6474011212260002", "Kakek Uji", date(1926, 12, 12), "L", "orang_tua", "cerai_mati", job="")
    assert rt.add_member(pid, elder).status_code == 303
    assert draft(app, pid)["members"][0]["birth_date"] == "1926-12-12"
    assert "⚠" not in text(rt.step(pid, "anggota"))


# --- duplicates -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("owner, named", [(RT1, True), (RT2, False), (KANAAN, False)])
def test_nik_already_in_another_household_is_blocked_naming_the_rt_only_if_visible(app, rt, pid, owner, named):
    taken = households_of(app, owner)[7]["members"][0]["nik"]
    messages = refused_member(app, rt, pid, {**HEAD, "nik": taken}, "nik")
    place = area_of(app, owner)["label"]
    expected = f"{IN_OTHER_HOUSEHOLD} ({place})." if named else f"{IN_OTHER_HOUSEHOLD}."
    assert messages == [expected]
    if not named:
        assert place not in text(rt.add_member(pid, {**HEAD, "nik": taken}))


def _submitted_baru_nik(app, username: str) -> tuple[int, str]:
    with app.app_context():
        proposal = db.session.scalar(select(Proposal).where(Proposal.area_id == area_of(app, username)["id"],
                                                            Proposal.kind == "baru", Proposal.status == "diajukan"))
        return proposal.id, proposal.snapshot["members"][0]["nik"]


@pytest.mark.parametrize("owner", [RT1, KANAAN])
def test_nik_in_another_open_proposal_is_blocked(app, rt, pid, owner):
    other, taken = _submitted_baru_nik(app, owner)
    messages = refused_member(app, rt, pid, {**HEAD, "nik": taken}, "nik")
    assert messages == [f"{IN_OPEN_PROPOSAL} (usulan #{other})." if owner == RT1 else f"{IN_OPEN_PROPOSAL}."]


def test_nik_is_free_again_once_the_other_draft_is_withdrawn(app, rt, pid):
    first = rt.start_baru()
    rt.household(first, no_kk=kk(22))
    assert rt.add_member(first, HEAD).status_code == 303
    assert refused_member(app, rt, pid, HEAD, "nik") == [f"{IN_OPEN_PROPOSAL} (usulan #{first})."]
    rt.withdraw(first)
    assert rt.add_member(pid, HEAD).status_code == 303


def test_same_nik_twice_in_one_household_is_refused(app, rt, pid):
    rt.add_member(pid, HEAD)
    response = rt.add_member(pid, {**WIFE, "nik": HEAD["nik"]})
    assert response.status_code == 422
    assert field_errors(response)["nik"] == ["NIK ini sudah ada di rumah tangga ini."]
    assert len(draft(app, pid)["members"]) == 1


def test_same_name_birth_date_and_mother_under_another_nik_is_a_likely_duplicate(app, rt, pid):
    twin = households_of(app, KANAAN)[4]["members"][0]  # anywhere in the city
    data = member(nik(twin["birth_date"], twin["sex"], 31), f"  {twin['name'].upper()} ", twin["birth_date"],
                  twin["sex"], "kepala", mother=twin["mother_name"].lower())
    saved = rt.add_member(pid, data)
    assert saved.status_code == 303  # a warning, not a block
    warning = f"Kemungkinan data ganda: nama, tanggal lahir dan nama ibu sama dengan NIK {mask(twin['nik'])}."
    page = text(rt.get(saved.headers["Location"]))
    assert warning in page and twin["nik"] not in page
    rt.upload(pid, "kk", png_bytes())
    label = f"Anggota 1 ({twin['name'].upper()})"
    assert problems(rt.review(pid)) == [f"{label}: ada peringatan yang perlu alasan tertulis."]
    assert rt.submit(pid).status_code == 422
    key = draft(app, pid)["members"][0]["key"]
    rt.edit_member(pid, key, warning_reason="Orang berbeda: sudah dicek, hanya nama dan tanggal lahir kebetulan sama.")
    assert problems(rt.review(pid)) == []
    assert rt.submit(pid).status_code == 303


def test_a_different_mother_is_not_a_likely_duplicate(app, rt, pid):
    twin = households_of(app, KANAAN)[4]["members"][0]
    data = member(nik(twin["birth_date"], twin["sex"], 31), twin["name"], twin["birth_date"], twin["sex"],
                  "kepala", mother="Ibu Yang Lain")
    rt.add_member(pid, data)
    assert "Kemungkinan data ganda" not in text(rt.step(pid, "anggota"))


def test_correcting_a_members_nik_is_not_flagged_as_a_duplicate_of_that_same_person(app, rt):
    """PERBAIKAN of a mistyped NIK: the registry record under the old NIK is the person being corrected."""
    household = households_of(app, RT1)[13]
    person = household["members"][0]
    pid = rt.start_on(household["id"], "perbaikan")
    corrected = nik(person["birth_date"], person["sex"], 41)
    assert rt.edit_member(pid, f"p{person['id']}", nik=corrected).status_code == 303
    assert draft(app, pid)["members"][0]["nik"] == corrected
    assert "Kemungkinan data ganda" not in text(rt.step(pid, "anggota"))


# --- other steps ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answers, field, message", [
    ({"meals_per_day": "11"}, "meals_per_day", "Isi angka 0 sampai 10."),
    ({"floor_area_m2": "0"}, "floor_area_m2", "Luas lantai 1 sampai 10.000 m²."),
    ({"floor_type": "marmer"}, "floor_type", "Pilih salah satu."),
    ({"head_income_monthly": "-5"}, "head_income_monthly", "Isi dengan angka."),
])
def test_invalid_condition_answer_is_refused(app, rt, pid, answers, field, message):
    response = rt.conditions(pid, **answers)
    assert response.status_code == 422
    assert message in field_errors(response)[field]
    assert draft(app, pid)["conditions"] == {}


@pytest.mark.parametrize("reason, note, field, message", [
    ("", "Sudah pindah ke Samarinda sejak Mei.", "reason", "Pilih alasan penonaktifan."),
    ("hilang", "Sudah pindah ke Samarinda sejak Mei.", "reason", "Pilih alasan penonaktifan."),
    ("pindah", "pindah", "note", "Tuliskan keterangan minimal 10 karakter (apa yang Anda ketahui dan kapan)."),
    ("pindah", "", "note", "Wajib diisi."),
])
def test_invalid_nonaktif_reason_or_note_is_refused(app, rt, reason, note, field, message):
    household = households_of(app, RT1)[10]
    pid = rt.start_on(household["id"], "nonaktif")
    response = rt.nonaktif(pid, reason, note)
    assert response.status_code == 422
    assert field_errors(response)[field] == [message]
    assert draft(app, pid)["nonaktif"] == {"reason": "", "note": ""}


def test_ppks_change_needs_a_member_and_a_known_category(app, rt):
    household = households_of(app, RT1)[11]
    pid = rt.start_on(household["id"], "ppks")
    key = f"p{household['members'][0]['id']}"
    assert field_errors(rt.ppks(pid, "", "PD"))["member_key"] == ["Pilih anggota rumah tangga."]
    assert field_errors(rt.ppks(pid, "p999999", "PD"))["member_key"] == ["Pilih anggota rumah tangga."]
    assert field_errors(rt.ppks(pid, key, "XYZ"))["category"] == ["Kategori PPKS tidak dikenal."]
    assert field_errors(rt.ppks(pid, key, "PD", "ubah"))["action"] == ["Pilih tambah atau hapus."]
    assert draft(app, pid)["ppks"] == []
    assert not errors(rt.step(pid, "ppks")) and not flashes(rt.step(pid, "ppks"))


def test_birth_date_more_than_120_years_ago_is_refused(app, rt, pid):
    old = {**HEAD, "birth_date": date(1899, 12, 31).isoformat()}
    assert refused_member(app, rt, pid, old, "birth_date") == [
        "Tanggal lahir tidak masuk akal: umur lebih dari 120 tahun."]


def test_birth_date_tomorrow_is_refused_today_accepted(app, rt, pid):
    today = clock.today()
    tomorrow = {**HEAD, "birth_date": (today + timedelta(days=1)).isoformat()}
    assert refused_member(app, rt, pid, tomorrow, "birth_date") == ["Tanggal lahir tidak boleh di masa depan."]
    newborn = member(nik(today, "P", 14), "Bayi Uji", today, "P", "anak", "belum_kawin", job="")
    assert rt.add_member(pid, newborn).status_code == 303
    assert draft(app, pid)["members"][0]["birth_date"] == today.isoformat()
