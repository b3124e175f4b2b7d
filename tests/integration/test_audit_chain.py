"""The hash-chained audit log: every row chained as it is written (also under concurrency), `audit-verify`
naming the first row edited, removed or inserted, the migration chaining rows already there, and on
PostgreSQL the trigger refusing UPDATE and DELETE."""
import hashlib
import re
import threading
from datetime import datetime

import flask_migrate
import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from portal.domain.audit_chain import GENESIS, row_hash
from portal.extensions import db
from portal.models import AuditEvent, Letter, Person, User
from portal.services import audit, audit_chain
from portal.services import letters as letter_service
from tests.conftest import Visitor
from tests.database import read, write
from tests.integration.audit_support import audit_unlocked, tamper
from tests.integration.letters_support import fold, pdf_text
from tests.integration.test_cli import Runner


def is_postgres(app) -> bool:
    return read(app, lambda: db.engine.dialect.name) == "postgresql"


def verify(app):
    return Runner(app).invoke(["audit-verify"])


def ids(app) -> list[int]:
    return read(app, lambda: db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all())


def count(app) -> int:
    return read(app, lambda: db.session.scalar(select(func.count()).select_from(AuditEvent)))


def add_events(app, n: int, action: str = "uji.rantai") -> None:
    def _add():
        dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
        for i in range(n):
            audit.record(dinsos, action, dinsos, ip="10.0.0.1", n=i, nik="6474011234560001")
    write(app, _add)


# --- a sound chain -------------------------------------------------------------------------------------

def test_demo_log_verifies_and_every_row_links_to_the_one_before(app):
    add_events(app, 3)
    rows = read(app, lambda: db.session.execute(
        select(AuditEvent.id, AuditEvent.prev_hash, AuditEvent.row_hash).order_by(AuditEvent.id)).all())
    assert len(rows) > 3
    assert rows[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.row_hash for earlier, later in zip(rows, rows[1:], strict=False))
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert f"OK: {len(rows)} baris log audit utuh (baris terakhir id {rows[-1].id}, hash {rows[-1].row_hash})" \
        in result.output


def test_row_hash_is_the_documented_sha256_of_prev_hash_and_canonical_fields(app):
    add_events(app, 1)
    event = read(app, lambda: db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)))
    at = event.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    canonical = (f'{{"action":"uji.rantai","actor_id":{event.actor_id},"at":"{at}",'
                 f'"detail":{{"n":0,"nik":"6474011234560001"}},"id":{event.id},"ip":"10.0.0.1",'
                 f'"target_id":{event.target_id},"target_type":"User"}}')
    assert event.row_hash == hashlib.sha256((event.prev_hash + canonical).encode()).hexdigest()


def test_rows_added_directly_and_over_several_flushes_are_chained(app):
    def _add():
        db.session.add(AuditEvent(action="uji.langsung", detail={"b": 2, "a": [1, "x"]}))
        db.session.flush()
        db.session.add(AuditEvent(action="uji.langsung", detail={}))
        db.session.add(AuditEvent(action="uji.langsung", target_type="Proposal", target_id=7))
    write(app, _add)
    result = verify(app)
    assert result.exit_code == 0, result.output


def test_a_rolled_back_event_leaves_the_chain_sound(app):
    def _rolled_back():
        audit.record(None, "uji.batal")
        db.session.flush()
        db.session.rollback()
    read(app, _rolled_back)
    add_events(app, 2)
    assert verify(app).exit_code == 0


def test_login_writes_a_chained_row(app, login):
    before = count(app)
    login("dinsos")
    assert count(app) == before + 1
    assert verify(app).exit_code == 0


# --- tampering -----------------------------------------------------------------------------------------

def test_an_edited_row_is_named(app):
    add_events(app, 3)
    target = ids(app)[-2]
    tamper(app, "UPDATE audit_events SET ip = '1.2.3.4' WHERE id = :id", id=target)
    result = verify(app)
    assert result.exit_code == 1
    assert f"baris id {target} telah diubah (hash tidak cocok)" in result.output


def test_an_edited_detail_is_named(app):
    add_events(app, 2)
    target = ids(app)[-1]
    tamper(app, "UPDATE audit_events SET detail = :d WHERE id = :id", id=target, d='{"n": 99}')
    result = verify(app)
    assert result.exit_code == 1
    assert f"baris id {target} telah diubah" in result.output


def test_a_removed_row_is_named_by_its_neighbours(app):
    add_events(app, 3)
    *_, before, gone, after = ids(app)
    tamper(app, "DELETE FROM audit_events WHERE id = :id", id=gone)
    result = verify(app)
    assert result.exit_code == 1
    assert f"baris dihapus setelah baris id {before}, sebelum baris id {after}" in result.output


def test_removing_the_first_row_is_named(app):
    first, second = ids(app)[:2]
    tamper(app, "DELETE FROM audit_events WHERE id = :id", id=first)
    result = verify(app)
    assert result.exit_code == 1
    assert f"baris dihapus di awal log, sebelum baris id {second}" in result.output


def test_a_row_inserted_without_a_hash_is_named(app):
    add_events(app, 1)
    forged = ids(app)[-1] + 1
    tamper(app, "INSERT INTO audit_events (id, at, action, target_type, ip, detail, prev_hash, row_hash) "
                "VALUES (:id, :at, 'uji.palsu', '', '', '{}', '', '')", id=forged, at="2026-11-27 10:00:00")
    result = verify(app)
    assert result.exit_code == 1
    assert f"baris id {forged} tidak memiliki hash: disisipkan di luar aplikasi" in result.output


def test_a_row_inserted_into_a_gap_with_a_correct_hash_is_named(app):
    """A forger who computes a correct hash for a row slipped in between two rows still breaks the link of the
    row after it. Gaps in the ids are normal on PostgreSQL (a rolled-back transaction uses up its ids); on
    SQLite the test leaves one by moving the last row up."""
    add_events(app, 2)
    *_, before, last = ids(app)
    if is_postgres(app):
        def _rolled_back():
            audit.record(None, "uji.batal")
            db.session.flush()
            db.session.rollback()
        read(app, _rolled_back)
        add_events(app, 1)
        *_, before, last = ids(app)
        gap = before + 1
        assert last > gap
    else:  # same content, id one higher: its hash was made with the old id, so re-hash it as the app would
        tamper(app, "UPDATE audit_events SET id = id + 1 WHERE id = :id", id=last)
        prev = read(app, lambda: db.session.scalar(select(AuditEvent.row_hash).where(AuditEvent.id == before)))
        _rehash(app, last + 1, prev)
        gap, last = last, last + 1
        assert verify(app).exit_code == 0  # a gap alone is not tampering
    prev = read(app, lambda: db.session.scalar(select(AuditEvent.row_hash).where(AuditEvent.id == before)))
    at = "2026-11-27 10:00:00"
    digest = row_hash(prev, id=gap, at=datetime(2026, 11, 27, 10), actor_id=None, action="uji.palsu",
                      target_type="", target_id=None, ip="", detail={})
    tamper(app, "INSERT INTO audit_events (id, at, action, target_type, ip, detail, prev_hash, row_hash) "
                "VALUES (:id, :at, 'uji.palsu', '', '', '{}', :prev, :digest)", id=gap, at=at, prev=prev,
           digest=digest)
    result = verify(app)
    assert result.exit_code == 1
    assert f"baris id {gap} disisipkan (di luar rantai)" in result.output


# --- an intruder who recomputes the hashes: caught by the anchors outside the table --------------------------

def head(app) -> tuple[int, str]:
    return read(app, lambda: tuple(db.session.execute(select(AuditEvent.id, AuditEvent.row_hash)
                                                      .order_by(AuditEvent.id.desc()).limit(1)).one()))


def rewrite_and_rehash(app, row_id: int, ip: str = "6.6.6.6", *, only_this_row: bool = False) -> None:
    """Change one row's ip and recompute its hash and (unless only_this_row) every later row's links and
    hashes, the way an intruder with write access and the source code would."""
    with app.app_context(), audit_unlocked() as session:
        session.execute(text("UPDATE audit_events SET ip = :ip WHERE id = :id"), {"ip": ip, "id": row_id})
        prev = session.scalar(select(AuditEvent.row_hash).where(AuditEvent.id < row_id)
                              .order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
        later = AuditEvent.id == row_id if only_this_row else AuditEvent.id >= row_id
        for event in session.execute(select(AuditEvent).where(later).order_by(AuditEvent.id)).scalars().all():
            digest = row_hash(prev, id=event.id, at=event.at, actor_id=event.actor_id, action=event.action,
                              target_type=event.target_type, target_id=event.target_id, ip=event.ip,
                              detail=event.detail)
            session.execute(text("UPDATE audit_events SET prev_hash = :prev, row_hash = :digest WHERE id = :id"),
                            {"prev": prev, "digest": digest, "id": event.id})
            prev = digest


def issue_keterangan(app) -> dict:
    """A Surat Keterangan issued by Dinas Sosial now, as plain data."""
    def _issue():
        dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
        nik = db.session.scalar(select(Person.nik).where(Person.active).order_by(Person.id).limit(1))
        letter = letter_service.issue_keterangan(dinsos, nik, "Uji jejak audit")
        return {"id": letter.id, "number": letter.number, "token": letter.verify_token, "pdf": letter.pdf,
                "head": (letter.audit_head_id, letter.audit_head_hash)}
    return write(app, _issue)


def test_an_edited_row_with_its_hash_recomputed_is_named_as_edited_not_removed(app):
    add_events(app, 3)
    *_, target, after, _last = ids(app)
    rewrite_and_rehash(app, target, only_this_row=True)
    result = verify(app)
    assert result.exit_code == 1
    assert f"baris id {target} telah diubah (hash-nya dihitung ulang; baris id {after} masih menunjuk" \
        in result.output
    assert "dihapus" not in result.output


def test_an_issued_letter_records_prints_and_shows_the_head_of_the_log(app):
    add_events(app, 2)
    before = head(app)
    issued = issue_keterangan(app)
    assert issued["head"] == before  # the head when it was issued; its own letter.issue row comes after
    assert f"Jejak audit saat terbit: #{before[0]} · {before[1][:16]}" in fold(pdf_text(issued["pdf"]))
    page = Visitor(app).get(f"/v/{issued['token']}")
    assert page.status_code == 200
    assert re.search(rf"<dt>Jejak audit saat terbit</dt><dd>baris #{before[0]} · "
                     rf'<code class="anchor">{before[1][:16]}</code>', page.get_data(as_text=True))


def test_a_rewritten_and_rehashed_log_is_caught_by_the_anchor_of_a_later_letter(app):
    add_events(app, 3)
    target = ids(app)[-2]
    issued = issue_keterangan(app)
    add_events(app, 2)
    assert verify(app).exit_code == 0
    rewrite_and_rehash(app, target)
    changed = read(app, lambda: db.session.scalar(select(AuditEvent.row_hash).where(
        AuditEvent.id == issued["head"][0])))
    assert changed != issued["head"][1]
    result = verify(app)
    assert result.exit_code == 1, result.output
    assert (f"baris id {issued['head'][0]} tidak cocok dengan jejak audit surat {issued['number']} "
            f"(tercatat {issued['head'][1][:16]}, sekarang {changed[:16]})") in result.output


def test_a_rewritten_tail_is_caught_by_an_anchor_file_given_on_the_command_line(app, tmp_path):
    """Rows after every letter's anchor: only the backup's anchor file knows their hashes."""
    add_events(app, 3)
    anchor_id, anchor_hash = head(app)
    with app.app_context():
        audit_chain.write_anchor_file(tmp_path)
    target = ids(app)[-2]
    rewrite_and_rehash(app, target)
    assert verify(app).exit_code == 0  # nothing in the database contradicts the rewrite
    result = Runner(app).invoke(["audit-verify", "--anchor", str(tmp_path / "audit-anchor.json")])
    assert result.exit_code == 1
    assert f"baris id {anchor_id} tidak cocok dengan jejak audit berkas {tmp_path / 'audit-anchor.json'}" \
        in result.output
    assert f"tercatat {anchor_hash[:16]}" in result.output


def test_an_anchored_row_that_was_cut_off_the_end_is_named(app, tmp_path):
    add_events(app, 2)
    anchor_id, _ = head(app)
    with app.app_context():
        audit_chain.write_anchor_file(tmp_path)
    tamper(app, "DELETE FROM audit_events WHERE id = :id", id=anchor_id)
    result = Runner(app).invoke(["audit-verify", "--anchor", str(tmp_path)])  # a backup folder will do
    assert result.exit_code == 1
    assert f"baris id {anchor_id} yang dicatat berkas {tmp_path / 'audit-anchor.json'} tidak ada lagi" \
        in result.output


def test_a_broken_anchor_file_is_explained(app, tmp_path):
    bad = tmp_path / "jejak.json"
    bad.write_text('{"row_id": 3, "row_hash": "bukan hash"}')
    result = Runner(app).invoke(["audit-verify", "--anchor", str(bad)])
    assert result.exit_code == 1
    assert f"Berkas jejak audit tidak sah: berkas {bad} tidak memuat row_id dan row_hash" in result.output
    assert Runner(app).invoke(["audit-verify", "--anchor", str(tmp_path / "hilang.json")]).exit_code == 2


def test_every_letter_anchor_of_the_demo_matches(app):
    result = verify(app)
    letters = read(app, lambda: db.session.scalar(select(func.count()).select_from(Letter)
                                                  .where(Letter.audit_head_id.is_not(None))))
    assert letters > 0, "the demo issues letters, each with its anchor"
    assert f"{letters} jejak audit (surat dan berkas jejak) cocok." in result.output


def _rehash(app, row_id: int, prev: str) -> None:
    event = read(app, lambda: db.session.get(AuditEvent, row_id))
    digest = row_hash(prev, id=event.id, at=event.at, actor_id=event.actor_id, action=event.action,
                      target_type=event.target_type, target_id=event.target_id, ip=event.ip, detail=event.detail)
    tamper(app, "UPDATE audit_events SET prev_hash = :prev, row_hash = :digest WHERE id = :id", id=row_id,
           prev=prev, digest=digest)


# --- the migration chains the rows already there ---------------------------------------------------------

def test_migration_chains_existing_rows_in_id_order(app):
    add_events(app, 5)
    before = count(app)
    with app.app_context():
        flask_migrate.downgrade(revision="0010")
        db.session.remove()
        columns = {column["name"] for column in inspect(db.engine).get_columns("audit_events")}
        assert "row_hash" not in columns
        db.session.remove()
        flask_migrate.upgrade()
        db.session.remove()
    assert count(app) == before
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert f"OK: {before} baris" in result.output
    add_events(app, 1)  # the app carries on from the migrated chain
    assert verify(app).exit_code == 0


# --- PostgreSQL: append-only trigger, two writers at once --------------------------------------------------

@pytest.mark.parametrize("statement", ["UPDATE audit_events SET ip = 'x'", "DELETE FROM audit_events",
                                       "TRUNCATE audit_events CASCADE"])
def test_postgres_refuses_changes_to_audit_rows(app, statement):
    if not is_postgres(app):
        pytest.skip("the trigger exists on PostgreSQL only")
    before = count(app)
    with app.app_context():
        with pytest.raises(DBAPIError) as refused:
            db.session.execute(text(statement))
        db.session.rollback()
    assert "audit_events is append-only" in str(refused.value)
    assert count(app) == before


def test_two_writers_at_once_neither_fork_the_chain_nor_fail(app):
    """Two threads, each writing audit rows in many short transactions that overlap (a barrier lines up
    their starts). On PostgreSQL the advisory lock orders them; on SQLite the write lock does."""
    if not is_postgres(app) and read(app, lambda: db.engine.url.database in (None, "", ":memory:")):
        pytest.skip("needs a database file or server shared by two connections")
    before = count(app)
    rounds, errors = 15, []
    barrier = threading.Barrier(2)

    def writer(name: str):
        try:
            for n in range(rounds):
                barrier.wait(timeout=30)
                with app.app_context():
                    audit.record(None, "uji.serentak", writer=name, n=n)
                    db.session.add(AuditEvent(action="uji.serentak", detail={"writer": name, "n": n, "kedua": 1}))
                    db.session.commit()
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(repr(error))
            barrier.abort()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert count(app) == before + 2 * 2 * rounds
    result = verify(app)
    assert result.exit_code == 0, result.output
