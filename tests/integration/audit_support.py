"""Changing audit rows behind the application's back, the way an intruder with database access would.

On PostgreSQL the append-only trigger is switched off for that one transaction (the tests connect as a
superuser; the app's role in production cannot do this, docs/DEPLOY.md).
"""
from contextlib import contextmanager

from sqlalchemy import text

from portal.extensions import db

TRIGGER = "audit_events_no_update_delete"


@contextmanager
def audit_unlocked():
    """Inside an app context: lets this transaction UPDATE/DELETE audit rows; commits at the end."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(text(f"ALTER TABLE audit_events DISABLE TRIGGER {TRIGGER}"))
    yield db.session
    if postgres:
        db.session.execute(text(f"ALTER TABLE audit_events ENABLE TRIGGER {TRIGGER}"))
    db.session.commit()


def tamper(app, sql: str, **params) -> None:
    with app.app_context(), audit_unlocked() as session:
        session.execute(text(sql), params)
