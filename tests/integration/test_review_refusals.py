"""Every refusal of the review chain: another area (404), the wrong level or order, drafts, one's own proposal.

A refusal never changes anything: the status, the version and the decision ledger stay as they were.
"""
import pytest

from tests.integration.review_support import (API_API, API_API_RT1, KANAAN, LURAH, NOT_NOW, OWN, REASON, Chain,
                                              Reviewer, add_users, area_id, batch_results, buttons, decisions,
                                              demo_proposal, errors, flashes, listed, planted_proposal, proposal_data,
                                              queue_ids, run, text, visible)

ACTIONS = ("setujui", "kembalikan", "tolak")


@pytest.fixture
def chain(app):
    return Chain(app)


def unchanged(app, pid: int, before: dict, ledger: list) -> None:
    after = proposal_data(app, pid)
    assert (after["status"], after["version"], after["round"]) == (before["status"], before["version"],
                                                                   before["round"])
    assert decisions(app, pid) == ledger


@pytest.mark.parametrize("username", ["lurah.kanaan", "camat.bontang-barat"])
def test_another_area_is_not_found(app, username):
    pid = demo_proposal(app, "baru")  # RT 001 of Api-Api, Bontang Utara
    before, ledger = proposal_data(app, pid), decisions(app, pid)
    other = Reviewer(app, username)

    assert other.page(pid).status_code == 404
    for action in ACTIONS:
        response = other.post(f"{other.base}/usulan/{pid}",
                              {"version": before["version"], "action": action, "reason": REASON})
        assert response.status_code == 404
    batch = other.batch([(pid, before["version"])])  # the whole batch refused, saying why, nothing decided
    assert batch.status_code == 422
    assert f"Tidak ada usulan yang diputuskan: usulan #{pid} tidak ditemukan di wilayah Anda." in visible(batch)
    assert not listed(other.queue(), pid)
    assert pid not in other.listed_ids()
    assert other.queue(wilayah=run(app, lambda: area_id(API_API_RT1))).status_code == 404
    unchanged(app, pid, before, ledger)

    own = planted_proposal(app, "rt.kanaan.001", f"{KANAAN}.001")  # their own area: seen, and decidable
    if other.role == "kelurahan":
        assert buttons(other.page(own)) == list(ACTIONS)
    else:
        assert other.page(own).status_code == 200 and own in other.listed_ids()


def test_upper_levels_cannot_act_before_the_lower_level(app, chain):
    pid = demo_proposal(app, "baru")
    before, ledger = proposal_data(app, pid), decisions(app, pid)

    for reviewer, action in ((chain.camat, "setujui"), (chain.dinsos, "tolak"), (chain.dinsos, "setujui")):
        page = reviewer.page(pid)
        assert page.status_code == 200 and "Berikutnya Kelurahan" in visible(page)
        assert buttons(page) == [] and "Keputusan Anda" not in text(page)
        assert reviewer.decide(pid, action, REASON).status_code == 422
        assert not listed(reviewer.queue(), pid)
        assert batch_results(reviewer.batch([(pid, before["version"])]))[pid] == (False, NOT_NOW.format("Diajukan"))
    noted = chain.dinsos.follow(chain.dinsos.note(pid))
    assert any("Catatan verifikasi hanya untuk usulan yang menunggu Dinas Sosial." in f for f in flashes(noted))
    unchanged(app, pid, before, ledger)

    # After the kelurahan: the kelurahan cannot act twice, and Dinas Sosial cannot skip the kecamatan.
    chain.lurah.approve(pid)
    middle, ledger = proposal_data(app, pid), decisions(app, pid)
    for reviewer in (chain.lurah, chain.dinsos):
        assert buttons(reviewer.page(pid)) == []
        for action in ACTIONS:
            assert reviewer.decide(pid, action, REASON).status_code == 422
    assert buttons(chain.camat.page(pid)) == list(ACTIONS)
    unchanged(app, pid, middle, ledger)


def test_drafts_are_invisible_to_reviewers(app, chain):
    drafts = [demo_proposal(app, kind, status="draf") for kind in ("baru", "perbaikan")]
    submitted = demo_proposal(app, "baru")
    assert all(drafts)
    for reviewer in (chain.lurah, chain.camat, chain.dinsos):
        listing = reviewer.listed_ids()
        assert submitted in listing
        only_drafts = reviewer.get(f"{reviewer.base}/usulan", query_string={"status": "draf"})
        assert "Belum ada usulan." in visible(only_drafts)
        for pid in drafts:
            assert reviewer.page(pid).status_code == 404
            assert reviewer.post(f"{reviewer.base}/usulan/{pid}",
                                 {"version": proposal_data(app, pid)["version"], "action": "setujui"}
                                 ).status_code == 404
            assert pid not in listing and not listed(only_drafts, pid)
            assert pid not in queue_ids(reviewer.queue())
    assert all(proposal_data(app, pid)["status"] == "draf" for pid in drafts)


def test_nobody_decides_their_own_proposal(app):
    pid = planted_proposal(app, LURAH)  # as if the lurah had written and submitted it
    before, ledger = proposal_data(app, pid), decisions(app, pid)
    lurah = Reviewer(app, LURAH)

    page = lurah.page(pid)
    assert page.status_code == 200 and buttons(page) == []
    assert pid not in queue_ids(lurah.queue())
    assert pid in lurah.listed_ids()  # visible in the area's list, but not to decide
    for action in ACTIONS:
        assert lurah.decide(pid, action, REASON).status_code == 422
    assert batch_results(lurah.batch([(pid, before["version"])]))[pid] == (False, OWN)
    unchanged(app, pid, before, ledger)

    colleague = Reviewer(app, add_users(app, "kelurahan", API_API, 1, "lurah.rekan")[0])
    assert pid in queue_ids(colleague.queue())
    assert buttons(colleague.page(pid)) == list(ACTIONS)
    colleague.approve(pid)
    assert decisions(app, pid)[-1]["user"] == colleague.username
    assert proposal_data(app, pid)["status"] == "diverifikasi_kelurahan"


REFUSALS = {
    "kecamatan before kelurahan": ("camat.bontang-utara", "baru", "setujui", NOT_NOW.format("Diajukan")),
    "dinsos before kelurahan": ("dinsos", "baru", "tolak", NOT_NOW.format("Diajukan")),
    "own proposal": (LURAH, "own", "setujui", OWN),
    "final state": (LURAH, "ditolak", "setujui", NOT_NOW.format("Ditolak")),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_a_refused_decision_says_why(app, case):
    username, which, action, message = REFUSALS[case]
    if which == "own":
        pid = planted_proposal(app, username)
    elif which == "ditolak":
        pid = demo_proposal(app, "baru")
        Reviewer(app, LURAH).decide(pid, "tolak", REASON)
    else:
        pid = demo_proposal(app, which)
    response = Reviewer(app, username).decide(pid, action, REASON)
    assert response.status_code == 422
    assert message in errors(response)
