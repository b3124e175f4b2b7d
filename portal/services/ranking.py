"""Computing and reading the local indicative ranking (rules: domain.ranking).

A recompute reads the facts of every household in three grouped queries, ranks them in memory and stores
one row per household under a new run: earlier runs are never touched, so an explanation can always say
what changed and under which rule version.
"""
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import case, func, insert, select

from portal import clock
from portal.domain import ranking
from portal.domain.criteria import CriteriaRules
from portal.extensions import db
from portal.models import Area, Household, HouseholdRank, Person, PersonPpks, RankingRun, User
from portal.services import audit, registry


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _member_counts(today: date) -> dict[int, tuple[int, int]]:
    """household id -> (dependants, elderly) among its active members, by age today."""
    young, old, elderly = (_years_before(today, n) for n in
                           (ranking.DEPENDANT_UNDER, ranking.DEPENDANT_FROM, ranking.ELDERLY_FROM))
    rows = db.session.execute(
        select(Person.household_id,
               func.sum(case((Person.birth_date > young, 1), (Person.birth_date <= old, 1), else_=0)),
               func.sum(case((Person.birth_date <= elderly, 1), else_=0)))
        .where(Person.active).group_by(Person.household_id))
    return {hid: (int(dependants or 0), int(lansia or 0)) for hid, dependants, lansia in rows}


def _ppks_counts() -> dict[int, tuple[int, int]]:
    """household id -> (people with a disability category, people with any PPKS category)."""
    disabled = func.count(func.distinct(case((PersonPpks.category.in_(ranking.DISABILITY_PPKS), Person.id))))
    rows = db.session.execute(
        select(Person.household_id, disabled, func.count(func.distinct(Person.id)))
        .join(PersonPpks, PersonPpks.person_id == Person.id)
        .where(Person.active, PersonPpks.active).group_by(Person.household_id))
    return {hid: (int(d), int(p)) for hid, d, p in rows}


def _fill_missing_masks() -> None:
    """Households assessed before masks were stored get one now (the next runs read the column)."""
    for household in db.session.scalars(select(Household).where(Household.criteria_mask.is_(None))):
        registry.refresh_assessment(household)
    db.session.flush()


def recompute(actor: User | None, rules: ranking.RankingRules = ranking.CURRENT_RULES,
              today: date | None = None) -> RankingRun:
    """Rank every household of the city under `rules` as a new run (the caller commits)."""
    _fill_missing_masks()
    today = today or clock.today()
    members, ppks = _member_counts(today), _ppks_counts()
    households = db.session.execute(
        select(Household.id, Area.parent_id, Household.status, Household.criteria_met, Household.criteria_mask,
               Household.fakir_miskin).join(Area, Household.area_id == Area.id)).all()
    facts, stored = [], {}
    for hid, kelurahan_id, status, met, mask, fakir in households:
        dependants, elderly = members.get(hid, (0, 0))
        disabled, with_ppks = ppks.get(hid, (0, 0))
        facts.append(ranking.HouseholdFacts(hid, kelurahan_id, status != "nonaktif", met, fakir, dependants,
                                            elderly, disabled, with_ppks))
        stored[hid] = (status, mask)
    ranks = ranking.rank_households(facts, rules)
    run = RankingRun(ranking_version=rules.version, criteria_version=CriteriaRules().version,
                     computed_by_id=actor.id if actor else None, households=len(facts),
                     active_households=sum(1 for f in facts if f.active))
    db.session.add(run)
    db.session.flush()
    by_id = {f.household_id: f for f in facts}
    rows = []
    for r in ranks:
        row = asdict(by_id[r.household_id])
        del row["active"]  # the stored status says it
        status, mask = stored[r.household_id]
        rows.append(row | {"run_id": run.id, "status": status, "criteria_mask": mask, "rank_city": r.rank_city,
                           "rank_kelurahan": r.rank_kelurahan, "desil": r.desil})
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(HouseholdRank), rows[start:start + 10_000])
    if actor is not None:
        audit.record(actor, "ranking.recompute", run, households=run.households, version=run.rules_version)
    return run


def latest_run() -> RankingRun | None:
    return db.session.scalar(select(RankingRun).order_by(RankingRun.id.desc()).limit(1))


@dataclass(frozen=True)
class Explanation:
    run: RankingRun
    row: HouseholdRank
    standing: ranking.Standing
    previous_run: RankingRun | None
    changes: list[str]
    stale: bool            # the household changed after this run was computed
    rules_changed: bool    # the rules in force now differ from the run's


def _standing(row: HouseholdRank, run: RankingRun) -> ranking.Standing:
    in_kelurahan = db.session.scalar(select(func.count()).select_from(HouseholdRank).where(
        HouseholdRank.run_id == run.id, HouseholdRank.kelurahan_id == row.kelurahan_id,
        HouseholdRank.rank_city.is_not(None)))
    return ranking.Standing(row.rank_city, row.rank_kelurahan, row.desil, run.active_households, in_kelurahan,
                            row.criteria_met, row.criteria_mask, run.rules_version)


def explanation(household: Household, labels: dict[str, str], all_codes: tuple[str, ...]) -> Explanation | None:
    """The household's place in the latest run it is part of, and what changed since the run before."""
    rows = db.session.execute(
        select(HouseholdRank, RankingRun).join(RankingRun, HouseholdRank.run_id == RankingRun.id)
        .where(HouseholdRank.household_id == household.id).order_by(HouseholdRank.run_id.desc()).limit(2)).all()
    if not rows:
        return None
    (row, run), previous = rows[0], (rows[1] if len(rows) > 1 else None)
    standing = _standing(row, run)
    before = _standing(*previous) if previous else None
    return Explanation(run, row, standing, previous[1] if previous else None,
                       ranking.changes_since(before, standing, labels, all_codes),
                       stale=household.updated_at > run.computed_at,
                       rules_changed=run.ranking_version != ranking.CURRENT_RULES.version
                       or run.criteria_version != CriteriaRules().version)
