"""Benchmark (make bench): a verivali period over a 50,000-household city — opening it, and its progress pages."""
import statistics
import time
from datetime import date

import brotli
import pytest
from sqlalchemy import func, select

from portal import clock
from portal.domain.verivali import PeriodRequest
from portal.extensions import db
from portal.models import User, VerivaliItem
from portal.services import demo_households, verivali
from tests.conftest import Visitor

CITY = 50_000


def _timed(visitor, url: str, runs: int = 20) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        assert visitor.get(url).status_code == 200
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000


@pytest.mark.bench
def test_opening_a_period_over_50000_households_and_its_progress_pages(app):
    with app.app_context():
        demo_households.grow_city_to(CITY)
        db.session.commit()
        dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
        today = clock.today()
        period = verivali.open_period(dinsos, PeriodRequest("Verivali uji 50.000", today, date(today.year, 12, 31)))
        db.session.commit()
        started = time.perf_counter()
        verivali.build_items(period.id)
        opening = time.perf_counter() - started
        items = db.session.scalar(select(func.count()).select_from(VerivaliItem)
                                  .where(VerivaliItem.period_id == period.id))
        assert items >= CITY - 100  # every household that is not nonaktif
        period_id = period.id
    figures = {}
    for username, url in (("dinsos", f"/dinsos/verivali/{period_id}"),
                          ("camat.bontang-utara", f"/kecamatan/verivali/{period_id}"),
                          ("lurah.api-api", f"/kelurahan/verivali/{period_id}"),
                          ("rt.api-api.001", f"/rt/verivali?periode={period_id}")):
        visitor = Visitor(app)
        visitor.login(username)
        figures[url] = _timed(visitor, url)
        if username.startswith("rt."):
            page = visitor.get(url).data
            figures["RT checklist brotli bytes"] = len(brotli.compress(page))
    print(f"\n{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: opened a period of {items} items in "
          f"{opening:.1f} s; " + "; ".join(f"{k}: p50 {v[0]:.0f} ms, p95 {v[1]:.0f} ms" if isinstance(v, tuple)
                                           else f"{k}: {v}" for k, v in figures.items()))
