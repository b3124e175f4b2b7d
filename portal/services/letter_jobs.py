"""Large letters are made in the background: RQ on Redis when REDIS_URL is set, a thread otherwise.

The job issues the letter in one transaction of its own. It either ends with the letter (and the
proposals sent) or with nothing but a failed job and its reason: never a half-written letter.
"""
import logging

from flask import current_app
from sqlalchemy import select

from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import LetterJob, Proposal, User
from portal.models.types import utcnow
from portal.services import audit, background, letters

log = logging.getLogger(__name__)
QUEUE = "letters"


def is_large(proposal_ids: list[int]) -> bool:
    """More attachment rows than the configured limit: render it in the background."""
    proposals = db.session.scalars(select(Proposal).where(Proposal.id.in_(proposal_ids))).all()
    return len(letters.bnba_rows(proposals)) > current_app.config["LETTER_BACKGROUND_ROWS"]


def request_usulan(actor: User, proposal_ids: list[int], sifat: str) -> LetterJob:
    """Check now what can be checked (so the user hears it at once), then queue the rendering."""
    letters.ready_for_usulan(actor, proposal_ids, sifat)
    job = LetterJob(kind="usulan", params={"proposal_ids": proposal_ids, "sifat": sifat}, requested_by_id=actor.id,
                    office_id=letters.office_for(actor.area).id)
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "letter.job", job, proposals=len(proposal_ids))
    return job


def settle_abandoned(job: LetterJob) -> None:
    """A job whose worker died mid-render is failed (its letter's transaction never committed), so it can be retried."""
    if background.abandoned(job.status, job.created_at, utcnow()):
        job.status, job.finished_at = "gagal", utcnow()
        job.error = "Proses pembuatan surat terhenti karena server dimulai ulang."


def retry(actor: User, job: LetterJob) -> None:
    settle_abandoned(job)
    if job.status != "gagal":
        raise DomainError("Hanya pembuatan surat yang gagal yang dapat diulang.")
    job.status, job.progress, job.error, job.finished_at = "antri", 0, None, None
    audit.record(actor, "letter.job_retry", job)


def enqueue(job_id: int) -> None:
    """Start the job after the request has committed it."""
    background.submit(run, job_id, QUEUE)


def run(job_id: int) -> None:
    """The job itself (also what an RQ worker calls: `rq worker letters`, with the app's environment)."""
    if background.with_app(run, job_id):
        return None
    job = db.session.get(LetterJob, job_id)
    if job is None or job.status not in ("antri",):
        return None
    job.status, job.progress = "berjalan", 10
    db.session.commit()
    try:
        actor = db.session.get(User, job.requested_by_id)
        letter = letters.issue_usulan(actor, job.params["proposal_ids"], job.params["sifat"])
        job = db.session.get(LetterJob, job_id)
        job.status, job.progress, job.letter_id, job.finished_at = "selesai", 100, letter.id, utcnow()
        db.session.commit()
    except Exception as error:  # noqa: BLE001 — any failure must leave a failed job, never a half letter
        db.session.rollback()
        if not isinstance(error, DomainError):
            log.exception("letter job %s failed", job_id)
        job = db.session.get(LetterJob, job_id)
        job.status, job.finished_at = "gagal", utcnow()
        job.error = error.message if isinstance(error, DomainError) else "Terjadi kesalahan saat membuat surat."
        db.session.commit()
    return None

