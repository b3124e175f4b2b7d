"""Deciding proposals: one rule (domain.workflow.may), one ledger (Decision), one lock (the proposal's version).

Two reviewers acting at once both read version N; the first UPDATE ... WHERE version = N wins and the
second finds no row (SQLAlchemy raises StaleDataError), so exactly one decision is ever recorded.
"""
import copy

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal import clock
from portal.domain import workflow
from portal.domain.errors import DomainError
from portal.domain.workflow import Action, Actor, ProposalFacts, State
from portal.extensions import db
from portal.models import Decision, Proposal, User, VerificationNote
from portal.services import apply, audit
from portal.template_helpers import waktu


class AlreadyDecided(DomainError):
    """Someone else moved the proposal first; the view tells who (see who_decided_first)."""

    def __init__(self, proposal_id: int):
        super().__init__("Usulan ini sudah diputuskan oleh orang lain.")
        self.proposal_id = proposal_id


class NotAllowed(DomainError):
    pass


def facts(proposal: Proposal) -> ProposalFacts:
    return ProposalFacts(status=proposal.status, area_code=proposal.area.code, created_by_id=proposal.created_by_id)


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, role=user.role, area_code=user.area.code)


def allowed_actions(user: User, proposal: Proposal) -> list[Action]:
    """The review buttons this user sees on this proposal (the same rule the server enforces)."""
    return [a for a in workflow.DECISION_ACTIONS if workflow.may(actor_of(user), a, facts(proposal))]


def record(actor: User, proposal: Proposal, action: Action, from_status: str, reason: str = "",
           muskel_id: int | None = None) -> Decision:
    decision = Decision(proposal_id=proposal.id, actor_id=actor.id, role=actor.role, action=action.value,
                        reason=reason, round=proposal.round, from_status=from_status, to_status=proposal.status,
                        snapshot_sha256=proposal.snapshot_sha256, muskel_id=muskel_id)
    db.session.add(decision)
    return decision


def decide(actor: User, proposal: Proposal, version, action: str, reason: str = "",
           muskel_id: int | None = None) -> Decision:
    """Approve, return or reject. Flushes, so a concurrent decision surfaces here as AlreadyDecided."""
    action = Action(action)
    if str(version) != str(proposal.version):
        raise AlreadyDecided(proposal.id)
    if not workflow.may(actor_of(actor), action, facts(proposal)):
        if proposal.created_by_id == actor.id:
            raise NotAllowed("Anda tidak dapat memutuskan usulan yang Anda buat sendiri.")
        raise NotAllowed(f"Usulan berstatus {proposal.status_label} tidak dapat Anda putuskan sekarang.")
    reason = workflow.check_reason(action, reason)
    if action == Action.SETUJUI and actor.role == "dinsos" and not _has_note(proposal):
        raise DomainError("Catat hasil verifikasi lapangan dulu sebelum menyetujui.", field="reason")
    proposal_id, from_status = proposal.id, proposal.status
    proposal.status = workflow.next_state(actor.role, action, from_status).value
    if action == Action.KEMBALIKAN:
        _reopen_for_revision(proposal)
    try:
        db.session.flush()  # the version check: the loser of a race stops here, before any effect
    except StaleDataError:
        raise AlreadyDecided(proposal_id) from None
    if proposal.status == State.DISETUJUI_DINSOS:
        apply.approved(proposal)
    elif action in workflow.OUTCOME_ACTIONS:
        apply.ministry_outcome(proposal, action == Action.TETAPKAN)
    decision = record(actor, proposal, action, from_status, reason, muskel_id)
    db.session.flush()
    audit.record(actor, f"proposal.{action.value}", proposal, from_status=from_status, to_status=proposal.status)
    return decision


def _reopen_for_revision(proposal: Proposal) -> None:
    """The RT edits what was submitted; the snapshot and its hash stay as the record of what was decided on."""
    draft = copy.deepcopy(proposal.snapshot or proposal.draft)
    draft.pop("meta", None)
    proposal.draft = draft


def _has_note(proposal: Proposal) -> bool:
    return db.session.scalar(select(VerificationNote.id).where(VerificationNote.proposal_id == proposal.id,
                                                               VerificationNote.round == proposal.round)) is not None


def add_verification_note(actor: User, proposal: Proposal, visit_date, officer: str, findings: str) -> None:
    if proposal.status != State.DIVERIFIKASI_KECAMATAN or actor.role != "dinsos":
        raise NotAllowed("Catatan verifikasi hanya untuk usulan yang menunggu Dinas Sosial.")
    if visit_date > clock.today():
        raise DomainError("Tanggal kunjungan tidak boleh di masa depan.", field="visit_date")
    db.session.add(VerificationNote(proposal_id=proposal.id, author_id=actor.id, visit_date=visit_date,
                                    officer=" ".join(officer.split())[:100], findings=findings.strip()[:2000],
                                    round=proposal.round))
    db.session.flush()
    audit.record(actor, "proposal.verification_note", proposal)


def who_decided_first(proposal_id: int) -> str:
    """'Usulan ini sudah diputuskan oleh … pada …', read after the losing transaction rolled back."""
    last = db.session.scalar(select(Decision).where(Decision.proposal_id == proposal_id)
                             .order_by(Decision.id.desc()).limit(1))
    if last is None:
        return "Usulan ini baru saja berubah. Muat ulang halaman lalu coba lagi."
    return (f"Usulan ini sudah diputuskan oleh {last.actor.full_name} ({last.actor.role_label}) pada "
            f"{waktu(last.at)}: {last.action_label}.")


def timeline(proposal: Proposal) -> list[Decision]:
    return db.session.scalars(select(Decision).where(Decision.proposal_id == proposal.id)
                              .order_by(Decision.id)).all()
