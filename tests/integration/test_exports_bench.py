"""Benchmark (make bench): the registry export of a 50,000-household city (≈200,000 people) as Dinas Sosial.

Times CSV and XLSX through the test client with the response read to its end, then measures the peak Python
memory (tracemalloc, in separate runs because tracing slows everything down) of one kelurahan against the
whole city: flat memory means the two peaks are about the same although the city has 15 times the rows.
"""
import resource
import time
import tracemalloc

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Area, AuditEvent, Household, Person
from portal.services import demo_households, ranking
from tests.conftest import Visitor

CITY = 50_000
TARGET_ROWS, TARGET_SECONDS = 50_000, 10


def _download(visitor: Visitor, file_format: str, kelurahan: str = "") -> tuple[float, int, int]:
    """(seconds, bytes, lines) of one registry export, from the POST to the last byte read."""
    visitor.get("/dinsos/ekspor")
    started = time.perf_counter()
    response = visitor.post("/dinsos/ekspor", {"what": "registri", "file_format": file_format,
                                               "kelurahan": kelurahan, "status": "", "kind": "",
                                               "keperluan": "laporan"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    size = lines = 0
    for chunk in response.iter_encoded():  # streamed: read piece by piece, never held whole
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    return time.perf_counter() - started, size, lines


def _peak_mib(visitor: Visitor, file_format: str, kelurahan: str = "") -> float:
    tracemalloc.start()
    try:
        _download(visitor, file_format, kelurahan)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@pytest.mark.bench
def test_registry_export_of_a_50000_household_city(app):
    with app.app_context():
        demo_households.grow_city_to(CITY)
        db.session.commit()
        ranking.recompute(None)  # the desil column filled, as in production
        db.session.commit()
        households = db.session.scalar(select(func.count()).select_from(Household))
        persons = db.session.scalar(select(func.count()).select_from(Person).where(Person.active))
        kelurahan = db.session.scalar(select(Area).where(Area.code == "64.74.01.1006"))
        kelurahan_id = str(kelurahan.id)
        kelurahan_persons = db.session.scalar(
            select(func.count()).select_from(Person).join(Household).join(Area, Household.area_id == Area.id)
            .where(Area.code.like(kelurahan.code + ".%"), Person.active))
    visitor = Visitor(app)
    visitor.login("dinsos")
    rss_before = _max_rss_mib()
    timings = {}
    for file_format in ("csv", "xlsx"):
        seconds, size, lines = _download(visitor, file_format)
        timings[file_format] = (seconds, size)
        if file_format == "csv":
            assert lines == persons + 1  # header + one line per person
    rss_after = _max_rss_mib()
    with app.app_context():
        recorded = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "ekspor.registri")).all()
    assert [d["rows"] for d in recorded] == [persons, persons]
    peaks = {(f, where): _peak_mib(visitor, f, area) for f in ("csv", "xlsx")
             for where, area in (("kelurahan", kelurahan_id), ("city", ""))}
    print(f"\n{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: {households} households, {persons} active "
          f"persons (Api-Api: {kelurahan_persons})")
    for file_format, (seconds, size) in timings.items():
        per_target = seconds * TARGET_ROWS / persons
        print(f"  registry {file_format.upper()} of the city: {seconds:.1f} s, {size / 2**20:.1f} MiB, "
              f"{persons / seconds:,.0f} rows/s = {per_target:.1f} s per {TARGET_ROWS:,} rows "
              f"(target <= {TARGET_SECONDS} s)")
    for file_format in ("csv", "xlsx"):
        print(f"  peak traced memory {file_format.upper()}: one kelurahan "
              f"{peaks[file_format, 'kelurahan']:.1f} MiB, whole city {peaks[file_format, 'city']:.1f} MiB")
    print(f"  max RSS {rss_before:.0f} MiB before the exports (after seeding), {rss_after:.0f} MiB after "
          f"(+{rss_after - rss_before:.0f} MiB)")
