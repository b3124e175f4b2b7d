"""The approval chain through HTTP: kelurahan -> kecamatan -> Dinas Sosial, the decision ledger, the effects
of the final approval on the registry, returns with a new round, and rejection as a final state."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from portal import clock
from portal.domain.criteria import JOBS
from portal.extensions import db
from portal.models import Household, Proposal, User
from portal.services import evidence, proposals
from tests.integration.review_support import (API_API_RT1, CAMAT, DINSOS, LURAH, LURAH_NAME, NEED_NOTE, NOT_NOW, REASON,
                                              RT, SHORT_REASON, Chain, Reviewer, batch_results, buttons, count,
                                              decisions, demo_proposal, errors, flashes, household_data, ledger, listed,
                                              png_upload, proposal_data, queue_ids, registry_changes, run, text,
                                              timeline, version_in, visible)

CHAIN_LEDGER = [
    ("rt", "ajukan", "draf", "diajukan", 1),
    ("kelurahan", "setujui", "diajukan", "diverifikasi_kelurahan", 1),
    ("kecamatan", "setujui", "diverifikasi_kelurahan", "diverifikasi_kecamatan", 1),
    ("dinsos", "setujui", "diverifikasi_kecamatan", "disetujui_dinsos", 1),
]


@pytest.fixture
def chain(app):
    return Chain(app)


def test_whole_chain_for_a_new_household(app, chain):
    pid = demo_proposal(app, "baru")
    submitted = proposal_data(app, pid)
    households = count(app, Household)

    page = chain.lurah.page(pid)
    assert buttons(page) == ["setujui", "kembalikan", "tolak"]
    assert "Berikutnya Kelurahan" in visible(page)
    done = chain.lurah.approve(pid)
    assert done.headers["Location"].endswith("/kelurahan/antrian")
    assert f"Usulan #{pid}: disetujui." in flashes(chain.lurah.follow(done))
    assert proposal_data(app, pid)["status"] == "diverifikasi_kelurahan"

    assert buttons(chain.camat.page(pid)) == ["setujui", "kembalikan", "tolak"]
    chain.camat.approve(pid)
    assert proposal_data(app, pid)["status"] == "diverifikasi_kecamatan"

    # Dinas Sosial approves only after recording its field verification.
    refused = chain.dinsos.decide(pid, "setujui")
    assert refused.status_code == 422
    assert NEED_NOTE in errors(refused)
    assert proposal_data(app, pid)["status"] == "diverifikasi_kecamatan"
    assert count(app, Household) == households and len(decisions(app, pid)) == 3

    noted = chain.dinsos.note(pid, findings="Rumah semi permanen, lantai tanah, enam orang ditemui.")
    page = chain.dinsos.follow(noted)
    assert "Catatan verifikasi disimpan." in flashes(page)
    assert "Petugas Uji Lapangan (putaran 1): Rumah semi permanen, lantai tanah, enam orang ditemui." in visible(page)
    done = chain.dinsos.approve(pid)
    assert f"Usulan #{pid}: disetujui." in flashes(chain.dinsos.follow(done))

    approved = proposal_data(app, pid)
    assert approved["status"] == "disetujui_dinsos"
    assert approved["sha"] == submitted["sha"]  # the snapshot decided on never changed
    assert ledger(app, pid) == CHAIN_LEDGER
    ledger_rows = decisions(app, pid)
    assert [d["user"] for d in ledger_rows] == [RT, LURAH, CAMAT, DINSOS]
    assert {d["sha"] for d in ledger_rows} == {approved["sha"]}

    # BARU: the household enters the registry as "diusulkan", with the members of the snapshot.
    assert count(app, Household) == households + 1
    household = household_data(app, approved["household_id"])
    snapshot = approved["snapshot"]
    assert household["status"] == "diusulkan"
    assert household["area"] == API_API_RT1
    assert (household["no_kk"], household["address"]) == (snapshot["household"]["no_kk"],
                                                           snapshot["household"]["address"])
    assert household["members"] == sorted(m["nik"] for m in snapshot["members"])

    page = chain.dinsos.page(pid)
    assert buttons(page) == []
    assert "Disetujui Dinas Sosial" in visible(page)
    entries = timeline(page)
    assert len(entries) == 4
    assert entries[1].startswith(f"Disetujui oleh {LURAH_NAME} (Kelurahan)")
    assert entries[2].startswith("Disetujui oleh Operator Kecamatan Bontang Utara (demo) (Kecamatan)")
    assert entries[3].startswith("Disetujui oleh Verifikator Dinas Sosial (demo) (Dinas Sosial)")
    assert all("putaran 1" in e for e in entries)


def test_nonaktif_marks_the_household_inactive_and_keeps_it(app, chain):
    pid = demo_proposal(app, "nonaktif")
    proposal = proposal_data(app, pid)
    before = household_data(app, proposal["household_id"])
    assert before["status"] == "aktif"

    chain.walk(pid, upto="camat")
    assert household_data(app, proposal["household_id"]) == before  # nothing happens before Dinas Sosial
    assert registry_changes(app, pid) == []
    chain.walk(pid, start="dinsos")

    after = household_data(app, proposal["household_id"])
    assert after["status"] == "nonaktif"
    assert after["reason"] == proposal["snapshot"]["nonaktif"]["reason"] == "mampu"
    assert after["members"] == before["members"] and after["no_kk"] == before["no_kk"]  # never deleted
    assert [(c["field"], c["old"], c["new"]) for c in registry_changes(app, pid)] == [
        ("status", "aktif", "nonaktif"), ("nonaktif_reason", "", "mampu")]
    # It drops to the bottom of the RT's household list.
    listing = Reviewer(app, RT).get("/rt/rumah-tangga")
    shown = [int(i) for i in re.findall(r'href="/rt/rumah-tangga/(\d+)"', text(listing))]
    assert shown[-1] == proposal["household_id"]


def test_ppks_adds_the_category_to_the_person(app, chain):
    pid = demo_proposal(app, "ppks")
    proposal = proposal_data(app, pid)
    change = proposal["snapshot"]["ppks"][0]
    nik = next(m["nik"] for m in proposal["snapshot"]["members"] if m["key"] == change["member_key"])
    assert change["category"] not in household_data(app, proposal["household_id"])["people"][nik]["ppks"]

    chain.walk(pid)

    person = household_data(app, proposal["household_id"])["people"][nik]
    assert change["category"] in person["ppks"]
    assert registry_changes(app, pid) == [{"household_id": proposal["household_id"], "person_id": person["id"],
                                           "field": "ppks", "old": "", "new": change["category"]}]


def _submit_correction(app) -> dict:
    """The demo PERBAIKAN draft of RT 001 (a new house number) plus a member's new job, submitted by the RT."""
    def make():
        rt = db.session.scalar(select(User).where(User.username == RT))
        proposal = db.session.scalar(select(Proposal).where(Proposal.kind == "perbaikan", Proposal.status == "draf",
                                                            Proposal.area_id == rt.area_id))
        member = proposal.draft["members"][-1]
        job = next(j for j in sorted(JOBS) if j != member["job"])
        form = {**member, "birth_date": date.fromisoformat(member["birth_date"]), "job": job, "warning_reason": ""}
        proposals.save_member(rt, proposal, proposal.version, member["key"], form, clock.today())
        evidence.store(rt, proposal, "kk", png_upload())
        proposals.submit(rt, proposal, proposal.version, clock.today())
        return {"pid": proposal.id, "person_id": member["person_id"], "old_job": member["job"], "job": job,
                "old_address": proposal.original["household"]["address"],
                "address": proposal.snapshot["household"]["address"], "household_id": proposal.household_id}
    return run(app, make)


def test_perbaikan_applies_the_change_with_field_history(app, chain):
    fix = _submit_correction(app)
    assert fix["address"] == fix["old_address"] + " (pindah nomor rumah)"
    assert proposal_data(app, fix["pid"])["status"] == "diajukan"

    chain.walk(fix["pid"])

    household = household_data(app, fix["household_id"])
    assert household["address"] == fix["address"]
    person = next(p for p in household["people"].values() if p["id"] == fix["person_id"])
    assert person["job"] == fix["job"]
    changes = {(c["field"], c["person_id"]): (c["old"], c["new"]) for c in registry_changes(app, fix["pid"])}
    assert changes == {("address", None): (fix["old_address"], fix["address"]),
                       ("job", fix["person_id"]): (fix["old_job"], fix["job"])}


NEW_ADDRESS = "Jl. Putaran Kedua No. 12"


def fix_and_resubmit(rt: Reviewer, pid: int):
    """The Ketua RT corrects the address of a returned BARU in the wizard and submits it again."""
    step = rt.get(f"/rt/usulan/{pid}/langkah/rumah_tangga")
    assert step.status_code == 200
    no_kk = re.search(r'name="no_kk"[^>]*value="(\d+)"', text(step)).group(1)
    saved = rt.post(f"/rt/usulan/{pid}/langkah/rumah_tangga",
                    {"version": version_in(step), "no_kk": no_kk, "address": NEW_ADDRESS})
    assert saved.status_code == 303, errors(saved)
    review = rt.get(f"/rt/usulan/{pid}/langkah/tinjau")
    return rt.follow(rt.post(f"/rt/usulan/{pid}/ajukan", {"version": version_in(review)}))


def test_return_opens_a_new_round_and_keeps_the_old_decision(app, chain):
    pid = demo_proposal(app, "baru")
    first = proposal_data(app, pid)

    for short in ("", "kurang", "   singkat  "):
        refused = chain.lurah.decide(pid, "kembalikan", short)
        assert refused.status_code == 422
        assert SHORT_REASON in errors(refused)
    assert proposal_data(app, pid)["status"] == "diajukan" and len(decisions(app, pid)) == 1

    back = chain.lurah.decide(pid, "kembalikan", REASON)
    assert back.status_code == 303
    assert f"Usulan #{pid}: dikembalikan untuk diperbaiki." in flashes(chain.lurah.follow(back))
    returned = proposal_data(app, pid)
    assert (returned["status"], returned["round"]) == ("dikembalikan", 1)  # the RT's resubmission opens round 2
    assert decisions(app, pid)[-1] | {"name": None} == {
        "action": "kembalikan", "role": "kelurahan", "user": LURAH, "name": None, "round": 1, "from": "diajukan",
        "to": "dikembalikan", "sha": first["sha"], "reason": REASON}
    assert buttons(chain.lurah.page(pid)) == []
    assert pid not in queue_ids(chain.lurah.queue())

    # The RT sees it under "Usulan dikembalikan", with the reason, and may edit the draft again.
    rt = Reviewer(app, RT)
    home = text(rt.get("/rt/"))
    returned_box = home.split("Usulan dikembalikan untuk diperbaiki", 1)[1].split("<h2>", 1)[0]
    assert listed(returned_box, pid)
    assert f"Alasan: {REASON}" in visible(rt.get(f"/rt/usulan/{pid}"))
    assert "Usulan diajukan ke kelurahan. Isinya kini terkunci." in flashes(fix_and_resubmit(rt, pid))

    second = proposal_data(app, pid)
    assert (second["status"], second["round"]) == ("diajukan", 2)
    assert second["snapshot"]["household"]["address"] == NEW_ADDRESS
    assert second["sha"] != first["sha"]
    assert ledger(app, pid) == [("rt", "ajukan", "draf", "diajukan", 1),
                                ("kelurahan", "kembalikan", "diajukan", "dikembalikan", 1),
                                ("rt", "ajukan", "dikembalikan", "diajukan", 2)]
    assert [d["sha"] for d in decisions(app, pid)] == [first["sha"], first["sha"], second["sha"]]

    page = chain.lurah.page(pid)
    entries = timeline(page)
    assert len(entries) == 3
    assert entries[0].startswith("Diajukan oleh") and "putaran 1" in entries[0]
    assert entries[1].startswith(f"Dikembalikan untuk diperbaiki oleh {LURAH_NAME} (Kelurahan)")
    assert "putaran 1" in entries[1] and f"Alasan: {REASON}" in entries[1]
    assert entries[2].startswith("Diajukan oleh") and "putaran 2" in entries[2]
    assert buttons(page) == ["setujui", "kembalikan", "tolak"]

    chain.lurah.approve(pid)
    last = decisions(app, pid)[-1]
    assert (last["action"], last["round"], last["sha"]) == ("setujui", 2, second["sha"])


def test_reject_is_final(app, chain):
    pid = demo_proposal(app, "nonaktif")
    household_before = household_data(app, proposal_data(app, pid)["household_id"])

    refused = chain.lurah.decide(pid, "tolak", "")
    assert refused.status_code == 422 and SHORT_REASON in errors(refused)
    assert proposal_data(app, pid)["status"] == "diajukan"

    done = chain.lurah.decide(pid, "tolak", REASON)
    assert f"Usulan #{pid}: ditolak." in flashes(chain.lurah.follow(done))
    rejected = proposal_data(app, pid)
    assert rejected["status"] == "ditolak"
    assert decisions(app, pid)[-1]["action"] == "tolak" and decisions(app, pid)[-1]["reason"] == REASON
    ledger_before = decisions(app, pid)

    for reviewer in (chain.lurah, chain.camat, chain.dinsos):
        page = reviewer.page(pid)
        assert page.status_code == 200 and buttons(page) == []
        assert "Ditolak" in visible(page)
        for action in ("setujui", "kembalikan", "tolak"):
            response = reviewer.decide(pid, action, REASON)
            assert response.status_code == 422, (reviewer.username, action)  # message: test_review_refusals
        result = batch_results(reviewer.batch([(pid, rejected["version"])]))
        assert result[pid] == (False, NOT_NOW.format("Ditolak"))
    noted = chain.dinsos.follow(chain.dinsos.note(pid))
    assert any("Catatan verifikasi hanya untuk usulan yang menunggu Dinas Sosial." in f for f in flashes(noted))

    rt = Reviewer(app, RT)
    page = rt.get(f"/rt/usulan/{pid}")
    assert page.status_code == 200 and "/ajukan" not in text(page) and "/batalkan" not in text(page)
    version = rejected["version"]  # no form offers these moves: hand-made requests
    assert "Usulan ini sudah berstatus Ditolak." in flashes(rt.follow(rt.post(f"/rt/usulan/{pid}/ajukan",
                                                                           {"version": version})))
    withdrawn = rt.follow(rt.post(f"/rt/usulan/{pid}/batalkan", {"version": version}))
    assert "Tindakan ini tidak dapat dilakukan pada usulan berstatus Ditolak." in flashes(withdrawn)
    edit = rt.get(f"/rt/usulan/{pid}/langkah/alasan")
    assert "Usulan ini berstatus Ditolak dan tidak dapat diubah lagi." in flashes(rt.follow(edit))

    after = proposal_data(app, pid)
    assert (after["status"], after["version"], after["round"]) == ("ditolak", rejected["version"], 1)
    assert decisions(app, pid) == ledger_before
    assert household_data(app, rejected["household_id"]) == household_before
    assert registry_changes(app, pid) == []


def test_a_resubmitted_snapshot_names_its_round(app, chain):
    pid = demo_proposal(app, "baru")
    assert chain.lurah.decide(pid, "kembalikan", REASON).status_code == 303
    fix_and_resubmit(Reviewer(app, RT), pid)
    data = proposal_data(app, pid)
    assert data["round"] == data["snapshot"]["meta"]["round"] == 2
