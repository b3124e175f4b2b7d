"""Benchmark (make bench): preview and apply of a 50,000-row DTKS extract against a 50,000-household city."""
import csv
import io
import resource
import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.domain.household import RELATIONS, SEXES
from portal.extensions import db
from portal.models import Area, DataImport, Household, Person, User
from portal.services import demo_households, imports

CITY, ROWS = 50_000, 50_000
HEADER = ["ID DTKS", "ID ART", "NIK", "No. KK", "Nama", "Tempat Lahir", "Tanggal Lahir", "Jenis Kelamin",
          "Nama Ibu Kandung", "Hubungan Keluarga", "Alamat", "RT", "RW", "Kode Kelurahan", "Desil", "Periode Desil"]


def _extract() -> bytes:
    """50,000 people of the registry as the ministry would send them (every row changes ID ART and desil)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    rt = Area.__table__.alias("rt")
    kel = Area.__table__.alias("kel")
    rows = db.session.execute(
        select(Person, Household, rt.c.name, rt.c.rw, kel.c.code).join(Household, Person.household_id == Household.id)
        .join(rt, rt.c.id == Household.area_id).join(kel, kel.c.id == rt.c.parent_id)
        .where(Person.active).order_by(Person.id).limit(ROWS))
    for p, h, rt_name, rw, kel_code in rows:
        writer.writerow([f"D{h.id:010d}", f"A{p.id:012d}", p.nik, h.no_kk, p.name, p.birth_place,
                         p.birth_date.strftime("%d-%m-%Y"), SEXES[p.sex], p.mother_name, RELATIONS[p.relation],
                         h.address, rt_name.removeprefix("RT "), rw or "", kel_code.replace(".", ""),
                         str(1 + h.id % 10), "2026-03"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.bench
def test_preview_and_apply_of_a_50000_row_extract(app):
    with app.app_context():
        demo_households.grow_city_to(CITY)
        db.session.commit()
        data = _extract()
        dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
        record = imports.receive(dinsos, "dtks", FileStorage(io.BytesIO(data), filename="dtks-50000.csv"))
        db.session.commit()
        before = _peak_mb()
        started = time.perf_counter()
        imports.run_preview(record.id)
        preview = time.perf_counter() - started
        record = db.session.get(DataImport, record.id)
        assert record.status == "pratinjau" and record.counts["ubah"] == ROWS, (record.status, record.counts)
        imports.request_apply(dinsos, record)
        db.session.commit()
        started = time.perf_counter()
        imports.run_apply(record.id)
        apply = time.perf_counter() - started
        record = db.session.get(DataImport, record.id)
        assert record.status == "diterapkan", record.message
        assert db.session.scalar(select(func.count()).select_from(Person).where(Person.id_art.is_not(None))) == ROWS
        print(f"\n{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: {ROWS} rows, {len(data) / 1e6:.1f} MB: "
              f"preview {preview:.1f} s, apply {apply:.1f} s; peak RSS {before:.0f} MB before, "
              f"{_peak_mb():.0f} MB after")
