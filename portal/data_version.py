"""A counter that moves in the same transaction as every write, so numbers cached against it are never stale.

Dashboards aggregate every household, person and proposal of an area; computing them on each view costs
hundreds of milliseconds at city scale. Their results are cached per data version instead (portal/
summary_cache.py). The version is bumped at commit by any transaction that wrote to a table other than the
few that no summary reads (sessions, audit) — whatever wrote it: the ORM, a bulk statement, raw SQL, a CLI
command or another process. The bump is the transaction's last statement, so no other lock is ever awaited
while holding the counter's row lock, and two workers can never see the new data with the old version.
"""
import re

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

# Written often and never summarised: a write here must not throw the dashboards' caches away.
UNWATCHED = frozenset({"data_version", "user_sessions", "audit_events", "alembic_version"})
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_PENDING = "data_version.pending"
OFF = "data_version.off"  # set on a connection's info by migrations, which run before the table exists


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, cursor, statement, parameters, context, executemany):
    match = _WRITE.match(statement)
    if match and match.group(1).lower() not in UNWATCHED:
        conn.info[_PENDING] = True


@event.listens_for(Engine, "commit")
def _bump(conn):
    if conn.info.pop(_PENDING, False) and not conn.info.get(OFF):
        conn.exec_driver_sql("UPDATE data_version SET value = value + 1 WHERE id = 1")


@event.listens_for(Engine, "rollback")
def _forget(conn):
    if not conn.invalidated:  # a connection cut by a database restart has no info left to clear
        conn.info.pop(_PENDING, None)


def current(session) -> int:
    return session.scalar(text("SELECT value FROM data_version WHERE id = 1")) or 0
