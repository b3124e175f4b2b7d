"""Benchmark (make bench): recomputing the ranking of a 50,000-household city, and searching it."""
import time

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import HouseholdRank, Person
from portal.services import demo_households, ranking
from tests.conftest import Visitor

CITY = 50_000


@pytest.mark.bench
def test_ranking_recompute_and_search_of_a_50000_household_city(app):
    with app.app_context():
        started = time.perf_counter()
        added = demo_households.grow_city_to(CITY)
        db.session.commit()
        seeded = time.perf_counter() - started
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            run = ranking.recompute(None)
            db.session.commit()
            timings.append(time.perf_counter() - started)
        assert run.households == CITY
        assert db.session.scalar(select(func.count()).select_from(HouseholdRank)
                                 .where(HouseholdRank.run_id == run.id)) == CITY
        nik, name = db.session.execute(select(Person.nik, Person.name).order_by(Person.id.desc()).limit(1)).one()
    visitor = Visitor(app)
    visitor.login("dinsos")
    searches = {}
    for label, term in (("NIK", nik), ("awal nama", name.split()[0][:4])):
        visitor.get("/dinsos/rumah-tangga")
        started = time.perf_counter()
        response = visitor.post("/dinsos/rumah-tangga", {"q": term})
        searches[label] = time.perf_counter() - started
        assert response.status_code == 200
    started = time.perf_counter()
    assert visitor.get("/dinsos/dasbor").status_code == 200
    dashboard = time.perf_counter() - started
    print(f"\n{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: "
          f"seeded {added} households in {seeded:.1f} s; ranking recompute of {CITY}: "
          + ", ".join(f"{t:.2f} s" for t in timings)
          + "; " + ", ".join(f"search by {k} {v * 1000:.0f} ms" for k, v in searches.items())
          + f"; city dashboard {dashboard * 1000:.0f} ms")
