"""An import's apply that fails after it has written part of the registry leaves the registry exactly as it was.

The failure is made on the real database, not by replacing the service: a SQLAlchemy hook on the engine raises
when the apply sends a chosen statement, after its earlier statements have already been sent in the same
transaction (the official values of 13 families updated and a new family inserted, then the new people; or
everything, then the import's own "diterapkan" update). An apply that committed instead of rolling back would
keep those first writes.
"""
import pytest
from sqlalchemy import event, func, select

from portal.extensions import db
from portal.models import Area, AuditEvent, Household
from tests.integration.test_imports import confirm, detail, record, registry, sample, uploaded
from tests.pages import visible

FAILED = "Terjadi kesalahan; tidak ada yang diterapkan. Registri tidak berubah."


class Breakdown(RuntimeError):
    """What the hook raises: a database that fails in the middle of the apply."""


def _fail_on(app, statement_start: str, parameter: str | None = None):
    """Make the first statement that starts with `statement_start` (and carries `parameter`) fail."""
    sent = []

    def hook(conn, cursor, statement, parameters, context, executemany):
        text = " ".join(statement.split())
        if not sent and text.startswith(statement_start) and (parameter is None or parameter in repr(parameters)):
            sent.append(text)
            raise Breakdown("database failed")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", hook)
    return sent, lambda: event.remove(engine, "before_cursor_execute", hook)


def _other_tables(app) -> tuple:
    """What else an apply writes: areas (new RTs), audit events, and the official values of the families."""
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Area)),
                db.session.scalar(select(func.count()).select_from(AuditEvent)),
                db.session.execute(select(Household.id, Household.id_dtks, Household.official_desil,
                                          Household.official_status).order_by(Household.id)).all())


@pytest.mark.parametrize("statement_start, parameter", [
    ("INSERT INTO persons", None),                    # families already updated and inserted
    ("UPDATE data_imports SET status", "diterapkan"),  # every registry write already sent
], ids=["while-adding-people", "at-the-final-status"])
def test_an_apply_failing_after_its_first_writes_leaves_the_registry_unchanged(app, login, statement_start,
                                                                                 parameter):
    dinsos = login("dinsos")
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")
    preview = record(app, import_id)
    assert preview.status == "pratinjau" and preview.counts["tambah"] == 3 and preview.counts["ubah"] == 13
    before, others = registry(app), _other_tables(app)

    sent, undo = _fail_on(app, statement_start, parameter)
    try:
        confirm(dinsos, import_id)
    finally:
        undo()

    assert len(sent) == 1, "the apply never reached the statement that was to fail"
    assert registry(app) == before  # same household and person counts, same rows and decisions
    assert _other_tables(app) == others
    failed = record(app, import_id)
    assert (failed.status, failed.applied_at) == ("gagal", None)
    assert FAILED in visible(detail(dinsos, import_id))
