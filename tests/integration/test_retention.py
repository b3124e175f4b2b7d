"""`flask --app wsgi purge [--dry-run]`: only data past retention goes (ended sessions, drafts never submitted
with their evidence files, stored import files, failed letter jobs); recent data, decisions, the registry,
letters and the audit log stay; every real run is audited as `retensi.hapus`."""
import io
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.models import (AuditEvent, DataImport, Decision, Evidence, Household, Letter, LetterJob, Person,
                           Proposal, RegistryChange, User, UserSession)
from portal.models.types import utcnow
from portal.services import evidence as evidence_service
from portal.services import imports as import_service
from portal.services import letters as letter_service
from portal.services import proposals
from tests.database import read, write
from tests.integration.test_cli import Runner

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KEPT_TABLES = (Decision, Household, Person, Letter, RegistryChange)


def days_ago(n: int):
    return utcnow() - timedelta(days=n)


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _draft(age_days: int, with_evidence: bool = True) -> dict:
    """A BARU draft of rt.api-api.001 last touched `age_days` ago, with one evidence file on disk."""
    rt = _user("rt.api-api.001")
    proposal = proposals.start(rt, "baru")
    stored = None
    if with_evidence:
        stored = evidence_service.store(rt, proposal, "kk", FileStorage(io.BytesIO(PDF), filename="kk.pdf"))
    db.session.flush()
    db.session.execute(update(Proposal).where(Proposal.id == proposal.id).values(updated_at=days_ago(age_days),
                                                                                  created_at=days_ago(age_days)))
    return {"id": proposal.id, "file": evidence_service.path_of(stored) if stored else None}


def _session(ended_days: int | None, seen_days: int) -> int:
    row = UserSession(user_id=_user("dinsos").id, token_hash=secrets.token_hex(32), created_at=days_ago(seen_days),
                      last_seen_at=days_ago(seen_days),
                      ended_at=days_ago(ended_days) if ended_days is not None else None,
                      end_reason="logout" if ended_days is not None else None)
    db.session.add(row)
    db.session.flush()
    return row.id


def _import(age_days: int, status: str) -> dict:
    token = secrets.token_hex(16)
    path = import_service._path(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"NIK;NAMA\n")
    record = DataImport(kind="dtks", filename="uji.csv", stored_name=token, sha256="0" * 64, size=9,
                        uploaded_by_id=_user("dinsos").id, status=status, uploaded_at=days_ago(age_days))
    db.session.add(record)
    db.session.flush()
    return {"id": record.id, "file": path}


def _job(age_days: int, status: str) -> int:
    dinsos = _user("dinsos")
    job = LetterJob(kind="usulan", params={"proposal_ids": [], "sifat": "Biasa"}, requested_by_id=dinsos.id,
                    office_id=letter_service.office_for(dinsos.area).id, status=status, error="uji",
                    created_at=days_ago(age_days))
    db.session.add(job)
    db.session.flush()
    return job.id


@pytest.fixture
def aged(app):
    """Old and recent data of every kind the purge looks at."""
    def _make():
        return {
            "old_draft": _draft(200), "recent_draft": _draft(20),
            "old_sessions": [_session(100, 101), _session(None, 95)],
            "recent_sessions": [_session(10, 11), _session(None, 1)],
            "old_import": _import(40, "diterapkan"), "old_preview": _import(40, "pratinjau"),
            "recent_import": _import(5, "diterapkan"), "busy_import": _import(40, "menerapkan"),
            "old_job": _job(100, "gagal"), "recent_job": _job(10, "gagal"), "old_done_job": _job(100, "selesai"),
        }
    return write(app, _make)


def _exists(model, row_id) -> bool:
    return db.session.get(model, row_id) is not None


def _kept_counts():
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in KEPT_TABLES}


def test_purge_removes_only_what_is_past_retention(app, aged):
    kept_before = read(app, _kept_counts)
    audit_before = read(app, lambda: db.session.scalar(select(func.count()).select_from(AuditEvent)))
    result = Runner(app).invoke(["purge"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2 sesi masuk yang sudah berakhir dihapus.",
        "1 draf usulan yang tidak pernah diajukan dihapus.",
        "1 berkas bukti dari draf tersebut dihapus.",
        "2 berkas impor yang tersimpan dihapus.",
        "1 pembuatan surat yang gagal dihapus.",
    ]

    def check():
        assert not _exists(Proposal, aged["old_draft"]["id"])
        assert not db.session.scalar(select(Evidence).where(Evidence.proposal_id == aged["old_draft"]["id"]))
        assert _exists(Proposal, aged["recent_draft"]["id"])
        assert [_exists(UserSession, s) for s in aged["old_sessions"]] == [False, False]
        assert [_exists(UserSession, s) for s in aged["recent_sessions"]] == [True, True]
        assert _exists(DataImport, aged["old_import"]["id"])  # the record of the import stays
        assert db.session.get(DataImport, aged["old_preview"]["id"]).status == "dibatalkan"
        assert [_exists(LetterJob, j) for j in (aged["old_job"], aged["recent_job"], aged["old_done_job"])] == \
            [False, True, True]
        assert _kept_counts() == kept_before
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before + 1
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retensi.hapus"))
        assert event.detail == {"sessions": 2, "drafts": 1, "evidence_files": 1, "import_files": 2,
                                "letter_jobs": 1}
    read(app, check)
    # Files: gone past retention, kept otherwise.
    assert not aged["old_draft"]["file"].exists()
    assert aged["recent_draft"]["file"].exists()
    assert not aged["old_import"]["file"].exists() and not aged["old_preview"]["file"].exists()
    assert aged["recent_import"]["file"].exists() and aged["busy_import"]["file"].exists()
    assert Runner(app).invoke(["audit-verify"]).exit_code == 0
    # A second run finds nothing more.
    again = Runner(app).invoke(["purge"])
    assert again.output.splitlines()[0] == "0 sesi masuk yang sudah berakhir dihapus."


def test_dry_run_counts_and_changes_nothing(app, aged):
    audit_before = read(app, lambda: db.session.scalar(select(func.count()).select_from(AuditEvent)))
    result = Runner(app).invoke(["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Uji coba (--dry-run): tidak ada yang dihapus.",
        "2 sesi masuk yang sudah berakhir akan dihapus.",
        "1 draf usulan yang tidak pernah diajukan akan dihapus.",
        "1 berkas bukti dari draf tersebut akan dihapus.",
        "2 berkas impor yang tersimpan akan dihapus.",
        "1 pembuatan surat yang gagal akan dihapus.",
    ]
    read(app, lambda: (_exists(Proposal, aged["old_draft"]["id"]) and _exists(LetterJob, aged["old_job"]))
         or pytest.fail("dry run removed rows"))
    assert aged["old_draft"]["file"].exists() and aged["old_import"]["file"].exists()
    assert read(app, lambda: db.session.scalar(select(func.count()).select_from(AuditEvent))) == audit_before


def test_old_drafts_that_something_refers_to_are_kept(app):
    """A withdrawn draft has its withdrawal in the decision ledger; a submitted proposal is not a draft."""
    def _make():
        withdrawn = _draft(300, with_evidence=False)
        proposal = db.session.get(Proposal, withdrawn["id"])
        proposals.withdraw(_user("rt.api-api.001"), proposal, proposal.version)
        db.session.flush()
        db.session.execute(update(Proposal).where(Proposal.id == proposal.id).values(updated_at=days_ago(300)))
        submitted = db.session.scalar(select(Proposal).where(Proposal.submitted_at.is_not(None)).limit(1))
        db.session.execute(update(Proposal).where(Proposal.id == submitted.id).values(updated_at=days_ago(300)))
        return withdrawn["id"], submitted.id
    kept = write(app, _make)
    result = Runner(app).invoke(["purge"])
    assert "0 draf usulan yang tidak pernah diajukan dihapus." in result.output
    assert read(app, lambda: [_exists(Proposal, pid) for pid in kept]) == [True, True]


def test_retention_days_come_from_the_settings(app, aged):
    app.config["RETENTION_ABANDONED_DRAFTS_DAYS"] = 365
    app.config["RETENTION_IMPORT_FILES_DAYS"] = 3
    result = Runner(app).invoke(["purge", "--dry-run"])
    assert "0 draf usulan yang tidak pernah diajukan akan dihapus." in result.output
    assert "3 berkas impor yang tersimpan akan dihapus." in result.output
