"""Regenerate portal/data/import_samples/ from the demo data (run from the repository root after changing the
demo seed): .venv/bin/python scripts/make-import-samples.py"""
import csv
import io
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, ".")
import flask_migrate  # noqa: E402
from sqlalchemy import select  # noqa: E402

from config import TestConfig  # noqa: E402
from portal import create_app  # noqa: E402
from portal.domain.household import RELATIONS, SEXES  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Area, Household, Person, Proposal, ProposalNik  # noqa: E402
from portal.services import demo, demo_households  # noqa: E402

OUT = Path("portal/data/import_samples")
DTKS_HEADER = ["ID DTKS", "ID ART", "NIK", "No. KK", "Nama", "Tempat Lahir", "Tanggal Lahir", "Jenis Kelamin",
               "Nama Ibu Kandung", "Hubungan Keluarga", "Alamat", "RT", "RW", "Kode Kelurahan", "Desil",
               "Periode Desil", "Status"]
NEW_FAMILY = [("Sulaiman Rahardjo", date(1979, 4, 12), "L", "kepala", "Maryam"),
              ("Kartini Rahardjo", date(1983, 9, 30), "P", "pasangan", "Sumarni"),
              ("Bima Rahardjo", date(2011, 1, 5), "L", "anak", "Kartini Rahardjo")]


def write(name: str, header: list[str], rows: list[list[str]]) -> None:
    """Semicolon-separated UTF-8 with BOM: what Excel in an Indonesian locale writes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    (OUT / name).write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")


def dtks_rows() -> tuple[list[list[str]], demo_households.Numbers]:
    kelurahan = db.session.scalar(select(Area).where(Area.code == "64.74.01.1006"))  # Api-Api
    rt = db.session.scalar(select(Area).where(Area.code == "64.74.01.1006.001"))
    code = kelurahan.code.replace(".", "")
    rows = []
    for desil, household in enumerate(db.session.scalars(select(Household).where(Household.area_id == rt.id)
                                                         .order_by(Household.id).limit(3)), start=2):
        for k, p in enumerate(household.active_members, 1):
            rows.append([f"3374{household.id:08d}", f"3374{household.id:08d}{k:02d}", p.nik, household.no_kk, p.name,
                         p.birth_place, p.birth_date.strftime("%d-%m-%Y"), SEXES[p.sex], p.mother_name,
                         RELATIONS[p.relation], household.address, "001", rt.rw, code, str(desil), "2026-03", "aktif"])
    numbers = demo_households.Numbers()
    numbers.used.update(db.session.scalars(select(Person.nik)))
    kk = numbers.kk("01", date(2019, 5, 2))
    for k, (name, born, sex, relation, mother) in enumerate(NEW_FAMILY, 1):
        rows.append(["337499000001", f"337499000001{k:02d}", numbers.nik("01", born, sex), kk, name, "Bontang",
                     born.strftime("%d/%m/%Y"), SEXES[sex], mother, RELATIONS[relation], "Jl. Demo Cendana No. 4",
                     "002", "001", code, "1", "2026-03", "aktif"])
    return rows, numbers


def main() -> None:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.app_context():
        flask_migrate.upgrade()
        demo.seed_demo()
        db.session.commit()
        rows, numbers = dtks_rows()
        write("contoh-dtks.csv", DTKS_HEADER, rows)
        bad = [r[:] for r in rows[:7]]
        bad[0][2] = "6474010101"   # NIK too short
        bad[1][13] = "6471011001"  # a kelurahan outside Bontang
        bad[3][6] = "31-02-1990"   # no such date
        bad[4][14] = "11"          # desil out of range
        bad[6][2] = bad[5][2]      # the same NIK twice
        no_birth = rows[-1][:]
        no_birth[2], no_birth[4], no_birth[6] = numbers.nik("01", date(1990, 2, 2), "P"), "Warga Tanpa Tanggal", ""
        no_rt = rows[-1][:]
        # An RT not registered yet: a warning, not an error (the apply would create it).
        no_rt[2], no_rt[4], no_rt[11] = numbers.nik("01", date(1992, 3, 3), "L"), "Warga RT Tidak Ada", "099"
        write("contoh-dtks-bermasalah.csv", DTKS_HEADER, [*bad, no_birth, no_rt])
        outcomes = []
        for i, p in enumerate(db.session.scalars(select(Proposal).where(Proposal.status == "dikirim_kementerian")
                                                 .order_by(Proposal.id))):
            nik = db.session.scalar(select(ProposalNik.nik).where(ProposalNik.proposal_id == p.id).limit(1))
            refused = i % 3 == 2
            outcomes.append([nik, str(p.id), "Ditolak" if refused else "Ditetapkan",
                             "Data ganda dengan rumah tangga lain di DTSEN" if refused else ""])
        write("contoh-hasil.csv", ["NIK", "No. Usulan", "Hasil", "Alasan"], outcomes)


if __name__ == "__main__":
    main()
