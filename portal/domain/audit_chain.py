"""The hash chain of the audit log: how a row's hash is made, and how a walk over the rows finds tampering.

Pure Python (no Flask, no database). Each row stores `prev_hash` (the previous row's `row_hash`, or GENESIS
for the first row) and `row_hash` = SHA-256 hex of prev_hash + the canonical serialisation of its fields.
Editing a row changes its hash; removing a row leaves the next row pointing at a hash nobody has; a row
slipped in between leaves the row after it pointing past it.

A chain alone cannot catch an intruder who edits a row and then recomputes every later hash: the rewritten
chain is sound. Anchors close that hole: an anchor is a (row id, row hash) pair kept outside the table (every
issued letter records the head of the chain when it was issued and prints it; the nightly backup writes one
next to its manifest). A walk given anchors reports the first anchored row whose hash is no longer the one
recorded, and an anchored row that is gone.
"""
import hashlib
import json
import re
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
class Anchor:
    """The hash a row had when someone outside the table wrote it down; `source` names where (in Bahasa)."""

    source: str
    row_id: int
    row_hash: str


HEX64 = re.compile(r"[0-9a-f]{64}")


def anchor_from_json(text: str, source: str) -> Anchor:
    """An anchor file as the backup writes it ({"row_id": .., "row_hash": .., "at": ..}); ValueError if not."""
    try:
        record = json.loads(text)
    except ValueError:
        raise ValueError(f"{source} bukan berkas JSON jejak audit") from None
    row_id = record.get("row_id") if isinstance(record, dict) else None
    row_hash = record.get("row_hash") if isinstance(record, dict) else None
    if not isinstance(row_id, int) or isinstance(row_id, bool) or row_id < 1 \
            or not isinstance(row_hash, str) or not HEX64.fullmatch(row_hash):
        raise ValueError(f"{source} tidak memuat row_id dan row_hash (64 heksadesimal) yang sah")
    return Anchor(source=source, row_id=row_id, row_hash=row_hash)


def short(digest: str) -> str:
    """The first 16 hex characters: enough to compare by eye, as letters and the /v page show it."""
    return digest[:16]


@dataclass(frozen=True)
class Verdict:
    """The result of a walk: ok, how many rows, the last id and hash; or the first problem found."""

    ok: bool
    count: int
    last_id: int | None = None
    last_hash: str = GENESIS
    row_id: int | None = None  # the first row found wrong (edited, inserted, or the row after a removal)
    problem: str = ""          # edited | inserted | removed | unhashed | anchor
    message: str = ""
    anchors: int = 0           # anchors that matched


def _broken(count: int, row_id: int, problem: str, message: str) -> Verdict:
    return Verdict(ok=False, count=count, row_id=row_id, problem=problem, message=message)


def _link_problem(count: int, row: ChainRow, previous: ChainRow | None, before_previous: ChainRow | None,
                  pending: ChainRow | None) -> Verdict | None:
    """Why `row` does not link to `previous`, or None when it does.

    One row of look-ahead tells the cases apart: the row after it still links to the previous row -> this row
    was inserted; this row links to the row before the previous one -> the previous row was inserted. Then the
    ids: the previous row directly before this one (no gap) -> nothing can have been removed in between, so the
    previous row was edited and its own hash recomputed; a gap -> rows were removed just before this one.
    """
    expected = previous.row_hash if previous else GENESIS
    if row.prev_hash == expected:
        return None
    if pending is not None and pending.prev_hash == expected:
        return _broken(count, row.id, "inserted", f"baris id {row.id} disisipkan (di luar rantai)")
    earlier = before_previous.row_hash if before_previous else GENESIS
    if previous is not None and row.prev_hash == earlier:
        return _broken(count, previous.id, "inserted", f"baris id {previous.id} disisipkan (di luar rantai)")
    if previous is not None and row.id == previous.id + 1:
        return _broken(count, previous.id, "edited",
                       f"baris id {previous.id} telah diubah (hash-nya dihitung ulang; baris id {row.id} "
                       "masih menunjuk hash lamanya)")
    after = f"setelah baris id {previous.id}" if previous else "di awal log"
    return _broken(count, row.id, "removed", f"baris dihapus {after}, sebelum baris id {row.id} (rantai terputus)")


class _Anchors:
    """The anchors by row id, checked as the walk passes their rows."""

    def __init__(self, anchors: Iterable[Anchor]):
        self.waiting = sorted(anchors, key=lambda a: a.row_id, reverse=True)  # next anchor last
        self.matched = 0
        self.last_good: int | None = None

    def check(self, count: int, row: ChainRow | None) -> Verdict | None:
        """Compare the anchors up to `row` (None: the end of the log) with what the walk found."""
        while self.waiting and (row is None or self.waiting[-1].row_id <= row.id):
            anchor = self.waiting.pop()
            if row is None or anchor.row_id < row.id:
                return _broken(count, anchor.row_id, "anchor",
                               f"baris id {anchor.row_id} yang dicatat {anchor.source} tidak ada lagi (dihapus)")
            if row.row_hash != anchor.row_hash:
                since = f" setelah baris id {self.last_good}" if self.last_good else ""
                return _broken(count, row.id, "anchor",
                               f"baris id {row.id} tidak cocok dengan jejak audit {anchor.source} (tercatat "
                               f"{short(anchor.row_hash)}, sekarang {short(row.row_hash or '')}): log{since} "
                               f"sampai baris id {row.id} telah diubah dan hash-nya dihitung ulang")
            self.matched += 1
            self.last_good = max(self.last_good or 0, row.id)
        return None


def verify(rows: Iterable[ChainRow], anchors: Iterable[Anchor] = ()) -> Verdict:
    """Walk the rows in id order and report the first one that breaks the chain or disagrees with an anchor."""
    count = 0
    book = _Anchors(anchors)
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
        problem = _link_problem(count, row, previous, before_previous, pending) or book.check(count, row)
        if problem:
            return problem
        before_previous, previous = previous, row
    if problem := book.check(count, None):
        return problem
    if previous is None:
        return Verdict(ok=True, count=0)
    return Verdict(ok=True, count=count, last_id=previous.id, last_hash=previous.row_hash or "",
                   anchors=book.matched)
