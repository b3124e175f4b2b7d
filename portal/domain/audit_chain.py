"""The hash chain of the audit log: how a row's hash is made, and how a walk over the rows finds tampering.

Pure Python (no Flask, no database). Each row stores `prev_hash` (the previous row's `row_hash`, or GENESIS
for the first row) and `row_hash` = SHA-256 hex of prev_hash + the canonical serialisation of its fields.
Editing a row changes its hash; removing a row leaves the next row pointing at a hash nobody has; a row
slipped in between leaves the row after it pointing past it. A row appended at the end with a correctly
computed hash cannot be told apart from a genuine one: keep the last hash that `audit-verify` prints
somewhere else (a letter, a ticket) to anchor the chain.
"""
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64
HASHED_FIELDS = ("id", "at", "actor_id", "action", "target_type", "target_id", "ip", "detail")


@dataclass(frozen=True)
class ChainRow:
    """One audit row as stored: the hashed fields, then the two chain columns."""

    id: int
    at: datetime
    actor_id: int | None
    action: str
    target_type: str
    target_id: int | None
    ip: str
    detail: object
    prev_hash: str | None
    row_hash: str | None


def utc_iso(at: datetime) -> str:
    """'2026-11-27T23:17:20.123456Z' always with microseconds; a naive value is taken as UTC (as stored)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(id: int, at: datetime, actor_id, action: str, target_type, target_id, ip, detail) -> str:  # noqa: A002
    """The row's fields as compact JSON with sorted keys (detail included, sorted the same way)."""
    record = {"id": id, "at": utc_iso(at), "actor_id": actor_id, "action": action,
              "target_type": target_type or "", "target_id": target_id, "ip": ip or "",
              "detail": detail if detail is not None else {}}
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(prev_hash: str, **fields) -> str:
    """SHA-256 hex of the previous hash followed by the canonical serialisation of this row."""
    return hashlib.sha256((prev_hash + canonical(**fields)).encode("utf-8")).hexdigest()


def hash_of(row: ChainRow) -> str:
    """What `row.row_hash` should be, given the prev_hash it stores."""
    return row_hash(row.prev_hash or "", **{name: getattr(row, name) for name in HASHED_FIELDS})


@dataclass(frozen=True)
class Verdict:
    """The result of a walk: ok, how many rows, the last id and hash; or the first problem found."""

    ok: bool
    count: int
    last_id: int | None = None
    last_hash: str = GENESIS
    row_id: int | None = None  # the first row found wrong (edited, inserted, or the row after a removal)
    problem: str = ""          # edited | inserted | removed | unhashed
    message: str = ""


def _broken(count: int, row_id: int, problem: str, message: str) -> Verdict:
    return Verdict(ok=False, count=count, row_id=row_id, problem=problem, message=message)


def verify(rows: Iterable[ChainRow]) -> Verdict:
    """Walk the rows in id order and report the first one that breaks the chain.

    At a row whose prev_hash is not the previous row's hash, one row of look-ahead tells the cases apart:
    the row after it still links to the previous row -> this row was inserted; this row links to the row
    before the previous one -> the previous row was inserted; otherwise rows were removed just before it.
    """
    count = 0
    before_previous: ChainRow | None = None
    previous: ChainRow | None = None
    iterator = iter(rows)
    pending = next(iterator, None)
    while pending is not None:
        row, pending = pending, next(iterator, None)
        count += 1
        if not row.row_hash or not row.prev_hash:
            return _broken(count, row.id, "unhashed",
                           f"baris id {row.id} tidak memiliki hash: disisipkan di luar aplikasi")
        if hash_of(row) != row.row_hash:
            return _broken(count, row.id, "edited", f"baris id {row.id} telah diubah (hash tidak cocok)")
        expected = previous.row_hash if previous else GENESIS
        if row.prev_hash != expected:
            if pending is not None and pending.prev_hash == expected:
                return _broken(count, row.id, "inserted", f"baris id {row.id} disisipkan (di luar rantai)")
            earlier = before_previous.row_hash if before_previous else GENESIS
            if previous is not None and row.prev_hash == earlier:
                return _broken(count, previous.id, "inserted",
                               f"baris id {previous.id} disisipkan (di luar rantai)")
            after = f"setelah baris id {previous.id}" if previous else "di awal log"
            return _broken(count, row.id, "removed",
                           f"baris dihapus {after}, sebelum baris id {row.id} (rantai terputus)")
        before_previous, previous = previous, row
    if previous is None:
        return Verdict(ok=True, count=0)
    return Verdict(ok=True, count=count, last_id=previous.id, last_hash=previous.row_hash or "")
