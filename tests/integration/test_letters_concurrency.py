"""Letter numbers under concurrency, on PostgreSQL: unique and gapless per office and year.

Every worker thread has its own app context, hence its own session and database connection. To make "at
the same moment" the worst case every time rather than by luck, the test holds the lock the numbering
depends on (the office's letter_sequences row, FOR UPDATE, or an uncommitted row of a new year) on a
connection of its own until every worker is blocked on it (pg_stat_activity), then lets go. A numbering
that read the counter without locking it, or that could not cope with two first letters of a year, would
hand out the same number twice (or fail) here.
"""
import threading
import time
import traceback

import pytest
from sqlalchemy import text as sql

from portal import clock
from portal.extensions import db
from portal.models import Office
from portal.services import letters as letter_service
from tests.conftest import PG_URL
from tests.integration.letters_support import (dinsos_office, letter, ready_ids, sequence_last, sequences,
                                               statuses, usulan_letters)
from tests.integration.review_support import Reviewer, add_users, errors

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="letter numbering under concurrency needs real row locks: set "
                                          "TEST_DATABASE_URL to a PostgreSQL server (SQLite serialises writers, "
                                          "so this race cannot happen there)"),
]

WORKERS = 8
NEW_YEAR = 2099  # no letter exists in it: the first numbers of a year


def lock_waiters(watch) -> int:
    return watch.scalar(sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock'"))


def held_until_all_wait(app, hold_sql: str, params: dict, start_workers, waiters: int, release: str = "rollback"):
    """Run `hold_sql` on a connection of its own, start the workers, wait until `waiters` of them are blocked
    on a lock, then release (rollback or commit). Returns how many were seen waiting."""
    with app.app_context():
        gate = db.engine.connect()
        watch = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            gate.execute(sql(hold_sql), params)
            threads = start_workers()
            deadline, seen = time.monotonic() + 20, 0
            while time.monotonic() < deadline and (seen := lock_waiters(watch)) < waiters:
                time.sleep(0.05)
            getattr(gate, release)()
            for thread in threads:
                thread.join(timeout=60)
            assert not any(thread.is_alive() for thread in threads), "a worker never finished"
            return seen
        finally:
            gate.close()
            watch.close()


def numbering_workers(app, office_id: int, year: int, results: list):
    """WORKERS threads, each: its own session, next_sequence at the same moment (Barrier), commit."""
    barrier = threading.Barrier(WORKERS)

    def work(i):
        with app.app_context():
            try:
                office = db.session.get(Office, office_id)
                barrier.wait(timeout=30)
                results[i] = letter_service.next_sequence(office, year)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the test
                db.session.rollback()
                error.add_note(traceback.format_exc())
                results[i] = error
            finally:
                db.session.remove()

    def start():
        threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
        for thread in threads:
            thread.start()
        return threads

    return start


def failures(results: list) -> str:
    return "\n".join(f"{e!r}\n{e.__notes__[-1]}" for e in results if isinstance(e, BaseException))


def test_eight_numbers_taken_at_once_are_consecutive_without_duplicates(app):
    office, year = dinsos_office(app), clock.today().year
    last = sequence_last(app, office, year)
    assert last == len(sequences(app, office, year)) >= 1  # the demo letter made the row
    results: list = [None] * WORKERS

    seen = held_until_all_wait(app, "SELECT id FROM letter_sequences WHERE office_id = :o AND year = :y FOR UPDATE",
                               {"o": office, "y": year}, numbering_workers(app, office, year, results), WORKERS)

    assert seen >= WORKERS, f"only {seen} workers were seen waiting for the lock: the race did not happen"
    assert not failures(results), failures(results)
    assert sorted(results) == list(range(last + 1, last + WORKERS + 1)), results
    assert sequence_last(app, office, year) == last + WORKERS


def test_eight_first_numbers_of_a_new_year_at_once_are_one_to_eight(app):
    """Nobody has numbered a letter in the year yet; another issuer creates the year's counter row at the same
    moment (held uncommitted until every worker waits on it, then committed). Every worker must still get
    its own number: 1..8, no error, no duplicate."""
    office = dinsos_office(app)
    assert sequence_last(app, office, NEW_YEAR) is None
    results: list = [None] * WORKERS

    seen = held_until_all_wait(
        app, "INSERT INTO letter_sequences (office_id, year, last) VALUES (:o, :y, 0)", {"o": office, "y": NEW_YEAR},
        numbering_workers(app, office, NEW_YEAR, results), WORKERS, release="commit")

    assert seen >= WORKERS, f"only {seen} workers were seen waiting: the race did not happen"
    assert not failures(results), failures(results)
    assert sorted(results) == list(range(1, WORKERS + 1)), results
    assert sequence_last(app, office, NEW_YEAR) == WORKERS


def test_a_number_rolled_back_while_another_waits_is_given_to_the_waiter(app):
    """A takes a number and holds it; B asks at the same time and waits; A's issue fails (rollback): B gets the
    very number A had. Nothing is lost, nothing is doubled."""
    office, year = dinsos_office(app), clock.today().year
    last = sequence_last(app, office, year)
    taken, got_by_b = threading.Event(), {}
    a_result: dict = {}

    def a():
        with app.app_context():
            try:
                a_result["n"] = letter_service.next_sequence(db.session.get(Office, office), year)
                taken.set()
                a_result["waited"] = wait_for_b()
                db.session.rollback()
            except Exception as error:  # noqa: BLE001
                taken.set()
                a_result["error"] = error
            finally:
                db.session.remove()

    def b():
        taken.wait(timeout=30)
        with app.app_context():
            try:
                got_by_b["n"] = letter_service.next_sequence(db.session.get(Office, office), year)
                db.session.commit()
            except Exception as error:  # noqa: BLE001
                got_by_b["error"] = error
            finally:
                db.session.remove()

    def wait_for_b() -> bool:
        with app.app_context():
            watch = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    if lock_waiters(watch) >= 1:
                        return True
                    time.sleep(0.05)
                return False
            finally:
                watch.close()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert "error" not in a_result and "error" not in got_by_b, (a_result, got_by_b)
    assert a_result["waited"], "B never waited for A's lock"
    assert a_result["n"] == got_by_b["n"] == last + 1
    assert sequence_last(app, office, year) == last + 1


# --- two Dinas Sosial users pressing "Terbitkan" at the same moment -----------------------------------------

def two_issuers(app):
    second = add_users(app, "dinsos", "64.74", 1, "dinsos.surat")[0]
    return Reviewer(app, "dinsos"), Reviewer(app, second)


def race_issues(app, office: int, year: int, moves) -> list:
    """Each (reviewer, ids) opens the letters page, then all post at once while the office's counter is held."""
    for reviewer, _ in moves:
        assert reviewer.get("/dinsos/surat").status_code == 200
    results: list = [None] * len(moves)
    barrier = threading.Barrier(len(moves))

    def go(i, reviewer, ids):
        try:
            barrier.wait(timeout=30)
            results[i] = reviewer.post("/dinsos/surat", {"ids": [str(x) for x in ids], "sifat": "Biasa"})
        except Exception as error:  # noqa: BLE001
            error.add_note(traceback.format_exc())
            results[i] = error

    def start():
        threads = [threading.Thread(target=go, args=(i, *move)) for i, move in enumerate(moves)]
        for thread in threads:
            thread.start()
        return threads

    seen = held_until_all_wait(app, "SELECT id FROM letter_sequences WHERE office_id = :o AND year = :y FOR UPDATE",
                               {"o": office, "y": year}, start, len(moves))
    assert seen >= len(moves), f"only {seen} requests were seen waiting for the counter: no race"
    return results


def test_two_letters_for_different_proposals_at_once_get_consecutive_numbers(app):
    office, year = dinsos_office(app), clock.today().year
    last, ready = sequence_last(app, office, year), ready_ids(app)
    first, second = two_issuers(app)

    results = race_issues(app, office, year, [(first, ready[:1]), (second, ready[1:2])])

    assert not [r for r in results if isinstance(r, Exception)], failures(results)
    assert [r.status_code for r in results] == [303, 303], [errors(r) for r in results]
    issued = usulan_letters(app)[-2:]
    assert sorted(item["sequence"] for item in issued) == [last + 1, last + 2]
    assert sorted(item["number"] for item in issued) == [f"400.9.2/{n:04d}/Dinsos/{year}" for n in (last + 1, last + 2)]
    assert sorted(item["proposals"] for item in issued) == [ready[:1], ready[1:2]]
    assert sequences(app, office, year) == list(range(1, last + 3))
    assert statuses(app, ready[:2]) == {pid: "dikirim_kementerian" for pid in ready[:2]}


def test_the_same_proposals_issued_twice_at_once_make_one_letter_and_use_one_number(app):
    office, year = dinsos_office(app), clock.today().year
    last, ready = sequence_last(app, office, year), ready_ids(app)
    before = len(usulan_letters(app))
    first, second = two_issuers(app)

    results = race_issues(app, office, year, [(first, ready), (second, ready)])

    assert not [r for r in results if isinstance(r, Exception)], failures(results)
    assert sorted(r.status_code for r in results) == [303, 422], [errors(r) for r in results]
    loser = next(r for r in results if r.status_code == 422)
    assert any("sudah diputuskan" in m or "sudah dikirim" in m for m in errors(loser)), errors(loser)
    issued = usulan_letters(app)
    assert len(issued) == before + 1
    assert issued[-1]["sequence"] == last + 1 and issued[-1]["proposals"] == ready
    assert sequence_last(app, office, year) == last + 1  # the loser's number was rolled back: no gap
    assert sequences(app, office, year) == list(range(1, last + 2))
    assert letter(app, issued[-1]["id"])["pdf"].startswith(b"%PDF-")
