"""Ketua RT proposals end to end through the HTTP routes: BARU, PERBAIKAN, NONAKTIF, PPKS, the completeness
gate, freezing on submit, one open proposal per household, withdrawing, and nothing ever deleted."""
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal import clock
from portal.domain.household import NONAKTIF_REASONS, content_sha256
from portal.domain.ppks import categories
from portal.domain.proposal_steps import EVIDENCE_KINDS, NONAKTIF_EVIDENCE
from portal.extensions import db
from portal.models import Household, Person, PersonPpks, Proposal
from tests.integration.rt_wizard import (ADDRESS, CHILD, HEAD, NEW_KK, RT1, WIFE, Rt, audit_count, draft,
                                         evidence_count, flashes, form_values, free_household, households_of,
                                         png_bytes, problems, proposal_row, registry_counts, status, text,
                                         visible)

KK_MISSING = "Berkas belum diunggah: Kartu Keluarga (KK) terbaru."
FROZEN = "Usulan ini berstatus Diajukan dan tidak dapat diubah lagi."
SUBMITTED = "Usulan diajukan ke kelurahan. Isinya kini terkunci."
NOT_READY = "Usulan belum dapat diajukan. Lengkapi dulu:"
OPEN_EXISTS = "Rumah tangga ini masih punya usulan yang berjalan. Selesaikan usulan itu dulu."



def follow(rt: Rt, response):
    assert response.status_code == 303, (response.status_code, flashes(response))
    return rt.get(response.headers["Location"])


def registry_unchanged(app, before: dict, household: dict) -> None:
    """Submitting changes nothing in the registry: no row gone, the household and its people as they were."""
    assert registry_counts(app) == before
    with app.app_context():
        stored = db.session.get(Household, household["id"])
        assert (stored.status, stored.address) == ("aktif", household["address"])
        people = {p.id: (p.name, p.active) for p in stored.members}
    assert {m["id"]: (m["name"], True) for m in household["members"]}.items() <= people.items()


# --- BARU -------------------------------------------------------------------------------------------------

def test_baru_with_three_members_is_submitted_with_a_frozen_fingerprinted_snapshot(app, rt):
    pid = rt.start_baru()
    assert "Draf tersimpan di server" in text(rt.step(pid, "rumah_tangga"))
    saved = rt.household(pid)
    assert saved.headers["Location"].endswith(f"/rt/usulan/{pid}/langkah/anggota")
    assert "Draf tersimpan." in flashes(rt.get(saved.headers["Location"]))
    for member in (HEAD, WIFE, CHILD):
        assert "Anggota disimpan. Draf tersimpan." in flashes(follow(rt, rt.add_member(pid, member)))
    members_page = rt.step(pid, "anggota")
    for member, relation in ((HEAD, "Kepala keluarga"), (WIFE, "Istri / suami"), (CHILD, "Anak")):
        assert member["nik"] not in text(members_page)
        assert re.search(rf"{member['name']} {relation} .{{0,60}}{member['nik'][:6]}\*{{6}}{member['nik'][12:]}",
                         visible(members_page))
    conditions = rt.conditions(pid, floor_area_m2="20", floor_type="tanah", toilet="bersama", meals_per_day="2",
                               has_shelter="ya")
    assert conditions.headers["Location"].endswith("/langkah/ppks")
    review = rt.review(pid)
    assert "6.67 m² per orang (20 m² ÷ 3 orang)" in text(review)  # computed, never typed
    assert "memenuhi 4 dari 14 kriteria" in text(review)
    assert KK_MISSING in problems(review)
    assert "Berkas diunggah." in flashes(follow(rt, rt.upload(pid, "kk", png_bytes(), "kartu-keluarga.png")))

    review = rt.review(pid)
    assert problems(review) == []
    assert "Data lengkap. Periksa sekali lagi, lalu ajukan." in text(review)
    submitted = follow(rt, rt.submit(pid))
    assert SUBMITTED in flashes(submitted)
    assert "Status Diajukan Berikutnya Kelurahan" in visible(submitted)

    proposal = proposal_row(app, pid)
    assert proposal.status == "diajukan" and proposal.submitted_at is not None
    snapshot = proposal.snapshot
    assert [m["name"] for m in snapshot["members"]] == [HEAD["name"], WIFE["name"], CHILD["name"]]
    assert (snapshot["household"]["no_kk"], snapshot["household"]["address"]) == (NEW_KK, ADDRESS)
    assert [e["kind"] for e in snapshot["meta"]["evidence"]] == ["kk"]
    assert proposal.snapshot_sha256 == content_sha256(snapshot)
    assert proposal.snapshot_sha256 in text(submitted)
    assert audit_count(app, "proposal.submit", pid) == 1


def test_submitted_content_is_frozen(app, rt):
    pid = rt.baru_ready()
    assert rt.submit(pid).status_code == 303
    before = proposal_row(app, pid)
    version = before.version
    key = before.draft["members"][0]["key"]
    attempts = [("rumah_tangga", {"no_kk": NEW_KK, "address": "Jl. Diubah Sesudah No. 9"}),
                ("kondisi", {"floor_area_m2": "90", "has_shelter": "tidak"}),
                ("ppks", {"member_key": key, "category": "PD", "action": "tambah"})]
    for step, data in attempts:
        url = f"/rt/usulan/{pid}/langkah/{step}"
        for method in ("get", "post"):
            response = rt.get(url) if method == "get" else rt.post(url, {**data, "version": str(version)})
            assert response.status_code == 303 and response.headers["Location"].endswith(f"/rt/usulan/{pid}")
            assert FROZEN in flashes(rt.get(response.headers["Location"]))
    for url in (f"/rt/usulan/{pid}/anggota/tambah", f"/rt/usulan/{pid}/anggota/{key}"):
        changed = rt.post(url, {**HEAD, "name": "Nama Diubah", "version": str(version)})
        assert changed.status_code == 303 and FROZEN in flashes(rt.get(changed.headers["Location"]))
    assert rt.upload(pid, "lainnya", png_bytes()).status_code == 303
    withdrawn = follow(rt, rt.post(f"/rt/usulan/{pid}/batalkan", {"version": str(version)}))
    assert "Tindakan ini tidak dapat dilakukan pada usulan berstatus Diajukan." in flashes(withdrawn)
    after = proposal_row(app, pid)
    assert (after.draft, after.snapshot, after.snapshot_sha256, after.version, after.status) == (
        before.draft, before.snapshot, before.snapshot_sha256, before.version, "diajukan")
    assert evidence_count(app, pid) == 1
    assert "Lanjutkan mengisi" not in text(rt.get(f"/rt/usulan/{pid}"))


# --- the completeness gate --------------------------------------------------------------------------------

def test_gate_lists_everything_missing_and_ajukan_is_refused_with_422(app, rt):
    pid = rt.start_baru()
    assert problems(rt.review(pid)) == ["No. KK belum diisi.", "Alamat rumah tangga belum diisi.",
                                        "Belum ada anggota rumah tangga.", KK_MISSING]
    rt.household(pid)
    review = rt.review(pid)
    assert problems(review) == ["Belum ada anggota rumah tangga.", KK_MISSING]
    assert re.search(r"<button[^>]* disabled[^>]*>Ajukan ke kelurahan", text(review))
    refused = rt.submit(pid)
    assert refused.status_code == 422
    assert NOT_READY in text(refused) and "Belum ada anggota rumah tangga." in problems(refused)
    proposal = proposal_row(app, pid)
    assert (proposal.status, proposal.snapshot, proposal.snapshot_sha256) == ("draf", None, None)
    assert audit_count(app, "proposal.submit", pid) == 0


@pytest.mark.parametrize("relations, heads", [(("kepala", "kepala"), 2), (("pasangan",), 0)])
def test_gate_wants_exactly_one_head(app, rt, relations, heads):
    members = [{**m, "relation": r} for m, r in zip((HEAD, WIFE)[:len(relations)], relations, strict=True)]
    pid = rt.baru_ready(members=members)
    assert problems(rt.review(pid)) == [f"Harus ada tepat satu kepala keluarga (sekarang {heads})."]
    assert rt.submit(pid).status_code == 422
    assert status(app, pid) == "draf"


def test_gate_catches_a_missing_mandatory_field_in_a_stored_draft(app, rt):
    pid = rt.baru_ready()
    with app.app_context():  # e.g. a draft saved before the rule, or imported: the gate still holds
        proposal = db.session.get(Proposal, pid)
        content = {**proposal.draft, "members": [dict(m) for m in proposal.draft["members"]]}
        content["members"][1]["mother_name"] = ""
        proposal.draft = content
        db.session.commit()
    assert problems(rt.review(pid)) == [f"Anggota 2 ({WIFE['name']}): nama ibu kandung belum diisi."]
    assert rt.submit(pid).status_code == 422 and status(app, pid) == "draf"


def test_removing_the_kk_scan_closes_the_gate_again(app, rt):
    pid = rt.baru_ready()
    with app.app_context():
        evidence_id = db.session.get(Proposal, pid).active_evidence[0].id
    removed = rt.send(f"/rt/usulan/{pid}/berkas/{evidence_id}/hapus", {}, page=f"/rt/usulan/{pid}/langkah/berkas")
    assert "Berkas dilepas dari usulan." in flashes(follow(rt, removed))
    assert problems(rt.review(pid)) == [KK_MISSING]


# --- PERBAIKAN --------------------------------------------------------------------------------------------

def test_perbaikan_shows_old_and_new_and_asks_for_a_new_kk_only_when_members_change(app, rt):
    household = free_household(app)
    counts = registry_counts(app)
    pid = rt.start_on(household["id"], "perbaikan")
    assert problems(rt.review(pid)) == ["Belum ada data yang diubah."]

    rt.household(pid, household["no_kk"], "Jl. Demo Pindahan No. 45")
    review = rt.review(pid)
    assert problems(review) == []  # an address correction needs no new KK
    assert f"Jl. Demo Pindahan No. 45 sebelumnya: {household['address']}" in visible(review)

    person = household["members"][1]
    assert rt.edit_member(pid, f"p{person['id']}", name="Nama Sesuai KTP").status_code == 303
    review = rt.review(pid)
    assert f"Nama Sesuai KTP sebelumnya: {person['name']}" in visible(review)
    assert problems(review) == [KK_MISSING]
    assert f"✘ {EVIDENCE_KINDS['kk']}" in text(rt.step(pid, "berkas"))
    rt.upload(pid, "kk", png_bytes())
    assert problems(rt.review(pid)) == []
    assert SUBMITTED in flashes(follow(rt, rt.submit(pid)))
    snapshot = proposal_row(app, pid).snapshot
    assert snapshot["household"]["address"] == "Jl. Demo Pindahan No. 45"
    assert next(m for m in snapshot["members"] if m["person_id"] == person["id"])["name"] == "Nama Sesuai KTP"
    registry_unchanged(app, counts, household)  # the registry changes only when the proposal is approved


def test_perbaikan_with_a_member_leaving_keeps_the_person_in_the_registry(app, rt):
    household = free_household(app)
    counts = registry_counts(app)
    pid = rt.start_on(household["id"], "perbaikan")
    leaving = household["members"][-1]
    saved = follow(rt, rt.leave(pid, f"p{leaving['id']}", "Menikah dan ikut KK suami"))
    assert "Draf tersimpan." in flashes(saved)
    assert "keluar dari KK: Menikah dan ikut KK suami" in text(saved)
    member = next(m for m in draft(app, pid)["members"] if m["person_id"] == leaving["id"])
    assert member["leaving"] is True  # still in the draft, marked
    review = rt.review(pid)
    assert problems(review) == [KK_MISSING]
    assert f"Anggota ({len(household['members']) - 1} orang)" in visible(review)
    rt.upload(pid, "kk", png_bytes())
    assert SUBMITTED in flashes(follow(rt, rt.submit(pid)))
    registry_unchanged(app, counts, household)


@pytest.mark.parametrize("kind", ["baru", "perbaikan"])
def test_conditions_step_can_be_reopened_after_saving(app, rt, kind):
    if kind == "baru":
        pid = rt.baru_ready()
    else:
        pid = rt.start_on(free_household(app)["id"], "perbaikan")
    saved = draft(app, pid)["conditions"]
    page = rt.step(pid, "kondisi")
    assert page.status_code == 200 and "14 kriteria BPS: memenuhi" in text(page)
    shown = form_values(page)
    assert Decimal(shown["floor_area_m2"]) == Decimal(saved["floor_area_m2"])
    assert shown["floor_type"] == saved["floor_type"]
    assert shown["has_shelter"] == ("ya" if saved["has_shelter"] else "tidak")


def test_perbaikan_saved_unchanged_through_every_step_is_still_no_change(app, rt):
    pid = rt.start_on(free_household(app)["id"], "perbaikan")
    for step in ("rumah_tangga", "anggota", "kondisi"):  # "Simpan & lanjut" on every form, nothing changed
        url = f"/rt/usulan/{pid}/langkah/{step}"
        assert rt.post(url, form_values(rt.get(url))).status_code == 303
    assert problems(rt.review(pid)) == ["Belum ada data yang diubah."]


# --- NONAKTIF ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", list(NONAKTIF_REASONS))
def test_nonaktif_asks_for_the_evidence_of_its_reason_and_keeps_the_household(app, rt, reason):
    household = free_household(app)
    counts = registry_counts(app)
    pid = rt.start_on(household["id"], "nonaktif")
    assert rt.get(f"/rt/usulan/{pid}/lanjut").headers["Location"].endswith("/langkah/alasan")
    assert problems(rt.review(pid)) == ["Alasan penonaktifan belum diisi."]
    saved = rt.nonaktif(pid, reason)
    assert saved.headers["Location"].endswith("/langkah/berkas")
    needed = NONAKTIF_EVIDENCE.get(reason)
    evidence_page = text(rt.step(pid, "berkas"))
    if needed is None:
        assert "Tidak ada berkas wajib untuk usulan ini" in evidence_page
        assert problems(rt.review(pid)) == []
    else:
        assert f"✘ {EVIDENCE_KINDS[needed]}" in evidence_page
        rt.upload(pid, "lainnya", png_bytes())  # another kind of file does not count
        assert problems(rt.review(pid)) == [f"Berkas belum diunggah: {EVIDENCE_KINDS[needed]}."]
        rt.upload(pid, needed, png_bytes())
        assert f"✔ {EVIDENCE_KINDS[needed]}" in text(rt.step(pid, "berkas"))
        assert problems(rt.review(pid)) == []
    assert f"Alasan {NONAKTIF_REASONS[reason]} Keterangan" in visible(rt.review(pid))
    assert SUBMITTED in flashes(follow(rt, rt.submit(pid)))
    assert proposal_row(app, pid).snapshot["nonaktif"]["reason"] == reason
    registry_unchanged(app, counts, household)  # status stays "aktif" until the proposal is approved
    page = visible(rt.get(f"/rt/rumah-tangga/{household['id']}"))
    assert "Status Aktif" in page and f"Usulan yang berjalan: #{pid} NONAKTIF Diajukan" in page


# --- PPKS -------------------------------------------------------------------------------------------------

def _thirty_years_old(app, household: dict) -> dict:
    """Make the household's second member exactly 30 today (and give its head the PD category)."""
    person, today = household["members"][1], clock.today()
    birth = date(today.year - 30, today.month, 28 if (today.month, today.day) == (2, 29) else today.day)
    with app.app_context():
        db.session.get(Person, person["id"]).birth_date = birth
        db.session.add(PersonPpks(person_id=household["members"][0]["id"], category="PD"))
        db.session.commit()
    return person


def test_ppks_add_checks_the_age_band_and_a_line_can_be_taken_back(app, rt):
    household = free_household(app)
    person = _thirty_years_old(app, household)
    head = household["members"][0]
    counts = registry_counts(app)
    pid = rt.start_on(household["id"], "ppks")
    assert problems(rt.review(pid)) == ["Belum ada perubahan kategori PPKS."]
    lut, pd = categories()["LUT"], categories()["PD"]

    refused = rt.ppks(pid, f"p{person['id']}", "LUT")
    assert refused.status_code == 422
    assert f"{lut.name} untuk usia 60 tahun ke atas; usia orang ini 30 tahun." in text(refused)
    assert rt.ppks(pid, f"p{head['id']}", "PD").status_code == 422  # already has it
    assert "Orang ini sudah tercatat dalam kategori tersebut." in text(rt.ppks(pid, f"p{head['id']}", "PD"))
    assert "Orang ini tidak tercatat dalam kategori tersebut." in text(
        rt.ppks(pid, f"p{person['id']}", "PD", "hapus"))
    assert draft(app, pid)["ppks"] == []

    added = follow(rt, rt.ppks(pid, f"p{person['id']}", "PD"))
    assert "Perubahan PPKS dicatat. Draf tersimpan." in flashes(added)
    assert f"Tambah {pd.name} untuk {person['name']}" in visible(added)
    follow(rt, rt.ppks(pid, f"p{head['id']}", "PD", "hapus"))
    assert draft(app, pid)["ppks"] == [
        {"member_key": f"p{person['id']}", "category": "PD", "action": "tambah"},
        {"member_key": f"p{head['id']}", "category": "PD", "action": "hapus"}]

    taken_back = rt.send(f"/rt/usulan/{pid}/ppks/0/hapus", {}, page=f"/rt/usulan/{pid}/langkah/ppks")
    assert "Draf tersimpan." in flashes(follow(rt, taken_back))
    assert draft(app, pid)["ppks"] == [{"member_key": f"p{head['id']}", "category": "PD", "action": "hapus"}]
    review = rt.review(pid)
    assert problems(review) == [] and f"Hapus {pd.name} untuk {head['name']}" in visible(review)
    assert SUBMITTED in flashes(follow(rt, rt.submit(pid)))
    assert registry_counts(app) == counts  # the category ends only when the proposal is approved


# --- one open proposal per household, withdrawing ---------------------------------------------------------

def test_one_open_proposal_per_household_and_a_withdrawn_one_stays_in_the_history(app, rt):
    household = free_household(app)
    pid = rt.start_on(household["id"], "perbaikan")
    second = rt.propose(household["id"], "nonaktif")
    assert second.headers["Location"].endswith(f"/rt/usulan/{pid}")
    assert OPEN_EXISTS in flashes(rt.get(second.headers["Location"]))
    with app.app_context():
        assert len(db.session.scalars(select(Proposal).where(Proposal.household_id == household["id"])).all()) == 1

    withdrawn = follow(rt, rt.withdraw(pid))
    assert "Usulan dibatalkan. Riwayatnya tetap tersimpan." in flashes(withdrawn)
    assert "Dibatalkan" in text(withdrawn)
    assert status(app, pid) == "dibatalkan" and audit_count(app, "proposal.withdraw", pid) == 1
    resumed = rt.get(f"/rt/usulan/{pid}/lanjut")
    assert "Usulan ini berstatus Dibatalkan dan tidak dapat diubah lagi." in flashes(follow(rt, resumed))

    again = rt.start_on(household["id"], "nonaktif")
    assert again != pid and status(app, again) == "draf"
    page = visible(rt.get(f"/rt/rumah-tangga/{household['id']}"))
    assert f"#{pid} PERBAIKAN Dibatalkan" in page
    assert f"Usulan yang berjalan: #{again} NONAKTIF Draf" in page
    assert f'href="/rt/usulan/{pid}"' in text(rt.get("/rt/usulan"))


# --- nothing is ever deleted ------------------------------------------------------------------------------

def test_no_route_accepts_delete(app, rt):
    assert not [rule.rule for rule in app.url_map.iter_rules() if "DELETE" in rule.methods]
    household_id = households_of(app, RT1)[0]["id"]
    assert rt.v.client.delete(f"/rt/rumah-tangga/{household_id}").status_code == 405
