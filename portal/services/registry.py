"""Reading the registry (always through the area scope) and writing content into it."""
import re
from array import array
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, false, func, or_, select, union
from sqlalchemy.orm import selectinload

from portal import access, summary_cache
from portal.domain.criteria import assess
from portal.domain.household import clean_text, conditions_from, person_key, search_name
from portal.domain.nik import clean_number
from portal.extensions import db
from portal.models import Area, Household, HouseholdRank, Person, PersonPpks, ProgramMembership, RankingRun, User
from portal.pagination import Page, paginate_rows, slice_page


@dataclass(frozen=True)
class HouseholdFilter:
    """What a list of households is narrowed to (each dashboard number links to its list with these)."""

    area_id: int | None = None       # a kecamatan, kelurahan or RT inside the user's area
    criteria_met: int | None = None  # exactly this many of the 14 criteria (active households)
    desil: int | None = None         # indicative desil in the latest ranking run
    nonaktif_reason: str | None = None
    status: str | None = None        # "aktif" (everything not nonaktif) | "nonaktif"
    ppks: str | None = None          # has a member with this PPKS category
    program: str | None = None       # receives this program (domain.programs.PROGRAMS)


def household_page(user: User, query: str = "", filters: HouseholdFilter = HouseholdFilter(),
                   run: RankingRun | None = None, page: int = 1, per_page: int = 25) -> Page:
    """One page of households in the user's area: (household, head name, member count, area, rank) rows.

    The order of the whole list (a sort of every matching household: hundreds of milliseconds for a city) is
    kept until the data changes (summary_cache), so paging and coming back cost a slice; only the page's own
    households are loaded with their head, member count and area. Searches are not kept (their terms must
    not stay in memory) and are small.
    """
    ids = household_ids(user, query, filters, run)
    if query:
        found = paginate_rows(ids, page, per_page, scalars=True)
    else:
        order = summary_cache.cached(("households", user.role, user.area_id, filters, run.id if run else None),
                                     lambda: array("l", db.session.scalars(ids)))  # 8 bytes per household
        found = slice_page(order, page, per_page)
    members = (select(func.count()).where(Person.household_id == Household.id, Person.active)
               .correlate(Household).scalar_subquery())
    head = (select(Person.name).where(Person.household_id == Household.id, Person.active,
                                      Person.relation == "kepala").correlate(Household).limit(1).scalar_subquery())
    rows = {row[0].id: row for row in db.session.execute(
        select(Household, head.label("head_name"), members.label("member_count"), Area, HouseholdRank)
        .join(Area, Household.area_id == Area.id).outerjoin(HouseholdRank, _rank_of(run))
        .where(Household.id.in_(found.items)).options(selectinload(Area.parent)))}
    found.items = [rows[household_id] for household_id in found.items]
    return found


def _rank_of(run: RankingRun | None):
    return and_(HouseholdRank.household_id == Household.id, HouseholdRank.run_id == (run.id if run else -1))


def household_ids(user: User, query: str = "", filters: HouseholdFilter = HouseholdFilter(),
                  run: RankingRun | None = None) -> Select:
    """Ids of the households in the user's area that match, in list order (most in need first).

    `query` is a full 16-digit NIK or No. KK, or the start of any word of a member's name (case and accents
    do not matter). `run` is the ranking that orders them (None: criteria met, then id).
    """
    stmt = access.in_area(select(Household.id).outerjoin(HouseholdRank, _rank_of(run)), Household.area_id, user)
    stmt = _filtered(stmt, user, filters)
    query = clean_text(query, 60)  # no control characters (PostgreSQL refuses NUL in text)
    number = clean_number(query)
    if len(number) == 16 and number.isascii() and number.isdigit():
        # Two index lookups joined, not an OR (PostgreSQL would scan every household for the OR).
        found = union(select(Household.id).where(Household.no_kk == number),
                      select(Person.household_id).where(Person.nik == number))
        stmt = stmt.where(Household.id.in_(select(found.subquery().c[0])))
    elif search_name(query):
        word = re.sub(r"([\\%_])", r"\\\1", search_name(query))  # % and _ are searched literally
        starts = or_(Person.name_search.like(word + "%", escape="\\"),
                     Person.name_search.like("% " + word + "%", escape="\\"))
        stmt = stmt.where(Household.id.in_(select(Person.household_id).where(Person.active, starts)))
    elif query:  # only punctuation: nothing can match it
        stmt = stmt.where(false())
    # Active first, then the latest ranking (most in need first), then criteria met, then id (stable).
    return stmt.order_by(Household.status == "nonaktif", HouseholdRank.rank_city.is_(None), HouseholdRank.rank_city,
                         Household.criteria_met.desc(), Household.id)


def _filtered(stmt: Select, user: User, f: HouseholdFilter) -> Select:
    if f.area_id:
        stmt = stmt.where(Household.area_id.in_(access.area_ids_within(access.get_area_or_404(user, f.area_id))))
    if f.status == "aktif":
        stmt = stmt.where(Household.status != "nonaktif")
    elif f.status == "nonaktif":
        stmt = stmt.where(Household.status == "nonaktif")
    if f.criteria_met is not None:
        stmt = stmt.where(Household.criteria_met == f.criteria_met)
    if f.desil is not None:
        stmt = stmt.where(HouseholdRank.desil == f.desil)
    if f.nonaktif_reason:
        stmt = stmt.where(Household.nonaktif_reason == f.nonaktif_reason)
    if f.ppks:
        with_category = (select(Person.household_id).join(PersonPpks, PersonPpks.person_id == Person.id)
                         .where(Person.active, PersonPpks.active, PersonPpks.category == f.ppks))
        stmt = stmt.where(Household.id.in_(with_category))
    if f.program:
        stmt = stmt.where(Household.id.in_(select(ProgramMembership.household_id).where(
            ProgramMembership.active, ProgramMembership.program == f.program)))
    return stmt


def count_people_with(user: User, filters: HouseholdFilter) -> int:
    """Active people with the filter's PPKS category in the households the same filters list."""
    households = _filtered(access.in_area(select(Household.id), Household.area_id, user), user, filters)
    return db.session.scalar(
        select(func.count(func.distinct(Person.id))).join(PersonPpks, PersonPpks.person_id == Person.id)
        .where(Person.active, PersonPpks.active, PersonPpks.category == filters.ppks,
               Person.household_id.in_(households)))


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
    household.criteria_mask = result.mask


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
