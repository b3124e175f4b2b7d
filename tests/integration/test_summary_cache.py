"""The data version and the dashboards' cache: numbers are reused only while the data behind them is unchanged.

A dashboard at city scale aggregates every household and person of the area; it is computed once per data
version and reused. These tests check that every kind of write moves the version (so a cached number can never
be stale), that writes no summary reads do not, and that a repeated dashboard view runs no aggregate query.
"""
import threading

import pytest
from sqlalchemy import select, text, update

from portal import data_version
from portal.extensions import db
from portal.models import Household, User, UserSession
from portal.services import audit
from tests.conftest import Visitor
from tests.database import read, write
from tests.integration.test_dashboard_and_search import dashboard_tables, listed
from tests.pages import get_counting_statements

DINSOS, LURAH = "dinsos", "lurah.api-api"


def version(app) -> int:
    return read(app, lambda: data_version.current(db.session))


def an_active_household(app) -> int:
    return read(app, lambda: db.session.scalar(select(Household.id).where(Household.status != "nonaktif")
                                              .order_by(Household.id).limit(1)))


@pytest.mark.parametrize("how", ["orm", "bulk update", "raw sql", "connection"])
def test_every_kind_of_write_moves_the_version(app, how):
    household_id = an_active_household(app)
    before = version(app)

    def change():
        if how == "orm":
            db.session.get(Household, household_id).address = "Jl. Baru No. 1"
        elif how == "bulk update":
            db.session.execute(update(Household).where(Household.id == household_id).values(address="Jl. Baru 2"))
        elif how == "raw sql":
            db.session.execute(text("UPDATE households SET address = 'Jl. Baru 3' WHERE id = :id"),
                               {"id": household_id})
    if how == "connection":
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text("UPDATE households SET address = 'Jl. Baru 4' WHERE id = :id"),
                               {"id": household_id})
    else:
        write(app, change)
    assert version(app) == before + 1


def test_a_rolled_back_write_and_a_read_leave_the_version(app):
    household_id = an_active_household(app)
    before = version(app)
    with app.app_context():
        db.session.get(Household, household_id).address = "Jl. Tidak Jadi"
        db.session.flush()
        db.session.rollback()
        db.session.scalar(select(Household.address).where(Household.id == household_id))
        db.session.commit()
    assert version(app) == before


def test_sessions_and_audit_rows_do_not_move_the_version(app):
    """Signing in writes a session and an audit row on every login: that must not throw the caches away."""
    before = version(app)
    Visitor(app).login(DINSOS)

    def audit_something():
        audit.record(db.session.scalar(select(User).where(User.username == DINSOS)), "uji.cache")
        db.session.execute(update(UserSession).values(user_agent="uji"))
    write(app, audit_something)
    assert version(app) == before


def test_two_writers_at_once_both_count(app):
    """Concurrent transactions each bump the counter once; none is lost."""
    household_id = an_active_household(app)
    before = version(app)
    errors = []

    def writer(n):
        try:
            with app.app_context():
                for i in range(5):
                    db.session.execute(text("UPDATE households SET address = :a WHERE id = :id"),
                                       {"a": f"Jl. Uji {n}-{i}", "id": household_id})
                    db.session.commit()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert version(app) == before + 10


def test_a_repeated_dashboard_view_reuses_its_numbers_until_the_data_changes(app):
    visitor = Visitor(app)
    visitor.login(DINSOS)
    cold, first = get_counting_statements(app, visitor, "/dinsos/dasbor")
    warm, again = get_counting_statements(app, visitor, "/dinsos/dasbor")
    assert dashboard_tables(again) == dashboard_tables(first)
    assert warm <= cold - 10, (cold, warm)  # the aggregates (19 statements cold) are not run again

    household_id = an_active_household(app)
    criteria_before = _criteria_row(first)

    def mark_nonaktif():
        household = db.session.get(Household, household_id)
        household.status, household.nonaktif_reason = "nonaktif", "pindah"
    write(app, mark_nonaktif)
    after, changed = get_counting_statements(app, visitor, "/dinsos/dasbor")
    assert after >= cold - 1, (cold, after)  # recomputed
    assert sum(_criteria_row(changed)) == sum(criteria_before) - 1
    pindah = [row for row in dashboard_tables(changed)["nonaktif"]["rows"] if row[0] == "Pindah"]
    was = [row for row in dashboard_tables(first)["nonaktif"]["rows"] if row[0] == "Pindah"]
    assert int(pindah[0][1]) == int(was[0][1]) + 1


def _criteria_row(response) -> list[int]:
    return [int(row[1]) for row in dashboard_tables(response)["kriteria"]["rows"]]


def _retire(app, how_many: int) -> None:
    def change():
        for household in db.session.scalars(select(Household).where(Household.status != "nonaktif")
                                            .order_by(Household.id).limit(how_many)):
            household.status, household.nonaktif_reason = "nonaktif", "ganda"
    write(app, change)


def _dashboard_as_dinsos(app):
    visitor = Visitor(app)
    visitor.login(DINSOS)
    return visitor.get("/dinsos/dasbor")


def test_the_cache_is_per_app_and_database(app, template_db):
    """Two apps on two copies of one database reach the same version with different data; each shows its own."""
    from tests.conftest import _app_on_copy, _dispose
    other, url = _app_on_copy(template_db)
    try:
        start = _criteria_row(_dashboard_as_dinsos(app))
        _retire(app, 1)
        _retire(other, 2)
        assert version(app) == version(other)
        assert sum(_criteria_row(_dashboard_as_dinsos(app))) == sum(start) - 1
        assert sum(_criteria_row(_dashboard_as_dinsos(other))) == sum(start) - 2
    finally:
        _dispose(other, template_db, url)


def test_the_kept_household_order_follows_a_change_at_once(app):
    """The list's order is kept between views; a household made nonaktif still drops to the end right away."""
    visitor = Visitor(app)
    visitor.login(LURAH)
    first_page = listed(visitor.get("/kelurahan/rumah-tangga"), "kelurahan")
    top = first_page[0]
    assert listed(visitor.get("/kelurahan/rumah-tangga"), "kelurahan") == first_page  # kept: same order

    def retire():
        household = db.session.get(Household, top)
        household.status, household.nonaktif_reason = "nonaktif", "mampu"
    write(app, retire)
    now = listed(visitor.get("/kelurahan/rumah-tangga"), "kelurahan")
    assert top not in now and now[:len(first_page) - 1] == first_page[1:]
    last = visitor.get("/kelurahan/rumah-tangga?page=999")  # past the end: the last page, which ends with it
    assert listed(last, "kelurahan")[-1] == top


def test_the_ranking_run_shown_follows_a_new_run_at_once(app):
    """The dashboard's "Terakhir …" line is kept across views too; a new ranking run shows at the next view."""
    from datetime import UTC, datetime

    from portal.services import ranking
    from portal.template_helpers import waktu

    visitor = Visitor(app)
    visitor.login(DINSOS)
    visitor.get("/dinsos/dasbor")  # the stamp of the seeded run is now kept
    stamp = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)

    def new_run():
        ranking.recompute(None).computed_at = stamp
    write(app, new_run)
    shown = visitor.get("/dinsos/dasbor").get_data(as_text=True)
    with app.app_context():
        assert f"Terakhir {waktu(stamp)}" in shown
