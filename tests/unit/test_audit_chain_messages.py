"""What `flask audit-verify` tells the operator, word for word, and the counts it reports
(portal/domain/audit_chain.py). Builds on the chains of test_audit_chain_rules."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from portal.domain.audit_chain import (GENESIS, Anchor, Verdict, anchor_from_json, canonical, row_hash, short,
                                       utc_iso, verify)
from tests.unit.test_audit_chain_rules import chain, rewritten_from

DIGEST = "ab" * 32


def test_canonical_fills_missing_optional_fields_the_same_way_every_time():
    text = canonical(id=1, at=datetime(2026, 1, 1, tzinfo=UTC), actor_id=3, action="masuk", target_type=None,
                     target_id=None, ip=None, detail=None)
    assert text == ('{"action":"masuk","actor_id":3,"at":"2026-01-01T00:00:00.000000Z","detail":{},"id":1,'
                    '"ip":"","target_id":null,"target_type":""}')


def test_utc_iso_converts_any_offset_and_keeps_microseconds():
    assert utc_iso(datetime(2026, 1, 1, 7, 0, 0, 5, tzinfo=timezone(timedelta(hours=8)))) == \
        "2025-12-31T23:00:00.000005Z"
    assert utc_iso(datetime(2026, 1, 1, 7, 0, tzinfo=UTC)) == "2026-01-01T07:00:00.000000Z"


def test_row_hash_is_sha256_of_the_previous_hash_and_the_row():
    import hashlib
    fields = {"id": 1, "at": datetime(2026, 1, 1, tzinfo=UTC), "actor_id": None, "action": "a",
              "target_type": "", "target_id": None, "ip": "", "detail": {"n": "é"}}
    expected = hashlib.sha256((GENESIS + canonical(**fields)).encode("utf-8")).hexdigest()
    assert row_hash(GENESIS, **fields) == expected
    assert short(expected) == expected[:16]


def test_a_sound_chain_reports_count_last_row_and_matched_anchors():
    rows = chain(3)
    anchors = [Anchor("a", 1, rows[0].row_hash), Anchor("b", 3, rows[2].row_hash), Anchor("c", 2, rows[1].row_hash)]
    assert verify(rows, anchors) == Verdict(ok=True, count=3, last_id=3, last_hash=rows[2].row_hash, anchors=3)
    assert verify([]) == Verdict(ok=True, count=0, last_id=None, last_hash=GENESIS, anchors=0)


def test_edited_row_message_and_count():
    rows = chain(4)
    rows[1] = replace(rows[1], action="ubah")
    assert verify(rows) == Verdict(ok=False, count=2, row_id=2, problem="edited",
                                   message="baris id 2 telah diubah (hash tidak cocok)")


def test_edited_row_with_its_hash_recomputed_message():
    rows = chain(4)
    edited = rows[:1] + rewritten_from(rows, 1, ip="6.6.6.6")[1:2] + rows[2:]
    assert verify(edited) == Verdict(
        ok=False, count=3, row_id=2, problem="edited",
        message="baris id 2 telah diubah (hash-nya dihitung ulang; baris id 3 masih menunjuk hash lamanya)")


@pytest.mark.parametrize("missing", ["row_hash", "prev_hash"])
def test_unhashed_row_message(missing):
    rows = chain(3)
    rows[2] = replace(rows[2], **{missing: None})
    assert verify(rows) == Verdict(ok=False, count=3, row_id=3, problem="unhashed",
                                   message="baris id 3 tidak memiliki hash: disisipkan di luar aplikasi")


def test_removed_rows_message():
    rows = chain(5)
    assert verify(rows[:2] + rows[3:]) == Verdict(
        ok=False, count=3, row_id=4, problem="removed",
        message="baris dihapus setelah baris id 2, sebelum baris id 4 (rantai terputus)")
    assert verify(rows[2:]).message == "baris dihapus di awal log, sebelum baris id 3 (rantai terputus)"


def test_inserted_row_messages():
    rows = chain(4, step=10)
    fields = {"id": 15, "at": datetime(2026, 11, 27, tzinfo=UTC), "actor_id": None, "action": "palsu",
              "target_type": "", "target_id": None, "ip": "", "detail": {}}
    odd = replace(rows[0], **fields, prev_hash="f" * 64, row_hash=row_hash("f" * 64, **fields))
    assert verify(rows[:2] + [odd] + rows[2:]) == Verdict(
        ok=False, count=3, row_id=15, problem="inserted", message="baris id 15 disisipkan (di luar rantai)")
    # Slipped in last, linked to its predecessor: the walk notices only at the row after, and names the right one.
    linked = replace(odd, prev_hash=rows[1].row_hash, row_hash=row_hash(rows[1].row_hash, **fields))
    assert verify(rows[:2] + [linked] + rows[2:3]) == Verdict(
        ok=False, count=4, row_id=15, problem="inserted", message="baris id 15 disisipkan (di luar rantai)")


def test_first_row_inserted_before_the_genesis_row():
    rows = chain(3, start_id=5)
    fields = {"id": 1, "at": datetime(2026, 11, 27, tzinfo=UTC), "actor_id": None, "action": "palsu",
              "target_type": "", "target_id": None, "ip": "", "detail": {}}
    forged = replace(rows[0], **fields, prev_hash=GENESIS, row_hash=row_hash(GENESIS, **fields))
    verdict = verify([forged] + rows)
    assert (verdict.row_id, verdict.problem, verdict.count) == (1, "inserted", 2)


def test_anchor_mismatch_message_with_no_earlier_good_anchor():
    rows = chain(4)
    forged = rewritten_from(rows, 0, detail={"i": 99})
    verdict = verify(forged, [Anchor("surat 1", 3, rows[2].row_hash)])
    assert verdict == Verdict(
        ok=False, count=3, row_id=3, problem="anchor",
        message=f"baris id 3 tidak cocok dengan jejak audit surat 1 (tercatat {rows[2].row_hash[:16]}, "
                f"sekarang {forged[2].row_hash[:16]}): log sampai baris id 3 telah diubah dan hash-nya dihitung "
                "ulang")


def test_an_anchor_between_rows_that_is_gone_is_named_at_the_next_row():
    rows = chain(3, step=10)  # ids 1, 11, 21
    verdict = verify(rows, [Anchor("cadangan", 5, DIGEST)])
    assert verdict == Verdict(ok=False, count=2, row_id=5, problem="anchor",
                              message="baris id 5 yang dicatat cadangan tidak ada lagi (dihapus)")


def test_the_latest_good_anchor_is_named_in_the_message():
    rows = chain(6)
    forged = rewritten_from(rows, 3, detail={"i": 99})
    anchors = [Anchor("a", 2, rows[1].row_hash), Anchor("b", 1, rows[0].row_hash), Anchor("c", 5, rows[4].row_hash)]
    assert "log setelah baris id 2 sampai baris id 5 telah diubah" in verify(forged, anchors).message


@pytest.mark.parametrize("text, message", [
    ("{", "cadangan.json bukan berkas JSON jejak audit"),
    ("[1]", "cadangan.json tidak memuat row_id dan row_hash (64 heksadesimal) yang sah"),
    ('{"row_id": 1, "row_hash": "' + DIGEST.upper() + '"}',
     "cadangan.json tidak memuat row_id dan row_hash (64 heksadesimal) yang sah"),
    ('{"row_id": 1, "row_hash": "' + DIGEST + '0"}',
     "cadangan.json tidak memuat row_id dan row_hash (64 heksadesimal) yang sah"),
    ('{"row_id": -1, "row_hash": "' + DIGEST + '"}',
     "cadangan.json tidak memuat row_id dan row_hash (64 heksadesimal) yang sah"),
    ('{"row_id": 1, "row_hash": 5}', "cadangan.json tidak memuat row_id dan row_hash (64 heksadesimal) yang sah"),
])
def test_anchor_file_refusals(text, message):
    with pytest.raises(ValueError) as error:
        anchor_from_json(text, "cadangan.json")
    assert str(error.value) == message


def test_anchor_file_with_row_one_is_read():
    assert anchor_from_json('{"row_id": 1, "row_hash": "' + DIGEST + '"}', "f") == Anchor("f", 1, DIGEST)
