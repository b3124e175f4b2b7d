"""The audit chain's pure rules: the canonical form, and how a walk tells edits, removals and insertions apart."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from portal.domain.audit_chain import (GENESIS, Anchor, ChainRow, anchor_from_json, canonical, hash_of,
                                     row_hash, utc_iso, verify)
from portal.domain.data_subject import mask_name
from portal.domain.retention import Policy, cutoffs, report_lines


def chain(n: int, start_id: int = 1, step: int = 1) -> list[ChainRow]:
    rows, prev = [], GENESIS
    for i in range(n):
        fields = {"id": start_id + i * step, "at": datetime(2026, 11, 27, 1, 2, 3, i, tzinfo=UTC),
                  "actor_id": i or None, "action": "uji", "target_type": "", "target_id": None, "ip": "",
                  "detail": {"i": i}}
        digest = row_hash(prev, **fields)
        rows.append(ChainRow(**fields, prev_hash=prev, row_hash=digest))
        prev = digest
    return rows


def test_canonical_is_compact_sorted_json_with_utc_time():
    text = canonical(id=5, at=datetime(2026, 11, 27, 8, 0, tzinfo=timezone(timedelta(hours=8))), actor_id=None,
                     action="nik.lihat", target_type="Person", target_id=9, ip="10.0.0.1",
                     detail={"z": 1, "a": {"y": 2, "b": "é"}})
    assert text == ('{"action":"nik.lihat","actor_id":null,"at":"2026-11-27T00:00:00.000000Z",'
                    '"detail":{"a":{"b":"é","y":2},"z":1},"id":5,"ip":"10.0.0.1","target_id":9,'
                    '"target_type":"Person"}')
    assert utc_iso(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05.000000Z"  # naive = UTC as stored


def test_a_sound_chain_and_an_empty_one():
    rows = chain(4)
    verdict = verify(rows)
    assert (verdict.ok, verdict.count, verdict.last_id, verdict.last_hash) == (True, 4, 4, rows[-1].row_hash)
    assert verify([]).ok and verify([]).count == 0
    assert verify(chain(3, start_id=10, step=7)).ok  # gaps in ids are not tampering


def test_an_edit_is_named():
    rows = chain(4)
    rows[2] = replace(rows[2], ip="6.6.6.6")
    verdict = verify(rows)
    assert (verdict.ok, verdict.row_id, verdict.problem) == (False, 3, "edited")


def test_a_removal_is_named_by_the_row_after_it():
    rows = chain(5)
    verdict = verify(rows[:2] + rows[3:])
    assert (verdict.row_id, verdict.problem) == (4, "removed")
    assert "setelah baris id 2, sebelum baris id 4" in verdict.message
    assert verify(rows[1:]).message.startswith("baris dihapus di awal log")


def test_a_row_slipped_in_with_a_correct_hash_is_named():
    rows = chain(4, step=10)  # ids 1, 11, 21, 31
    fields = {"id": 15, "at": datetime(2026, 11, 27, tzinfo=UTC), "actor_id": None, "action": "palsu",
              "target_type": "", "target_id": None, "ip": "", "detail": {}}
    forged = ChainRow(**fields, prev_hash=rows[1].row_hash, row_hash=row_hash(rows[1].row_hash, **fields))
    verdict = verify(rows[:2] + [forged] + rows[2:])
    assert (verdict.row_id, verdict.problem) == (15, "inserted")
    # Forged with a prev_hash that points nowhere: the row after it still links past it.
    odd = ChainRow(**fields, prev_hash="f" * 64, row_hash=row_hash("f" * 64, **fields))
    assert (verify(rows[:2] + [odd] + rows[2:]).row_id, verify(rows[:2] + [odd] + rows[2:]).problem) == \
        (15, "inserted")


def test_a_row_without_hash_is_named():
    rows = chain(2)
    rows.append(replace(chain(3)[2], row_hash=""))
    assert (verify(rows).row_id, verify(rows).problem) == (3, "unhashed")


def rewritten_from(rows: list[ChainRow], index: int, **changes) -> list[ChainRow]:
    """What an intruder with write access makes: row `index` changed, its hash and every later hash recomputed."""
    out, prev = list(rows[:index]), rows[index - 1].row_hash if index else GENESIS
    for position, row in enumerate(rows[index:]):
        row = replace(row, prev_hash=prev, **(changes if position == 0 else {}))
        row = replace(row, row_hash=hash_of(row))
        out.append(row)
        prev = row.row_hash
    return out


def test_an_edited_row_with_its_own_hash_recomputed_is_named_as_edited_not_removed():
    rows = chain(5)
    edited = rows[:2] + rewritten_from(rows, 2, ip="6.6.6.6")[2:3] + rows[3:]  # only row 3 re-hashed
    verdict = verify(edited)
    assert (verdict.ok, verdict.row_id, verdict.problem) == (False, 3, "edited")
    assert verdict.message.startswith("baris id 3 telah diubah")
    assert "dihapus" not in verdict.message


def test_a_rewritten_chain_passes_alone_but_not_against_an_anchor():
    rows = chain(6)
    forged = rewritten_from(rows, 1, detail={"i": 99})
    assert verify(forged).ok  # the hole anchors close
    anchors = [Anchor("surat 400.9.2/0001/Dinsos/2026", 1, rows[0].row_hash),
               Anchor("surat 400.9.2/0002/Dinsos/2026", 4, rows[3].row_hash)]
    assert verify(rows, anchors).ok and verify(rows, anchors).anchors == 2
    verdict = verify(forged, anchors)
    assert (verdict.ok, verdict.row_id, verdict.problem) == (False, 4, "anchor")
    assert "surat 400.9.2/0002/Dinsos/2026" in verdict.message
    assert f"tercatat {rows[3].row_hash[:16]}, sekarang {forged[3].row_hash[:16]}" in verdict.message
    assert "log setelah baris id 1 sampai baris id 4 telah diubah" in verdict.message


def test_an_anchored_row_that_is_gone_is_named():
    rows = chain(4)
    tail_cut = verify(rows[:2], [Anchor("berkas jejak.json", 3, rows[2].row_hash)])
    assert (tail_cut.ok, tail_cut.row_id, tail_cut.problem) == (False, 3, "anchor")
    assert tail_cut.message == "baris id 3 yang dicatat berkas jejak.json tidak ada lagi (dihapus)"
    middle = rewritten_from(rows[:1] + rows[2:], 1)  # row 2 removed, later hashes recomputed
    assert verify(middle).ok
    assert verify(middle, [Anchor("x", 2, rows[1].row_hash)]).row_id == 2


def test_anchor_files_are_read_strictly():
    digest = "a" * 64
    assert anchor_from_json(f'{{"row_id": 7, "row_hash": "{digest}", "at": "x"}}', "f") == Anchor("f", 7, digest)
    for text in ("", "[]", '{"row_id": "7", "row_hash": "' + digest + '"}', '{"row_id": 7, "row_hash": "abc"}',
                 '{"row_id": 0, "row_hash": "' + digest + '"}', '{"row_id": true, "row_hash": "' + digest + '"}'):
        with pytest.raises(ValueError):
            anchor_from_json(text, "f")


def test_retention_cutoffs_and_report():
    now = datetime(2026, 11, 27, tzinfo=UTC)
    limits = cutoffs(Policy(ended_sessions_days=90, abandoned_drafts_days=180), now)
    assert limits.sessions == now - timedelta(days=90) and limits.drafts == now - timedelta(days=180)
    assert report_lines({"sessions": 3}, dry_run=True)[0] == "3 sesi masuk yang sudah berakhir akan dihapus."
    assert report_lines({}, dry_run=False)[-1] == "0 pembuatan surat yang gagal dihapus."


def test_officials_names_are_masked_in_a_subject_export():
    assert mask_name("Siti Rahmawati") == "S*** R********"
    assert mask_name("") == ""
