"""Program memberships: read them, let Dinas Sosial enter existing ones, and apply approved PROGRAM proposals."""
from sqlalchemy import Select, select

from portal.domain import programs
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import Household, Person, ProgramMembership, Proposal, User
from portal.models.types import utcnow
from portal.services import audit


def memberships_of(household: Household) -> list[ProgramMembership]:
    return db.session.scalars(select(ProgramMembership).where(ProgramMembership.household_id == household.id,
                                                              ProgramMembership.active)
                              .order_by(ProgramMembership.program, ProgramMembership.id)).all()


def programs_by_household(household_ids: Select | list[int]) -> dict[int, list[tuple[str, int | None]]]:
    """household id -> [(program, person id or None)] of the active memberships, for lists and exports."""
    found: dict[int, list[tuple[str, int | None]]] = {}
    for household_id, program, person_id in db.session.execute(
            select(ProgramMembership.household_id, ProgramMembership.program, ProgramMembership.person_id)
            .where(ProgramMembership.active, ProgramMembership.household_id.in_(household_ids))
            .order_by(ProgramMembership.program)):
        found.setdefault(household_id, []).append((program, person_id))
    return found


def programs_text(memberships: list[tuple[str, int | None]], person_id: int | None = None) -> str:
    """"KKS, PKH, PBI-JK": the household's programs, and PBI-JK only on the row of the person who has it."""
    names = [programs.PROGRAMS[p] for p, who in memberships if who is None or who == person_id]
    return ", ".join(dict.fromkeys(names))


def _active(household_id: int, program: str, person_id: int | None):
    stmt = select(ProgramMembership).where(ProgramMembership.household_id == household_id,
                                           ProgramMembership.program == program, ProgramMembership.active)
    if program in programs.PER_PERSON:
        stmt = stmt.where(ProgramMembership.person_id == person_id)
    return db.session.scalar(stmt.limit(1))


def has_program(household: Household | None, program: str, person_id: int | None = None) -> bool:
    return household is not None and _active(household.id, program, person_id) is not None


def enter(actor: User, household: Household, program: str, identifier: str, period: str,
          person: Person | None = None) -> ProgramMembership:
    """Dinas Sosial records a membership that already exists (e.g. from a KKS list); changes go by proposal."""
    programs.check_program(program)
    if program not in programs.PER_PERSON:
        person = None  # KKS, BPNT and PKH belong to the household, whatever the member field says
    elif person is None or person.household_id != household.id:
        raise DomainError("Pilih anggota keluarga penerima PBI-JK.", field="person_id")
    if has_program(household, program, person.id if person else None):
        raise DomainError(f"Sudah tercatat sebagai penerima {programs.PROGRAMS[program]}.", field="program")
    membership = ProgramMembership(household_id=household.id, person_id=person.id if person else None,
                                   program=program, identifier=programs.clean_identifier(identifier),
                                   period=" ".join((period or "").split())[:20], source="dinsos")
    db.session.add(membership)
    db.session.flush()
    audit.record(actor, "program.catat", membership, household_id=household.id, program=program)
    return membership


def apply_approved(proposal: Proposal) -> None:
    """An approved PROGRAM proposal starts or stops the membership (a stop keeps the row, with its end)."""
    change = (proposal.snapshot or {}).get("program") or {}
    member = next((m for m in proposal.snapshot.get("members", []) if m["key"] == change.get("member_key")), None)
    person_id = member.get("person_id") if member else None
    current = _active(proposal.household_id, change["program"], person_id)
    if change["action"] == "usul" and current is None:
        db.session.add(ProgramMembership(household_id=proposal.household_id, person_id=person_id,
                                         program=change["program"], source="usulan", proposal_id=proposal.id))
    elif change["action"] == "hentikan" and current is not None:
        current.active, current.until = False, utcnow()
