"""`flask backup` / `flask restore`: the demo database and its evidence files survive a round trip."""
import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Evidence, Letter
from portal.services import backup as backup_service
from tests.conftest import PG_URL, Visitor, make_app
from tests.database import read, write
from tests.integration.test_cli import Runner, create_user_args

REFUSED = "Basis data tujuan sudah berisi data."


def snapshot(app) -> dict:
    """Everything the round trip must keep: rows per table, every letter's PDF hash, every evidence hash."""
    def take():
        letters = {letter.id: (letter.pdf_sha256, hashlib.sha256(letter.pdf).hexdigest())
                   for letter in db.session.scalars(select(Letter))}
        evidence = {e.stored_name: e.sha256 for e in db.session.scalars(select(Evidence))}
        return {"counts": backup_service.table_counts(), "letters": letters, "evidence": evidence}
    return read(app, take)


def stored_files(upload_dir: Path) -> dict[str, str]:
    """{token: SHA-256 of the file's bytes} for every evidence file under UPLOAD_DIR (<2 hex>/<token>)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in upload_dir.rglob("*") if p.is_file()}


@pytest.fixture
def empty_target(template_db, tmp_path):
    """An app on a brand-new, empty database (nothing migrated) with its own empty UPLOAD_DIR."""
    if PG_URL:
        name = f"{template_db.prefix}_restored"
        template_db._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        url = template_db.url.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    app = make_app(url, UPLOAD_DIR=str(tmp_path / "restored-uploads"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if PG_URL:
        template_db.drop(url)


def test_round_trip_into_an_empty_database(app, empty_target, tmp_path):
    before = snapshot(app)
    assert before["letters"] and before["evidence"], "the demo has an issued letter and evidence files"
    assert all(stored == actual for stored, actual in before["letters"].values())

    made = Runner(app).invoke(["backup", str(tmp_path / "cadangan")])
    assert made.exit_code == 0, made.output
    dump = "database.pgdump" if PG_URL else "database.sqlite3"
    assert {p.name for p in (tmp_path / "cadangan").iterdir()} == {dump, "uploads.tar", "manifest.json",
                                                                   "audit-anchor.json"}
    assert backup_service.read_manifest(tmp_path / "cadangan")["counts"] == before["counts"]

    restored = Runner(empty_target).invoke(["restore", str(tmp_path / "cadangan")])
    assert restored.exit_code == 0, restored.output
    assert "dipulihkan" in restored.output

    after = snapshot(empty_target)
    assert after["counts"] == before["counts"]
    assert sum(after["counts"].values()) > 1000
    assert after["letters"] == before["letters"]
    assert after["evidence"] == before["evidence"]
    files = stored_files(Path(empty_target.config["UPLOAD_DIR"]))
    assert {token: files.get(token) for token in before["evidence"]} == before["evidence"]

    # The restored audit log is the one the backup's anchor file recorded.
    checked = Runner(empty_target).invoke(["audit-verify", "--anchor", str(tmp_path / "cadangan")])
    assert checked.exit_code == 0, checked.output

    # The restored portal works: a demo account signs in and sees its home page.
    landed = Visitor(empty_target).login("dinsos")
    assert landed.status_code == 200 and landed.request.path != "/login"


def test_backup_writes_the_head_of_the_audit_log_next_to_its_manifest(app, tmp_path):
    head = read(app, lambda: db.session.execute(select(AuditEvent.id, AuditEvent.row_hash)
                                                .order_by(AuditEvent.id.desc()).limit(1)).one())
    made = Runner(app).invoke(["backup", str(tmp_path / "cadangan")])
    assert made.exit_code == 0, made.output
    anchor = json.loads((tmp_path / "cadangan" / "audit-anchor.json").read_text())
    assert (anchor["row_id"], anchor["row_hash"]) == (head.id, head.row_hash)
    assert set(anchor) == {"row_id", "row_hash", "at", "written_at"}
    assert datetime.fromisoformat(anchor["written_at"]).tzinfo is not None
    manifest = backup_service.read_manifest(tmp_path / "cadangan")
    assert manifest["audit_anchor_file"] == "audit-anchor.json" and manifest["audit_anchor"]["row_id"] == head.id
    assert f"Jejak audit: baris id {head.id}, hash {head.row_hash}" in made.output


def test_restore_refuses_a_database_with_data_unless_forced(app, tmp_path):
    runner = Runner(app)
    assert runner.invoke(["backup", str(tmp_path / "cadangan")]).exit_code == 0
    before = snapshot(app)
    # A change after the backup: an account that the backup does not have.
    assert runner.invoke(create_user_args()).exit_code == 0
    changed = snapshot(app)
    assert changed["counts"]["users"] == before["counts"]["users"] + 1

    refused = runner.invoke(["restore", str(tmp_path / "cadangan")])
    assert refused.exit_code == 1 and REFUSED in refused.output
    assert snapshot(app) == changed  # nothing was touched

    forced = runner.invoke(["restore", "--force", str(tmp_path / "cadangan")])
    assert forced.exit_code == 0, forced.output
    assert snapshot(app)["counts"] == before["counts"]  # back to the backup: the new account is gone


def test_backup_refuses_a_folder_that_is_not_empty(app, tmp_path):
    (tmp_path / "cadangan").mkdir()
    (tmp_path / "cadangan" / "lain.txt").write_text("jangan ditimpa")
    result = Runner(app).invoke(["backup", str(tmp_path / "cadangan")])
    assert result.exit_code == 1 and "sudah berisi berkas" in result.output
    assert [p.name for p in (tmp_path / "cadangan").iterdir()] == ["lain.txt"]


def test_restore_refuses_a_folder_that_is_not_a_backup(app, tmp_path):
    result = Runner(app).invoke(["restore", str(tmp_path)])
    assert result.exit_code == 1 and "bukan cadangan portal" in result.output
    assert write(app, lambda: backup_service.database_has_data())
