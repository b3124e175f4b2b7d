"""Chaining audit rows as they are written, and walking the chain to verify it.

Every new AuditEvent gets its id, prev_hash and row_hash in the flush that inserts it (a `before_flush`
listener on every session), so rows added directly (`db.session.add(AuditEvent(...))`) are chained as well
as those written by `audit.record`.

Two transactions writing audit rows at once must neither fork the chain nor fail. The read of the last hash
therefore happens under a lock that is held until the transaction ends:
  * PostgreSQL: `pg_advisory_xact_lock(AUDIT_CHAIN_LOCK)`, then ids come from the table's sequence while the
    lock is held, so id order is chain order (READ COMMITTED: the read after the lock sees the other
    transaction's committed row).
  * SQLite: a write that changes nothing (`UPDATE audit_events SET id = id WHERE 0`) takes the database's
    write lock first (the driver begins the transaction before it); writers are serialised from there on and
    the next id is the last id + 1.
A transaction that writes audit rows thus holds the lock from that flush to its commit; services record
their audit event at the end of the work, so the wait is short.

Anchors (portal/domain/audit_chain.py) are read here too: the head every issued letter recorded, and anchor
files such as the one `flask backup` writes (`write_anchor_file`, read back by `read_anchor_file`).
"""
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

from portal.domain.audit_chain import (GENESIS, Anchor, ChainRow, Verdict, anchor_from_json, row_hash, utc_iso,
                                     verify)
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, Letter
from portal.models.types import utcnow

AUDIT_CHAIN_LOCK = 7_474_001_011  # any constant shared by every writer; "64.74" + migration 0011
SQLITE_WRITE_LOCK = "UPDATE audit_events SET id = id WHERE 0"
VERIFY_BATCH = 2_000


def _lock_and_last(connection) -> tuple[int, str]:
    """Take the chain lock for this transaction, then read the last row's id and hash."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
    elif dialect == "sqlite":
        connection.exec_driver_sql(SQLITE_WRITE_LOCK)
    last = connection.execute(select(AuditEvent.id, AuditEvent.row_hash)
                              .order_by(AuditEvent.id.desc()).limit(1)).first()
    return (last.id, last.row_hash or GENESIS) if last else (0, GENESIS)


def _new_ids(connection, last_id: int, count: int) -> list[int]:
    if connection.dialect.name == "postgresql":
        return sorted(connection.execute(
            text("SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) FROM generate_series(1, :n)"),
            {"n": count}).scalars())
    return list(range(last_id + 1, last_id + 1 + count))


def _as_stored(detail) -> object:
    """The detail exactly as it will be read back from the JSON column."""
    return json.loads(json.dumps(detail if detail is not None else {}))


def chain_new_events(session: Session, _flush_context, _instances) -> None:
    """before_flush: give every new audit row its id and its place in the chain."""
    new = sorted((obj for obj in session.new if isinstance(obj, AuditEvent)),
                 key=lambda obj: inspect(obj).insert_order)
    if not new:
        return
    connection = session.connection(bind_arguments={"mapper": inspect(AuditEvent)})
    last_id, prev = _lock_and_last(connection)
    for event_row, new_id in zip(new, _new_ids(connection, last_id, len(new)), strict=True):
        event_row.id = new_id
        event_row.at = event_row.at or utcnow()
        event_row.target_type = event_row.target_type or ""
        event_row.ip = event_row.ip or ""
        event_row.detail = _as_stored(event_row.detail)
        event_row.prev_hash = prev
        event_row.row_hash = prev = row_hash(
            prev, id=new_id, at=event_row.at, actor_id=event_row.actor_id, action=event_row.action,
            target_type=event_row.target_type, target_id=event_row.target_id, ip=event_row.ip,
            detail=event_row.detail)


def init_app(app) -> None:
    """Listen on every session (idempotent: create_app runs once per app, the listener is global)."""
    if not event.contains(Session, "before_flush", chain_new_events):
        event.listen(Session, "before_flush", chain_new_events)


def _rows():
    """Every audit row in id order, read in batches (keyset), as ChainRow values."""
    columns = (AuditEvent.id, AuditEvent.at, AuditEvent.actor_id, AuditEvent.action, AuditEvent.target_type,
               AuditEvent.target_id, AuditEvent.ip, AuditEvent.detail, AuditEvent.prev_hash, AuditEvent.row_hash)
    after = None
    while True:
        stmt = select(*columns).order_by(AuditEvent.id).limit(VERIFY_BATCH)
        if after is not None:
            stmt = stmt.where(AuditEvent.id > after)
        batch = db.session.execute(stmt).all()
        if not batch:
            return
        for row in batch:
            yield ChainRow(*row)
        after = batch[-1].id


def head() -> dict | None:
    """The last chained row this transaction sees, as {"row_id", "row_hash", "at"}; None for an empty log.

    No lock: a row another transaction commits a moment later simply comes after it."""
    last = db.session.execute(select(AuditEvent.id, AuditEvent.row_hash, AuditEvent.at)
                              .where(AuditEvent.row_hash.is_not(None)).order_by(AuditEvent.id.desc()).limit(1)).first()
    if last is None:
        return None
    return {"row_id": last.id, "row_hash": last.row_hash, "at": utc_iso(last.at)}


def letter_anchors() -> list[Anchor]:
    """The head every issued letter recorded (revoked letters too: what they recorded stays true)."""
    rows = db.session.execute(select(Letter.number, Letter.audit_head_id, Letter.audit_head_hash)
                              .where(Letter.audit_head_id.is_not(None)).order_by(Letter.id))
    return [Anchor(f"surat {number}", row_id, digest) for number, row_id, digest in rows]


ANCHOR_FILE = "audit-anchor.json"


def write_anchor_file(directory: Path) -> dict | None:
    """Write the head of the chain into `directory`/audit-anchor.json (with the time written); None if empty."""
    record = head()
    if record is None:
        return None
    record["written_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    (Path(directory) / ANCHOR_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return record


def read_anchor_file(path: Path) -> Anchor:
    """An anchor file, or a backup directory holding one; DomainError saying what is wrong with it."""
    path = Path(path)
    if path.is_dir():
        path = path / ANCHOR_FILE
    try:
        return anchor_from_json(path.read_text(encoding="utf-8"), f"berkas {path}")
    except OSError:
        raise DomainError(f"Berkas jejak audit {path} tidak dapat dibaca.") from None
    except ValueError as error:
        raise DomainError(f"Berkas jejak audit tidak sah: {error}.") from None


def verify_chain(anchor_files: tuple[Path, ...] = ()) -> Verdict:
    """Walk the whole audit log from its first row, against every letter's anchor and the given anchor files."""
    anchors = [read_anchor_file(path) for path in anchor_files] + letter_anchors()
    return verify(_rows(), anchors)
