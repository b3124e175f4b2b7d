"""Holding a Musyawarah Kelurahan: open it, record who came and its verdicts, finalise it in one go."""
from datetime import date

from sqlalchemy import select

from portal import access
from portal.domain import muskel as rules
from portal.domain.errors import DomainError
from portal.domain.household import clean_text
from portal.domain.workflow import State
from portal.extensions import db
from portal.models import Muskel, MuskelItem, MuskelParticipant, Proposal, User
from portal.models.types import utcnow
from portal.services import audit, review

FROZEN = "Musyawarah ini sudah difinalkan dan tidak dapat diubah."


def open_meeting(actor: User, held_on: date, place: str, today: date, kind: str = "muskel") -> Muskel:
    place = clean_text(place, 200)
    rules.check_meeting(held_on, place, today)
    if kind not in rules.KINDS:
        raise DomainError("Pilih musyawarah atau SPTJM.", field="kind")
    meeting = Muskel(kind=kind, area_id=actor.area_id, held_on=held_on, place=place, created_by_id=actor.id)
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, "muskel.open", meeting)
    return meeting


def _editable(meeting: Muskel) -> None:
    if meeting.final:
        raise DomainError(FROZEN)


def add_participant(actor: User, meeting: Muskel, name: str, unsur: str) -> None:
    _editable(meeting)
    name = clean_text(name, 100)
    if len(name) < 2:
        raise DomainError("Tuliskan nama peserta.", field="name")
    if unsur not in rules.UNSUR:
        raise DomainError("Pilih unsur peserta.", field="unsur")
    meeting.participants.append(MuskelParticipant(name=name, unsur=unsur))
    meeting.version += 1
    db.session.flush()


def remove_participant(actor: User, meeting: Muskel, participant_id: int) -> None:
    """Before finalising the list is still a draft, so a mistyped line may go; afterwards nothing changes."""
    _editable(meeting)
    participant = db.session.get(MuskelParticipant, participant_id)
    if participant is None or participant.muskel_id != meeting.id:
        raise DomainError("Peserta tidak ditemukan.")
    meeting.participants.remove(participant)
    db.session.delete(participant)
    meeting.version += 1
    db.session.flush()


def waiting_proposals(actor: User) -> list[Proposal]:
    """The kelurahan's proposals waiting for its decision (what a muskel may decide)."""
    stmt = access.in_area(select(Proposal), Proposal.area_id, actor).where(
        Proposal.status == State.DIAJUKAN, Proposal.created_by_id != actor.id).order_by(Proposal.id)
    return db.session.scalars(stmt).all()


def save_verdicts(actor: User, meeting: Muskel, verdicts: dict[int, tuple[str, str]]) -> None:
    """verdicts: proposal id -> (verdict, reason); only proposals that wait for this kelurahan count."""
    _editable(meeting)
    waiting = {p.id for p in waiting_proposals(actor)}
    items = {item.proposal_id: item for item in meeting.items}
    for proposal_id, (verdict, reason) in verdicts.items():
        if proposal_id not in waiting or not verdict:
            continue
        reason = clean_text(reason, 500)
        rules.check_verdict(verdict, reason)
        item = items.get(proposal_id)
        if item is None:
            meeting.items.append(MuskelItem(proposal_id=proposal_id, verdict=verdict, reason=reason))
        else:
            item.verdict, item.reason = verdict, reason
    meeting.version += 1
    db.session.flush()


def finalise(actor: User, meeting: Muskel, version) -> int:
    """Apply every verdict at once (each a Decision tied to this muskel) and freeze the record.

    All or nothing: if one proposal was changed meanwhile, nothing is applied and the reason is shown.
    """
    _editable(meeting)
    if str(version) != str(meeting.version):
        raise DomainError("Musyawarah ini sudah diubah di tempat lain. Muat ulang halaman lalu coba lagi.")
    decided = [i for i in meeting.items if i.verdict in rules.VERDICT_ACTION]
    rules.check_can_finalise(meeting.kind, len(meeting.participants), len(meeting.items), len(decided))
    for item in decided:
        proposal = db.session.get(Proposal, item.proposal_id)
        if proposal.status != State.DIAJUKAN:
            raise DomainError(f"Usulan #{proposal.id} sudah berstatus {proposal.status_label}; "
                              "periksa lagi putusannya.")
        review.decide(actor, proposal, proposal.version, rules.VERDICT_ACTION[item.verdict],
                      item.reason or "Diputuskan dalam musyawarah kelurahan.", muskel_id=meeting.id)
    meeting.finalized_at, meeting.finalized_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(actor, "muskel.finalise", meeting, decided=len(decided))
    return len(decided)
