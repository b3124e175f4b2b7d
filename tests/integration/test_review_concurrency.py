"""Several reviewers deciding the same proposal at the same moment, on PostgreSQL.

Each thread has its own test client (its own session cookie and CSRF token) and, per request, its own
database connection from the app's pool (5 + 10 overflow, enough for these threads). A Barrier releases
all the POSTs together. To make "at the same moment" the worst case every time rather than by luck, the
test holds the proposal's row lock (SELECT ... FOR UPDATE on a connection of its own) until every request
has read the same version and is waiting to write; then it lets go. Exactly one decision may be recorded;
every other reviewer must be sent back to the review page and told who decided first.
"""
import threading
import time
import traceback

import pytest
from sqlalchemy import text as sql

from portal.extensions import db
from portal.models import Household, Person
from tests.conftest import PG_URL
from tests.integration.review_support import (ALREADY_DECIDED_RE, API_API, REASON, Reviewer, add_users, count,
                                              decisions, demo_proposal, flashes, proposal_data, version_in)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="concurrency needs real row locks: set TEST_DATABASE_URL to a PostgreSQL "
                                          "server (SQLite serialises writers, so this race cannot happen there)"),
]

ROLE_LABELS = {"kelurahan": "Kelurahan", "kecamatan": "Kecamatan", "dinsos": "Dinas Sosial"}


def race(app, pid: int, moves: list[tuple[Reviewer, str, str]]) -> list:
    """Every (reviewer, action, reason) opens the review page of `pid` (version + CSRF token), then all POST
    at once while the row is held. Returns each response, or the exception its request raised (in tests
    Flask propagates what would be a 500)."""
    forms = []
    for reviewer, action, reason in moves:
        page = reviewer.page(pid)
        assert page.status_code == 200
        forms.append((reviewer, f"{reviewer.base}/usulan/{pid}",
                      {"version": version_in(page), "action": action, "reason": reason}))
    barrier = threading.Barrier(len(forms))
    results: list = [None] * len(forms)

    def go(i, reviewer, url, data):
        try:
            barrier.wait(timeout=30)
            results[i] = reviewer.post(url, data)
        except Exception as error:  # noqa: BLE001 - reported by the tests
            error.add_note(traceback.format_exc())
            results[i] = error

    with app.app_context():
        gate = db.engine.connect()
        watch = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            gate.execute(sql("SELECT id FROM proposals WHERE id = :id FOR UPDATE"), {"id": pid})
            threads = [threading.Thread(target=go, args=(i, *form)) for i, form in enumerate(forms)]
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and watch.scalar(sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'")) < len(forms):
                time.sleep(0.05)
            gate.rollback()
            for thread in threads:
                thread.join(timeout=60)
            assert not any(thread.is_alive() for thread in threads), "a request never finished"
        finally:
            gate.close()
            watch.close()
    return results


def new_decisions(app, pid: int, before: list) -> list[dict]:
    after = decisions(app, pid)
    assert after[:len(before)] == before  # nothing earlier was touched
    return after[len(before):]


def winner_response(moves, results, winner: dict):
    """The winner's request ended on its queue; returns the other (move, result) pairs."""
    others = []
    for move, result in zip(moves, results, strict=True):
        reviewer, action, _ = move
        if reviewer.username == winner["user"] and action == winner["action"]:
            assert not isinstance(result, Exception), result
            assert result.status_code == 303 and result.headers["Location"].endswith(f"{reviewer.base}/antrian")
        else:
            others.append((move, result))
    assert len(others) == len(moves) - 1
    return others


# --- the scenarios: each returns (proposal id, moves) ready to race ------------------------------------------

def ten_approvals(app):
    reviewers = [Reviewer(app, name) for name in add_users(app, "kelurahan", API_API, 10, "lurah.serentak")]
    return demo_proposal(app, "baru"), [(r, "setujui", "") for r in reviewers]


def return_against_approve(app, kind: str = "baru"):
    returner, approver = (Reviewer(app, name) for name in add_users(app, "kelurahan", API_API, 2, "lurah.duel"))
    return demo_proposal(app, kind), [(returner, "kembalikan", REASON), (approver, "setujui", "")]


def final_approvals(app):
    """A BARU waiting for Dinas Sosial (verification note recorded), and four Dinas Sosial verifiers."""
    pid = demo_proposal(app, "baru")
    for name in ("lurah.api-api", "camat.bontang-utara"):
        Reviewer(app, name).approve(pid)
    verifiers = [Reviewer(app, name) for name in ("dinsos", *add_users(app, "dinsos", "64.74", 3, "dinsos.uji"))]
    assert verifiers[0].note(pid).status_code == 303
    return pid, [(v, "setujui", "") for v in verifiers]


# --- the stored state: exactly one decision, and the proposal agrees with it ---------------------------------

def test_ten_kelurahan_users_approve_at_once_and_one_decision_is_recorded(app):
    pid, moves = ten_approvals(app)
    before, ledger = proposal_data(app, pid), decisions(app, pid)

    results = race(app, pid, moves)

    new = new_decisions(app, pid, ledger)
    assert len(new) == 1 and new[0]["action"] == "setujui"
    assert new[0]["user"] in [r.username for r, _, _ in moves]
    winner_response(moves, results, new[0])
    after = proposal_data(app, pid)
    assert after["status"] == "diverifikasi_kelurahan"
    assert after["version"] == before["version"] + 1
    assert new[0]["sha"] == after["sha"] == before["sha"]


@pytest.mark.parametrize("kind", ["baru", "nonaktif", "ppks"])
def test_return_and_approve_at_once_one_wins_and_the_state_agrees(app, kind):
    pid, moves = return_against_approve(app, kind)
    before, ledger = proposal_data(app, pid), decisions(app, pid)

    results = race(app, pid, moves)

    new = new_decisions(app, pid, ledger)
    assert len(new) == 1, new
    winner = new[0]
    winner_response(moves, results, winner)
    after = proposal_data(app, pid)
    assert (winner["from"], winner["to"], winner["round"]) == ("diajukan", after["status"], 1)
    assert winner["sha"] == before["sha"] == after["sha"]
    if winner["action"] == "kembalikan":
        assert (after["status"], after["round"], winner["reason"]) == ("dikembalikan", 1, REASON)
        assert after["draft"]["household"] == before["snapshot"]["household"]  # reopened for the RT
    else:
        assert (winner["action"], after["status"], after["round"]) == ("setujui", "diverifikasi_kelurahan", 1)


def test_dinsos_verifiers_approve_at_once_and_one_household_is_created(app):
    pid, moves = final_approvals(app)
    households, people, ledger = count(app, Household), count(app, Person), decisions(app, pid)
    members = len(proposal_data(app, pid)["snapshot"]["members"])

    results = race(app, pid, moves)

    new = new_decisions(app, pid, ledger)
    assert len(new) == 1 and (new[0]["role"], new[0]["action"]) == ("dinsos", "setujui")
    winner_response(moves, results, new[0])
    assert proposal_data(app, pid)["status"] == "disetujui_dinsos"
    assert count(app, Household) == households + 1
    assert count(app, Person) == people + members


# --- what the other reviewers are told ---------------------------------------------------------------------

SCENARIOS = {"ten approvals": ten_approvals, "return against approve": return_against_approve,
             "final approvals": final_approvals}


@pytest.mark.parametrize("scenario", ["ten approvals", "return against approve", "final approvals"])
def test_the_others_are_told_who_decided_first(app, scenario):
    pid, moves = SCENARIOS[scenario](app)
    ledger = decisions(app, pid)

    results = race(app, pid, moves)

    failures = [r for r in results if isinstance(r, Exception)]
    assert not failures, "\n".join(f"{e!r}\n{e.__notes__[-1]}" for e in failures)
    winner = new_decisions(app, pid, ledger)[0]
    for (reviewer, _, _), response in winner_response(moves, results, winner):
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"{reviewer.base}/usulan/{pid}")
        shown = flashes(reviewer.get(response.headers["Location"]))
        match = next(filter(None, (ALREADY_DECIDED_RE.fullmatch(m) for m in shown)), None)
        assert match, shown
        assert (match.group(1), match.group(2)) == (winner["name"], ROLE_LABELS[winner["role"]])
