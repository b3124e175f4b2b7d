"""Demo program memberships and one open verivali period, partly done, with real differences between areas."""
import random
from datetime import date

from sqlalchemy import func, select

from portal import clock
from portal.domain.programs import PER_PERSON, PROGRAMS
from portal.domain.verivali import Outcome, PeriodRequest
from portal.extensions import db
from portal.models import Area, Household, ProgramMembership, User, VerivaliItem, VerivaliPeriod
from portal.services import verivali

# Share of households in each program (BPNT overlaps KKS in practice; PBI-JK is per person).
SHARES = {"kks": 0.30, "bpnt": 0.25, "pkh": 0.12, "pbi_jk": 0.40}


def seed_memberships(rng_seed: int = 8) -> None:
    if db.session.scalar(select(func.count()).select_from(ProgramMembership)):
        return
    rng = random.Random(rng_seed)
    for household in db.session.scalars(select(Household).where(Household.status != "nonaktif")
                                         .order_by(Household.id)):
        for program in PROGRAMS:
            if rng.random() >= SHARES[program]:
                continue
            people = household.active_members if program in PER_PERSON else [None]
            for person in people:
                db.session.add(ProgramMembership(household_id=household.id, person_id=person.id if person else None,
                                                 program=program, identifier=f"{rng.randrange(10**11, 10**12)}",
                                                 period="2026-1", source="demo"))
    db.session.flush()


def demo_period_name() -> str:
    return f"Verivali {clock.today().year} (demo)"


def seed_period() -> None:
    """One open period over the city; each kelurahan's RTs have done a different share of their items."""
    if db.session.scalar(select(func.count()).select_from(VerivaliPeriod)):
        return
    today = clock.today()
    dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
    # The whole current year: today's visits always fall inside it, whenever the demo is seeded.
    period = verivali.open_period(dinsos, PeriodRequest(demo_period_name(), date(today.year, 1, 1),
                                                        date(today.year, 12, 31)))
    db.session.commit()
    verivali.build_items(period.id)
    rng = random.Random(9)
    kelurahan = db.session.scalars(select(Area).where(Area.level == "kelurahan").order_by(Area.code)).all()
    outcomes = [Outcome.SESUAI] * 8 + [Outcome.TIDAK_DITEMUKAN]
    for index, kel in enumerate(kelurahan):
        share = (index * 37 % 90) / 100  # 0 % to 89 %, spread over the city
        for rt in kel.children:
            ketua = db.session.scalar(select(User).where(User.area_id == rt.id, User.role == "rt"))
            items = db.session.scalars(select(VerivaliItem).where(VerivaliItem.period_id == period.id,
                                                                  VerivaliItem.area_id == rt.id)
                                       .order_by(VerivaliItem.id)).all()
            for item in items[:int(len(items) * share)]:
                if ketua is not None:
                    verivali.record(ketua, item, item.version, rng.choice(outcomes), today)
    db.session.flush()
