"""What a Dinas Sosial approval does to the registry. Nothing is deleted: every change keeps its old value."""
from datetime import date

from sqlalchemy import select

from portal.domain.household import person_key
from portal.domain.workflow import Kind
from portal.extensions import db
from portal.models import Household, Person, PersonPpks, Proposal, RegistryChange
from portal.models.types import utcnow
from portal.services import programs, registry

PERSON_FIELDS = ("nik", "name", "birth_place", "birth_date", "sex", "relation", "marital_status", "mother_name",
                 "job")


def approved(proposal: Proposal) -> None:
    content = proposal.snapshot
    if proposal.kind == Kind.BARU:
        household = registry.create_household(proposal.area, content)
        household.status = "diusulkan"  # in the registry, proposed to the ministry; 'aktif' once ditetapkan
        proposal.household = household
    elif proposal.kind == Kind.PERBAIKAN:
        _apply_correction(proposal, content)
    elif proposal.kind == Kind.NONAKTIF:
        household = proposal.household
        _change(proposal, household, None, "status", household.status, "nonaktif")
        _change(proposal, household, None, "nonaktif_reason", household.nonaktif_reason or "",
                content["nonaktif"]["reason"])
        household.status, household.nonaktif_reason = "nonaktif", content["nonaktif"]["reason"]
    elif proposal.kind == Kind.PROGRAM:
        programs.apply_approved(proposal)
    _apply_ppks(proposal, content)


def ministry_outcome(proposal: Proposal, accepted: bool) -> None:
    """A BARU household becomes active when the ministry sets it, inactive (kept, with the reason) when it
    refuses. Other kinds were applied at the Dinas Sosial approval; their outcome is recorded only."""
    household = proposal.household
    if proposal.kind != Kind.BARU or household is None or household.status != "diusulkan":
        return
    new, reason = ("aktif", None) if accepted else ("nonaktif", "ditolak_kementerian")
    _change(proposal, household, None, "status", household.status, new)
    household.status, household.nonaktif_reason = new, reason


def _change(proposal: Proposal, household: Household, person: Person | None, field: str, old, new) -> None:
    if str(old or "") != str(new or ""):
        db.session.add(RegistryChange(household_id=household.id, person_id=person.id if person else None,
                                      proposal_id=proposal.id, field=field, old_value=str(old or ""),
                                      new_value=str(new or "")))


def _apply_correction(proposal: Proposal, content: dict) -> None:
    household = proposal.household
    for field in ("no_kk", "address"):
        _change(proposal, household, None, field, getattr(household, field), content["household"][field])
        setattr(household, field, content["household"][field])
    if content.get("conditions") != household.conditions:
        _change(proposal, household, None, "conditions", household.conditions, content.get("conditions"))
        household.conditions = dict(content.get("conditions") or {})
    people = {p.id: p for p in household.members}
    for member in content["members"]:
        person = people.get(member.get("person_id"))
        if person is None:
            person = Person(household=household, **_person_values(member))
            db.session.add(person)
            db.session.flush()
            _change(proposal, household, person, "anggota", "", f"masuk: {member['name']}")
            continue
        if member.get("leaving"):
            person.active = False
            _change(proposal, household, person, "anggota", person.name,
                    f"keluar: {member.get('leaving_reason') or '-'}")
            continue
        for field, value in _person_values(member).items():
            old = getattr(person, field)
            _change(proposal, household, person, field, old.isoformat() if isinstance(old, date) else old,
                    value.isoformat() if isinstance(value, date) else value)
            setattr(person, field, value)
    db.session.flush()
    registry.refresh_assessment(household)


def _person_values(member: dict) -> dict:
    values = {field: member.get(field) or None for field in PERSON_FIELDS}
    values["birth_date"] = date.fromisoformat(member["birth_date"])
    values["person_key"] = person_key(member["name"], member["birth_date"], member["mother_name"])
    return values


def _apply_ppks(proposal: Proposal, content: dict) -> None:
    household = proposal.household
    keys = {m["key"]: m for m in content.get("members", [])}
    for change in content.get("ppks", []):
        member = keys.get(change["member_key"])
        person = db.session.scalar(select(Person).where(Person.nik == member["nik"], Person.active)) if member else None
        if person is None:
            continue
        current = next((c for c in person.ppks if c.category == change["category"] and c.active), None)
        if change["action"] == "tambah" and current is None:
            db.session.add(PersonPpks(person=person, category=change["category"]))
            _change(proposal, household, person, "ppks", "", change["category"])
        elif change["action"] == "hapus" and current is not None:
            current.active, current.until = False, utcnow()
            _change(proposal, household, person, "ppks", change["category"], "")
