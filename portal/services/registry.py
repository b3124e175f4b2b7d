"""Reading the registry (always through the area scope) and writing content into it."""
import re
from datetime import date

from sqlalchemy import Select, func, or_, select

from portal import access
from portal.domain.criteria import assess
from portal.domain.household import clean_text, conditions_from, person_key
from portal.domain.nik import clean_number
from portal.extensions import db
from portal.models import Area, Household, Person, PersonPpks, User


def household_rows(user: User, query: str = "") -> Select:
    """Households in the user's area with head name and member count, for lists (one query, no N+1).

    `query` is a name (part of any member's name) or a full 16-digit NIK or No. KK.
    """
    members = (select(func.count()).where(Person.household_id == Household.id, Person.active)
               .correlate(Household).scalar_subquery())
    head = (select(Person.name).where(Person.household_id == Household.id, Person.active,
                                      Person.relation == "kepala").correlate(Household).limit(1).scalar_subquery())
    stmt = access.in_area(
        select(Household, head.label("head_name"), members.label("member_count"), Area)
        .join(Area, Household.area_id == Area.id), Household.area_id, user)
    query = clean_text(query, 60)  # no control characters (PostgreSQL refuses NUL in text)
    number = clean_number(query)
    if len(number) == 16 and number.isascii() and number.isdigit():
        nik_match = select(Person.household_id).where(Person.nik == number)
        stmt = stmt.where(or_(Household.no_kk == number, Household.id.in_(nik_match)))
    elif query:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", query.casefold()) + "%"  # % and _ are searched literally
        stmt = stmt.where(Household.id.in_(select(Person.household_id)
                                           .where(func.lower(Person.name).like(pattern, escape="\\"))))
    # Active first, then by criteria met (most in need first), then by id for a stable order.
    return stmt.order_by((Household.status != "aktif"), Household.criteria_met.desc(), Household.id)


def household_content(household: Household) -> dict:
    """The registry household as proposal content (the starting point of PERBAIKAN, NONAKTIF and PPKS)."""
    return {
        "household": {"no_kk": household.no_kk, "address": household.address, "rw": household.area.rw or ""},
        "members": [
            {"key": f"p{p.id}", "person_id": p.id, "nik": p.nik, "name": p.name, "birth_place": p.birth_place,
             "birth_date": p.birth_date.isoformat(), "sex": p.sex, "relation": p.relation,
             "marital_status": p.marital_status, "mother_name": p.mother_name, "job": p.job or "",
             "ppks": [c.category for c in p.active_ppks]}
            for p in household.active_members
        ],
        "conditions": dict(household.conditions or {}),
        "ppks": [],
    }


def refresh_assessment(household: Household) -> None:
    """Keep the list columns (criteria met, fakir miskin) in step with the household's answers."""
    content = {"conditions": household.conditions, "members": [{} for _ in household.active_members]}
    result = assess(conditions_from(content))
    household.criteria_met = result.met_count
    household.fakir_miskin = result.fakir_miskin


def create_household(rt: Area, content: dict) -> Household:
    """A new registry household from proposal content (demo data; a BARU proposal once approved)."""
    data = content["household"]
    household = Household(area=rt, no_kk=data["no_kk"], address=data["address"],
                          conditions=dict(content.get("conditions") or {}))
    db.session.add(household)
    for member in content["members"]:
        person = Person(household=household, nik=member["nik"], name=member["name"],
                        birth_place=member["birth_place"], birth_date=date.fromisoformat(member["birth_date"]),
                        sex=member["sex"], relation=member["relation"], marital_status=member["marital_status"],
                        mother_name=member["mother_name"], job=member.get("job") or None,
                        person_key=person_key(member["name"], member["birth_date"], member["mother_name"]))
        db.session.add(person)
        for category in member.get("ppks", []):
            db.session.add(PersonPpks(person=person, category=category))
    db.session.flush()
    refresh_assessment(household)
    return household
