"""Loading the official area list and managing the RTs under each kelurahan."""
import csv
from pathlib import Path

from sqlalchemy import select

from portal.domain.areas import Level, normalise_rw, parse_rt_number, rt_code, rt_name, slugify
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import Area, User
from portal.services import audit

WILAYAH_CSV = Path(__file__).resolve().parent.parent / "data" / "wilayah_bontang.csv"
LEVELS_WE_KEEP = {Level.KOTA, Level.KECAMATAN, Level.KELURAHAN}


def load_official_areas(path: Path = WILAYAH_CSV) -> int:
    """Insert the city, kecamatan and kelurahan that are missing; returns how many were added.

    Idempotent: existing codes are left as they are, so it is safe on every deploy.
    """
    with path.open(encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f) if row["tingkat"] in LEVELS_WE_KEEP]
    by_code = {a.code: a for a in db.session.scalars(select(Area))}
    added = 0
    for row in rows:  # the file lists parents before children
        if row["kode"] in by_code:
            continue
        area = Area(code=row["kode"], name=row["nama"], level=row["tingkat"], slug=slugify(row["nama"]),
                    parent=by_code.get(row["kode_induk"]))
        db.session.add(area)
        by_code[area.code] = area
        added += 1
    db.session.flush()
    return added


def add_rt(actor: User | None, kelurahan: Area, number_text: str, rw_text: str | None, **context) -> Area:
    """`context` goes into the audit entry (an import that creates the RT gives its id)."""
    if kelurahan.level != Level.KELURAHAN:
        raise DomainError("RT hanya dapat ditambahkan di bawah kelurahan.")
    number = parse_rt_number(number_text)
    rw = normalise_rw(rw_text)
    code = rt_code(kelurahan.code, number)
    if db.session.scalar(select(Area.id).where(Area.code == code)):
        raise DomainError(f"{rt_name(number)} sudah ada di {kelurahan.label}.", field="number")
    rt = Area(code=code, name=rt_name(number), level=Level.RT, slug=f"{number:03d}", parent=kelurahan, rw=rw)
    db.session.add(rt)
    db.session.flush()
    audit.record(actor, "area.add_rt", rt, code=code, rw=rw, **context)
    return rt


def update_rt(actor: User, rt: Area, rw_text: str | None, active: bool) -> None:
    rt.rw = normalise_rw(rw_text)
    rt.active = active
    audit.record(actor, "area.update_rt", rt, rw=rt.rw, active=active)
