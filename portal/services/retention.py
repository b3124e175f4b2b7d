"""Removing data past its retention period (`flask --app wsgi purge [--dry-run]`).

What goes, and only when it is older than its setting (portal/domain/retention.py): ended login sessions
(or sessions idle since then), drafts never submitted that nothing else refers to (with their evidence rows
and files and their NIK index), the stored copies of imported files (the import's record stays; a preview
nobody applied is cancelled), and failed background letter jobs. Decisions, the registry, letters and the
audit log are never touched. Every real run is written to the audit log as `retensi.hapus` with its counts.
"""
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, exists, func, or_, select, update

from portal.domain.retention import KINDS, Policy, cutoffs
from portal.domain.workflow import State
from portal.extensions import db
from portal.models import DataImport, Evidence, LetterJob, Proposal, ProposalNik, UserSession
from portal.models.types import utcnow
from portal.services import audit
from portal.services import evidence as evidence_service
from portal.services import imports as import_service

# Rows that belong to a draft and go with it; a draft referred to by any other table is kept.
DRAFT_PARTS = ("evidence_files", "proposal_niks")
IMPORT_BUSY = ("antri", "memeriksa", "menerapkan")  # a file still being read or applied is never removed
IMPORT_WAITING = ("pratinjau",)                       # a preview nobody applied: cancelled with its file


def _old_sessions(cutoff: datetime):
    return or_(UserSession.ended_at < cutoff,
               (UserSession.ended_at.is_(None)) & (UserSession.last_seen_at < cutoff))


def _referenced_elsewhere():
    """A condition true for proposals that a decision, a letter, the registry, a verivali check... names."""
    conditions = []
    for table in db.metadata.sorted_tables:
        if table.name in DRAFT_PARTS:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "proposals" and fk.column.name == "id":
                conditions.append(exists().where(fk.parent == Proposal.id))
    return or_(*conditions)


def _abandoned_draft_ids(cutoff: datetime) -> list[int]:
    return db.session.scalars(
        select(Proposal.id).where(Proposal.status.in_((State.DRAF, State.DIBATALKAN)),
                                  Proposal.submitted_at.is_(None), Proposal.updated_at < cutoff,
                                  ~_referenced_elsewhere())
        .order_by(Proposal.id)).all()


def _old_imports(cutoff: datetime) -> list[DataImport]:
    return db.session.scalars(select(DataImport).where(DataImport.uploaded_at < cutoff,
                                                       DataImport.status.not_in(IMPORT_BUSY))
                              .order_by(DataImport.id)).all()


def _import_file(record: DataImport) -> Path:
    return import_service._path(record.stored_name)


@dataclass
class Purge:
    """What a run found (counts per domain KINDS) and the files to remove once its rows are committed."""

    counts: dict[str, int]
    files: list[Path] = field(default_factory=list)

    def remove_files(self) -> None:
        """Call after the commit: a failed commit then leaves every file its rows still point at."""
        for path in self.files:
            path.unlink(missing_ok=True)


def purge(dry_run: bool = False, now: datetime | None = None) -> Purge:
    """Remove (or with dry_run only count) the rows past retention, in this transaction (the caller commits,
    then calls remove_files)."""
    limits = cutoffs(Policy.from_config(current_app.config), now or utcnow())
    counts = dict.fromkeys(KINDS, 0)

    counts["sessions"] = db.session.scalar(select(func.count()).select_from(UserSession)
                                           .where(_old_sessions(limits.sessions)))

    draft_ids = _abandoned_draft_ids(limits.drafts)
    counts["drafts"] = len(draft_ids)
    evidence = db.session.scalars(select(Evidence).where(Evidence.proposal_id.in_(draft_ids))).all()
    evidence_paths = [evidence_service.path_of(e) for e in evidence]
    counts["evidence_files"] = sum(1 for path in evidence_paths if path.exists())

    imports = _old_imports(limits.import_files)
    import_paths = [_import_file(r) for r in imports if r.stored_name and _import_file(r).exists()]
    counts["import_files"] = len(import_paths)

    failed_jobs = (LetterJob.status == "gagal") & (LetterJob.created_at < limits.letter_jobs)
    counts["letter_jobs"] = db.session.scalar(select(func.count()).select_from(LetterJob).where(failed_jobs))

    if dry_run:
        return Purge(counts)

    db.session.execute(delete(UserSession).where(_old_sessions(limits.sessions)))
    if draft_ids:
        db.session.execute(delete(Evidence).where(Evidence.proposal_id.in_(draft_ids)))
        db.session.execute(delete(ProposalNik).where(ProposalNik.proposal_id.in_(draft_ids)))
        db.session.execute(delete(Proposal).where(Proposal.id.in_(draft_ids)))
    waiting = [r.id for r in imports if r.status in IMPORT_WAITING]
    if waiting:
        db.session.execute(update(DataImport).where(DataImport.id.in_(waiting), DataImport.status == "pratinjau")
                           .values(status="dibatalkan",
                                   message="Dibatalkan otomatis: berkas dihapus karena melewati masa simpan."))
    db.session.execute(delete(LetterJob).where(failed_jobs))
    audit.record(None, "retensi.hapus", **counts)
    db.session.flush()
    return Purge(counts, [path for path in evidence_paths + import_paths if path.exists()])
