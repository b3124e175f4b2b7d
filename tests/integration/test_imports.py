"""Dinas Sosial imports the ministry's files through /dinsos/impor: upload -> preview -> apply (or cancel).

Whatever is wrong with a file, the registry stays exactly as it was and the detail page says why in Bahasa.
A valid file changes exactly what its preview said, once: applying the same file again changes nothing.
Large files are checked and applied in the background while the page shows a progress bar.
"""
import csv
import hashlib
import html
import io
import re
import threading
import time
import zipfile
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from portal.domain import tabular_files
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import Area, AuditEvent, DataImport, Decision, Household, Person, Proposal, ProposalNik, User
from portal.services import imports
from tests.pages import flashes, text, visible
from tests.import_files import csv_bytes, extract_nik, ministry_extract, xlsx_bytes, zip_bomb

IMPORTS = "/dinsos/impor"
SAMPLES = Path(imports.SAMPLE_DIR)
DINSOS = "dinsos"
DINSOS_NAME = "Verifikator Dinas Sosial (demo)"
API_API = "64.74.01.1006"
NIK, NAME, BIRTH_DATE, KELURAHAN = 2, 4, 6, 13  # columns of the DTKS samples
POLL_SECONDS = 20


# --- files ---------------------------------------------------------------------------------------------------------

def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def sample_rows(name: str = "contoh-dtks.csv") -> tuple[list[str], list[list[str]]]:
    header, *rows = csv.reader(io.StringIO(sample(name).decode("utf-8-sig")), delimiter=";")
    return header, rows




def dtks_with(change) -> bytes:
    """The valid DTKS sample after `change(rows)` edits its rows in place."""
    header, rows = sample_rows()
    change(rows)
    return csv_bytes(header, rows)




def excel_float(data: bytes, value: str, written: str) -> bytes:
    """Rewrite a number in the sheet the way Excel stores a 16-digit number it has rounded: 6.47…E+15."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(f"<v>{value}</v>".encode(), f"<v>{written}</v>".encode())
            target.writestr(info, content)
    return out.getvalue()


def xlsx_sample(header_change=None, row_change=None) -> bytes:
    header, rows = sample_rows()
    if header_change:
        header_change(header)
    if row_change:
        row_change(rows)
    return xlsx_bytes([header, *rows])




def float_nik_xlsx(nik_header: str = "NIK") -> bytes:
    """The valid sample as XLSX whose first NIK was typed into a number cell (Excel rounded it)."""
    header, rows = sample_rows()
    header[NIK] = nik_header
    cells = [[*r] for r in rows]
    cells[0][NIK] = 6474013003688370.0
    return excel_float(xlsx_bytes([header, *cells]), "6474013003688370", "6.47401300368837E+15")


# --- the web pages -------------------------------------------------------------------------------------------------

def upload(visitor, data: bytes, filename: str, kind: str = "dtks"):
    visitor.get(IMPORTS)
    return visitor.post(IMPORTS, {"kind": kind, "file": (io.BytesIO(data), filename)},
                        content_type="multipart/form-data")


def uploaded(visitor, data: bytes, filename: str, kind: str = "dtks") -> int:
    """Upload and return the new import's id (the answer is a redirect to its detail page)."""
    response = upload(visitor, data, filename, kind)
    assert response.status_code == 303, visible(response)[:500]
    match = re.fullmatch(rf"(?:http://localhost)?{IMPORTS}/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def detail(visitor, import_id: int, **kwargs):
    response = visitor.get(f"{IMPORTS}/{import_id}", **kwargs)
    assert response.status_code == 200
    return response


def confirm(visitor, import_id: int, action: str = "terapkan", follow: bool = False):
    detail(visitor, import_id)  # a fresh CSRF token, as the page gives it
    return visitor.post(f"{IMPORTS}/{import_id}/{action}", follow_redirects=follow)


def error_rows(response) -> list[tuple[str, str, str]]:
    """The "Kesalahan (baris tidak dapat dimuat)" table of a detail page as (row, column, reason)."""
    return _table_after(response, '<h2 id="kesalahan">')


def warning_rows(response) -> list[tuple[str, str, str]]:
    """The "Peringatan" table of a detail page as (row, column, reason)."""
    return _table_after(response, '<h2 id="peringatan">')


def _table_after(response, heading: str) -> list[tuple[str, ...]]:
    body = text(response).split(heading, 1)
    if len(body) == 1:
        return []
    table = body[1].split("<table>", 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    plain = lambda cell: " ".join(re.sub(r"<[^>]+>", " ", cell).split())  # noqa: E731
    return [tuple(html.unescape(plain(c)) for c in re.findall(r"<td>(.*?)</td>", row, re.S))
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def wait_until_settled(visitor, import_id: int):
    """Poll the detail page like htmx does (short sleeps, at most POLL_SECONDS) until no progress bar shows."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        response = detail(visitor, import_id, headers={"HX-Request": "true"})
        if "<progress" not in text(response):
            return detail(visitor, import_id)
        assert time.monotonic() < deadline, "the background job did not finish"
        time.sleep(0.05)


# --- the database --------------------------------------------------------------------------------------------------

def record(app, import_id: int) -> SimpleNamespace:
    with app.app_context():
        row = db.session.get(DataImport, import_id)
        return SimpleNamespace(**{c.key: getattr(row, c.key) for c in DataImport.__table__.columns})


def registry(app) -> tuple:
    """Counts and a fingerprint of everything an import may change: people, households, proposal decisions."""
    with app.app_context():
        people = db.session.execute(select(Person.id, Person.nik, Person.id_art, Person.household_id, Person.active)
                                    .order_by(Person.id)).all()
        households = db.session.execute(
            select(Household.id, Household.id_dtks, Household.official_desil, Household.official_desil_period,
                   Household.official_status, Household.status, Household.no_kk).order_by(Household.id)).all()
        proposals = db.session.execute(select(Proposal.id, Proposal.status).order_by(Proposal.id)).all()
        decisions = db.session.scalar(select(func.count()).select_from(Decision))
        digest = hashlib.sha256(repr((people, households, proposals, decisions)).encode()).hexdigest()
        return len(households), len(people), digest


def import_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DataImport))


def kept_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_DIR"]) / "imports"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def audit_actions(app, import_id: int) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "DataImport",
                                                                  AuditEvent.target_id == import_id)
                                  .order_by(AuditEvent.id)).all()


def sent_proposal(app) -> tuple[int, str]:
    """The demo's one proposal sent to the ministry and the NIK the outcome sample names for it."""
    _, rows = sample_rows("contoh-hasil.csv")
    nik, number = rows[0][0], int(rows[0][1])
    with app.app_context():
        assert db.session.get(Proposal, number).status == "dikirim_kementerian"
    return number, nik


def nik_without_sent_proposal(app) -> str:
    with app.app_context():
        sent = select(ProposalNik.nik).join(Proposal, Proposal.id == ProposalNik.proposal_id).where(
            Proposal.status.in_(("dikirim_kementerian", "ditetapkan", "ditolak_kementerian")))
        return db.session.scalar(select(Person.nik).where(Person.active, Person.nik.not_in(sent))
                                 .order_by(Person.id).limit(1))


@pytest.fixture
def dinsos(login):
    return login(DINSOS)


# --- files refused or with bad rows --------------------------------------------------------------------------------

def _formula_in_a_name(rows):
    rows[1][NAME] = '=HYPERLINK("x")'


def _two_sheets() -> bytes:
    header, rows = sample_rows()
    return xlsx_bytes([header, rows[0]], extra_sheets=("Catatan",))


BAD_FILES = {
    # name: (builds the file when the test runs, uploaded name, status, what the detail page says)
    "header only": (lambda: csv_bytes(sample_rows()[0], []), "dtks.csv", "ditolak",
                    "Berkas ditolak: Berkas hanya berisi judul kolom, tanpa data. Registri tidak berubah."),
    "zip named csv": (xlsx_sample, "dtks.csv", "ditolak", "bukan teks CSV. Simpan ulang sebagai CSV."),
    "text named xlsx": (lambda: sample("contoh-dtks.csv"), "dtks.xlsx", "ditolak", "isinya bukan berkas Excel"),
    "old excel": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048), "dtks.xls", "ditolak",
                  "Format .xls (Excel lama) tidak didukung. Simpan ulang sebagai .xlsx atau .csv."),
    "pdf": (lambda: b"%PDF-1.7\n" + bytes(100), "dtks.pdf", "ditolak", "Gunakan berkas .csv atau .xlsx."),
    "two sheets": (_two_sheets, "dtks.xlsx", "ditolak",
                   "Berkas berisi 2 lembar kerja (Data, Catatan). Simpan data di satu lembar saja."),
    "zip bomb": (lambda: zip_bomb(200), "dtks.xlsx", "ditolak", "kemungkinan berkas berbahaya"),
    "missing columns": (lambda: csv_bytes([h for h in sample_rows()[0] if h not in ("NIK", "Desil")], [["x"] * 15]),
                        "dtks.csv", "ditolak", "Kolom wajib tidak ditemukan: NIK, Desil."),
    "broken utf-8 after a bom": (lambda: b"\xef\xbb\xbfNIK;Nama\r\n6474013003688371;Jos\xe9\r\n", "dtks.csv",
                                 "ditolak", "ada huruf yang tidak terbaca"),
    "formula": (lambda: xlsx_sample(row_change=_formula_in_a_name), "dtks.xlsx", "pratinjau",
                "3 Nama sel berisi rumus; ketik nilainya saja"),
    "float nik": (float_nik_xlsx, "dtks.xlsx", "pratinjau",
                  "2 NIK angka panjang tersimpan sebagai bilangan sehingga digit terakhir hilang"),
    "outcome without a reason": (lambda: b"NIK;Hasil;Alasan\r\n6474013107697005;Ditolak;\r\n", "hasil.csv",
                                 "pratinjau", "2 Alasan alasan penolakan wajib diisi (minimal 10 karakter)"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_or_shows_row_errors_and_changes_nothing(app, dinsos, case):
    build, filename, status, says = BAD_FILES[case]
    kind = "hasil" if case.startswith("outcome") else "dtks"
    before = registry(app)
    import_id = uploaded(dinsos, build(), filename, kind)
    page = visible(detail(dinsos, import_id))
    assert record(app, import_id).status == status
    assert says in page
    assert "Terapkan ke registri" not in page
    if status == "pratinjau":
        assert record(app, import_id).counts["galat"] >= 1
        assert "Berkas dengan kesalahan tidak dapat diterapkan" in page
        confirm(dinsos, import_id)
    assert registry(app) == before


def test_more_rows_than_the_limit_are_refused(app, dinsos, monkeypatch):
    monkeypatch.setattr(tabular_files, "MAX_ROWS", 5)
    before = registry(app)
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")
    assert record(app, import_id).status == "ditolak"
    assert "Berkas berisi lebih dari 5 baris. Bagi menjadi beberapa berkas." in visible(detail(dinsos, import_id))
    assert registry(app) == before


def test_an_empty_file_is_a_form_error_and_nothing_is_kept(app, dinsos):
    count, files = import_count(app), kept_files(app)
    response = upload(dinsos, b"  \r\n", "dtks.csv")
    assert response.status_code == 422
    assert "Berkas kosong." in visible(response)
    assert (import_count(app), kept_files(app)) == (count, files)


def test_missing_kind_or_file_is_a_form_error(app, dinsos):
    count = import_count(app)
    no_file = upload(dinsos, b"", "")
    assert no_file.status_code == 422 and "Pilih berkas yang akan diimpor." in visible(no_file)
    dinsos.get(IMPORTS)
    bad_kind = dinsos.post(IMPORTS, {"kind": "lain", "file": (io.BytesIO(b"a;b\n1;2\n"), "x.csv")},
                           content_type="multipart/form-data")
    assert bad_kind.status_code == 422
    assert import_count(app) == count


def test_an_upload_over_the_request_limit_gets_the_413_page(app, dinsos):
    count, files, before = import_count(app), kept_files(app), registry(app)
    response = upload(dinsos, b"x" * (20 * 1024 * 1024), "besar.csv")
    assert response.status_code == 413
    assert "Berkas terlalu besar" in visible(response)
    assert (import_count(app), kept_files(app), registry(app)) == (count, files, before)


def test_a_file_over_the_import_limit_is_a_form_error_and_is_not_kept(app, dinsos):
    assert app.config["IMPORT_MAX_BYTES"] < 11 * 1024 * 1024 < app.config["MAX_CONTENT_LENGTH"]
    count, files = import_count(app), kept_files(app)
    header, rows = sample_rows()
    row = csv_bytes(header, rows[:1]).split(b"\r\n", 1)[1]
    data = csv_bytes(header, []) + row * (11 * 1024 * 1024 // len(row) + 1)
    assert 11 * 1024 * 1024 < len(data) < 11 * 1024 * 1024 + 1024
    response = upload(dinsos, data, "besar.csv")
    assert response.status_code == 422
    assert "Berkas lebih dari 10 MB. Bagi menjadi beberapa berkas." in visible(response)
    assert (import_count(app), kept_files(app)) == (count, files)


# --- row errors of a DTKS file -------------------------------------------------------------------------------------

def _duplicate(rows):
    rows[2][NIK] = rows[0][NIK]


def _short_nik(rows):
    rows[4][NIK] = "6474010101"


def _unknown_kelurahan(rows):
    rows[6][KELURAHAN] = "6471011001"  # Balikpapan, not Bontang


@pytest.mark.parametrize("change, error", [
    (_duplicate, ("4", "NIK", "NIK sama dengan baris 2")),
    (_short_nik, ("6", "NIK", "NIK harus 16 digit angka.")),
    (_unknown_kelurahan, ("8", "Kode Kelurahan", "kode kelurahan tidak dikenal di Kota Bontang")),
], ids=["duplicate NIK", "invalid NIK", "unknown kelurahan"])
def test_a_bad_row_is_reported_with_its_row_column_and_reason(app, dinsos, change, error):
    before = registry(app)
    import_id = uploaded(dinsos, dtks_with(change), "dtks.csv")
    page = detail(dinsos, import_id)
    assert error_rows(page) == [error]
    assert record(app, import_id).counts == {"rows": 16, "tambah": 3, "ubah": 12, "tetap": 0, "galat": 1,
                                             "peringatan": 0, "rt_baru": 0}
    refused = confirm(dinsos, import_id, follow=True)
    assert "Berkas masih memuat 1 baris bermasalah. Perbaiki lalu unggah ulang; tidak ada data yang diterapkan." \
        in flashes(refused)
    assert record(app, import_id).status == "pratinjau"
    assert registry(app) == before


def test_the_problem_sample_lists_each_typical_mistake(app, dinsos):
    before = registry(app)
    import_id = uploaded(dinsos, sample("contoh-dtks-bermasalah.csv"), "contoh-dtks-bermasalah.csv")
    page = detail(dinsos, import_id)
    assert error_rows(page) == [
        ("2", "NIK", "NIK harus 16 digit angka."),
        ("3", "Kode Kelurahan", "kode kelurahan tidak dikenal di Kota Bontang"),
        ("5", "Tanggal Lahir", "tanggal tidak dikenali; gunakan format 31-12-1990 atau 1990-12-31"),
        ("6", "Desil", "desil harus angka 1 sampai 10"),
        ("8", "NIK", "NIK sama dengan baris 7"),
        ("9", "–", "warga baru: isi juga Tanggal Lahir"),
    ]
    # An RT not registered yet is no longer a mistake: it would be created, and says so.
    assert warning_rows(page) == [
        ("10", "RT", "RT 099 belum terdaftar di Kelurahan Api-Api; dibuat saat diterapkan (1 warga baru)")]
    assert record(app, import_id).counts == {"rows": 9, "tambah": 1, "ubah": 2, "tetap": 0, "galat": 6,
                                             "peringatan": 1, "rt_baru": 1}
    assert "Kesalahan (baris tidak dapat dimuat): 6 baris" in visible(page) and "Peringatan: 1" in visible(page)
    assert "Perbaiki baris yang salah lalu unggah ulang" in visible(page)
    confirm(dinsos, import_id)
    assert registry(app) == before


def test_row_numbers_count_blank_lines_as_the_file_shows_them(app, dinsos):
    header, rows = sample_rows()
    rows[1][NIK] = "6474010101"
    data = csv_bytes(header, [rows[0], [""] * len(header), *rows[1:]])  # line 3 empty; the bad NIK is on line 4
    import_id = uploaded(dinsos, data, "dtks.csv")
    assert error_rows(detail(dinsos, import_id)) == [("4", "NIK", "NIK harus 16 digit angka.")]


# --- error report ----------------------------------------------------------------------------------------------------

def test_the_error_report_has_one_line_per_error(app, dinsos):
    import_id = uploaded(dinsos, sample("contoh-dtks-bermasalah.csv"), "contoh-dtks-bermasalah.csv")
    response = dinsos.get(f"{IMPORTS}/{import_id}/galat.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="galat-impor-{import_id}.csv"' in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeffBaris,Kolom,Jenis,Masalah\r\n")
    lines = list(csv.reader(io.StringIO(body[1:])))
    assert lines[0] == ["Baris", "Kolom", "Jenis", "Masalah"]
    saved = record(app, import_id)
    assert lines[1:] == ([[str(r), c, "Kesalahan", m] for r, c, m in saved.errors]
                         + [[str(r), c, "Peringatan", m] for r, c, m in saved.details["warnings"]])
    assert len(lines) - 1 == 7


def test_a_header_label_that_looks_like_a_formula_is_neutralised_in_the_report(app, dinsos):
    # " =NIK" folds to "nik", so the column is found; its label comes back in the report as the file wrote it.
    import_id = uploaded(dinsos, float_nik_xlsx(nik_header=" =NIK"), "dtks.xlsx")
    assert error_rows(detail(dinsos, import_id))[0][:2] == ("2", "=NIK")
    body = dinsos.get(f"{IMPORTS}/{import_id}/galat.csv").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(body[1:])))
    assert lines[1][:3] == ["2", "'=NIK", "Kesalahan"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)


# --- the valid DTKS sample -------------------------------------------------------------------------------------------

def test_the_dtks_sample_previews_then_applies_exactly_what_it_said(app, dinsos):
    header, rows = sample_rows()
    existing, new = rows[:13], rows[13:]
    households_before, people_before, _ = before = registry(app)
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")

    preview = detail(dinsos, import_id)
    page = visible(preview)
    assert record(app, import_id).counts == {"rows": 16, "tambah": 3, "ubah": 13, "tetap": 0, "galat": 0,
                                             "peringatan": 0, "rt_baru": 0}
    assert "Dibaca sebagai UTF-8 (BOM), pemisah titik koma." in page
    assert "Terapkan ke registri" in page and error_rows(preview) == []
    assert "Berkas yang sama persis" not in page
    assert "ID DTKS: – → 337400000301; desil resmi: – → 2" in page  # what changes, old → new
    assert rows[0][NIK] not in page and rows[0][NIK][:6] + "******" + rows[0][NIK][12:] in page  # NIKs masked
    assert registry(app) == before  # a preview writes nothing

    applied = confirm(dinsos, import_id, follow=True)
    assert "Diterapkan" in visible(applied) and f"oleh {DINSOS_NAME}" in visible(applied)
    result = record(app, import_id)
    assert (result.status, result.counts) == ("diterapkan", {"rows": 16, "tambah": 3, "ubah": 13, "tetap": 0,
                                                             "galat": 0, "peringatan": 0, "rt_baru": 0})
    households_after, people_after, _ = registry(app)
    assert (households_after, people_after) == (households_before + 1, people_before + 3)

    with app.app_context():
        rt_002 = db.session.scalar(select(Area).where(Area.code == f"{API_API}.002"))
        for row in existing:
            person = db.session.scalar(select(Person).where(Person.nik == row[NIK], Person.active))
            assert person.id_art == row[1]
            household = person.household
            assert (household.id_dtks, household.official_desil, household.official_desil_period,
                    household.official_status) == (row[0], int(row[14]), "2026-03", "aktif")
            assert household.no_kk == row[3] and household.area.code == f"{API_API}.001"
        people = [db.session.scalar(select(Person).where(Person.nik == row[NIK])) for row in new]
        assert len({p.household_id for p in people}) == 1
        household = people[0].household
        assert household.area_id == rt_002.id and household.area.parent.code == API_API
        assert (household.no_kk, household.id_dtks, household.official_desil, household.official_desil_period,
                household.status) == (new[0][3], "337499000001", 1, "2026-03", "aktif")
        assert household.address == "Jl. Demo Cendana No. 4"
        for person, row in zip(people, new, strict=True):
            assert (person.name, person.id_art, person.birth_date.strftime("%d/%m/%Y"), person.active) == (
                row[NAME], row[1], row[BIRTH_DATE], True)
        assert [(p.sex, p.relation) for p in people] == [("L", "kepala"), ("P", "pasangan"), ("L", "anak")]
    assert audit_actions(app, import_id) == ["impor.unggah", "impor.terapkan"]


def test_the_same_file_again_is_all_unchanged_and_applying_it_changes_nothing(app, dinsos):
    first = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")
    confirm(dinsos, first)
    assert record(app, first).status == "diterapkan"
    after_first = registry(app)

    again = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks-lagi.csv")
    page = visible(detail(dinsos, again))
    assert record(app, again).counts == {"rows": 16, "tambah": 0, "ubah": 0, "tetap": 16, "galat": 0,
                                         "peringatan": 0, "rt_baru": 0}
    assert "Berkas yang sama persis sudah diterapkan pada" in page and f"(impor #{first})" in page
    assert "Contoh baris yang tetap" in page

    confirm(dinsos, again)
    assert record(app, again).status == "diterapkan"
    assert registry(app) == after_first


def test_list_page_shows_uploader_checksum_and_counts(app, dinsos):
    data = sample("contoh-dtks.csv")
    import_id = uploaded(dinsos, data, "contoh-dtks.csv")
    digest = hashlib.sha256(data).hexdigest()
    saved = record(app, import_id)
    assert (saved.sha256, saved.size, saved.filename, saved.kind) == (digest, len(data), "contoh-dtks.csv", "dtks")
    with app.app_context():
        assert db.session.get(User, saved.uploaded_by_id).username == DINSOS
    page = visible(dinsos.get(IMPORTS))
    assert f"#{import_id} contoh-dtks.csv SHA-256 {digest[:12]}" in page
    assert "16 baris: 3 tambah, 13 ubah, 0 tetap, 0 salah" in page
    assert DINSOS_NAME in page
    assert f"SHA-256 {digest}" in visible(detail(dinsos, import_id))


def test_upload_and_apply_are_in_the_audit_log(app, dinsos):
    data = sample("contoh-dtks.csv")
    import_id = uploaded(dinsos, data, "contoh-dtks.csv")
    confirm(dinsos, import_id)
    with app.app_context():
        events = {e.action: e for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.target_type == "DataImport", AuditEvent.target_id == import_id))}
        dinsos_id = db.session.scalar(select(User.id).where(User.username == DINSOS))
        assert set(events) == {"impor.unggah", "impor.terapkan"}
        assert events["impor.unggah"].actor_id == events["impor.terapkan"].actor_id == dinsos_id
        assert events["impor.unggah"].detail == {"kind": "dtks", "sha256": hashlib.sha256(data).hexdigest(),
                                                 "size": len(data)}
        assert events["impor.terapkan"].detail["tambah"] == 3 and events["impor.terapkan"].detail["ubah"] == 13


# --- ministry outcomes -----------------------------------------------------------------------------------------------

def test_the_outcome_sample_sets_the_proposal(app, dinsos):
    number, _ = sent_proposal(app)
    import_id = uploaded(dinsos, sample("contoh-hasil.csv"), "contoh-hasil.csv", kind="hasil")
    assert record(app, import_id).counts == {"rows": 1, "tambah": 0, "ubah": 1, "tetap": 0, "galat": 0}
    assert f"usulan #{number} ditetapkan" in visible(detail(dinsos, import_id))
    confirm(dinsos, import_id)
    assert record(app, import_id).status == "diterapkan"
    with app.app_context():
        proposal = db.session.get(Proposal, number)
        assert proposal.status == "ditetapkan"
        decision = db.session.scalars(select(Decision).where(Decision.proposal_id == number)
                                      .order_by(Decision.id.desc())).first()
        assert decision.action == "tetapkan"
    again = uploaded(dinsos, sample("contoh-hasil.csv"), "contoh-hasil.csv", kind="hasil")
    assert record(app, again).counts["tetap"] == 1


def test_outcome_refused_by_the_ministry_with_its_reason(app, dinsos):
    number, nik = sent_proposal(app)
    data = f"NIK;No. Usulan;Hasil;Alasan\r\n{nik};{number};Ditolak;Data ganda dengan rumah tangga lain\r\n".encode()
    import_id = uploaded(dinsos, data, "hasil.csv", kind="hasil")
    confirm(dinsos, import_id)
    with app.app_context():
        assert db.session.get(Proposal, number).status == "ditolak_kementerian"


def test_outcome_for_a_nik_without_a_sent_proposal_is_a_row_error(app, dinsos):
    number, nik = sent_proposal(app)
    other = nik_without_sent_proposal(app)
    data = (f"NIK;No. Usulan;Hasil\r\n{other};;Ditetapkan\r\n{other};{number};Ditetapkan\r\n"
            f"{nik};{number};Ditetapkan\r\n").encode()
    before = registry(app)
    import_id = uploaded(dinsos, data, "hasil.csv", kind="hasil")
    assert error_rows(detail(dinsos, import_id)) == [
        ("2", "NIK", "NIK ini tidak ada di usulan yang dikirim ke Kementerian"),
        ("3", "NIK", f"NIK ini tidak ada di usulan #{number}"),
    ]
    assert record(app, import_id).counts["ubah"] == 1  # the good row is planned, but nothing is applied
    confirm(dinsos, import_id)
    assert registry(app) == before


# --- confirming and cancelling ---------------------------------------------------------------------------------------

def test_two_confirms_apply_once_and_the_second_gets_a_message(app, dinsos, login):
    other = login(DINSOS)  # a second browser of Dinas Sosial with the page open too
    households, people, _ = registry(app)
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")
    detail(other, import_id)
    first = confirm(dinsos, import_id, follow=True)
    assert "Diterapkan" in visible(first)
    second = other.post(f"{IMPORTS}/{import_id}/terapkan", follow_redirects=True)
    assert "Impor ini tidak sedang menunggu konfirmasi." in flashes(second)
    third = dinsos.post(f"{IMPORTS}/{import_id}/terapkan", follow_redirects=True)
    assert "Impor ini tidak sedang menunggu konfirmasi." in flashes(third)
    assert audit_actions(app, import_id).count("impor.terapkan") == 1
    assert registry(app)[:2] == (households + 1, people + 3)  # the three new people, once


def test_the_claim_lets_only_one_of_two_simultaneous_confirms_through(app, dinsos):
    """Both requests read the import while it waited; the one that claims second is told so."""
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == DINSOS))
        seen_by_second = db.session.get(DataImport, import_id)
        assert seen_by_second.status == "pratinjau"
        with db.engine.begin() as first_request:
            first_request.execute(update(DataImport).where(DataImport.id == import_id)
                                  .values(status="menerapkan", applied_by_id=actor.id))
        with pytest.raises(DomainError, match="sudah dikonfirmasi oleh orang lain"):
            imports.request_apply(actor, seen_by_second)
        db.session.rollback()


def test_cancel_does_not_overwrite_a_confirm_that_came_first(app, dinsos):
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == DINSOS))
        seen_by_canceller = db.session.get(DataImport, import_id)
        with db.engine.begin() as confirming:
            confirming.execute(update(DataImport).where(DataImport.id == import_id)
                               .values(status="menerapkan", applied_by_id=actor.id))
        try:
            imports.cancel(actor, seen_by_canceller)
            db.session.commit()
        except DomainError:
            db.session.rollback()
    assert record(app, import_id).status == "menerapkan"


def test_cancel_leaves_the_registry_unchanged_and_cannot_be_applied_after(app, dinsos):
    before = registry(app)
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")
    cancelled = confirm(dinsos, import_id, "batal")
    assert cancelled.status_code == 303 and cancelled.headers["Location"].endswith(IMPORTS)
    assert "Impor dibatalkan; tidak ada data yang diubah." in flashes(dinsos.get(IMPORTS))
    assert record(app, import_id).status == "dibatalkan"
    assert "Impor ini dibatalkan; registri tidak berubah." in visible(detail(dinsos, import_id))
    refused = confirm(dinsos, import_id, follow=True)
    assert "Impor ini tidak sedang menunggu konfirmasi." in flashes(refused)
    again = confirm(dinsos, import_id, "batal", follow=True)
    assert "Impor ini tidak dapat dibatalkan sekarang." in flashes(again)
    assert registry(app) == before
    assert audit_actions(app, import_id) == ["impor.unggah", "impor.batal"]


def test_an_applied_import_cannot_be_cancelled(app, dinsos):
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")
    confirm(dinsos, import_id)
    after = registry(app)
    response = confirm(dinsos, import_id, "batal", follow=True)
    assert "Impor ini tidak dapat dibatalkan sekarang." in flashes(response)
    assert record(app, import_id).status == "diterapkan" and registry(app) == after


def test_confirm_without_csrf_token_is_refused(app, dinsos):
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")
    response = dinsos.post(f"{IMPORTS}/{import_id}/terapkan", csrf=False)
    assert response.status_code in (303, 400)
    assert record(app, import_id).status == "pratinjau"


# --- access ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["lurah.api-api", "camat.bontang-utara", "rt.api-api.001"])
def test_other_roles_get_403(app, login, dinsos, username):
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")
    visitor = login(username)
    for url in (IMPORTS, f"{IMPORTS}/{import_id}", f"{IMPORTS}/{import_id}/galat.csv",
                f"{IMPORTS}/contoh/contoh-dtks.csv"):
        assert visitor.get(url).status_code == 403, url
    for url in (IMPORTS, f"{IMPORTS}/{import_id}/terapkan", f"{IMPORTS}/{import_id}/batal"):
        assert visitor.post(url, {"kind": "dtks"}).status_code == 403, url
    assert record(app, import_id).status == "pratinjau"


def test_anonymous_visitors_are_sent_to_login(app, visitor):
    for url in (IMPORTS, f"{IMPORTS}/1", f"{IMPORTS}/contoh/contoh-dtks.csv"):
        response = visitor.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_samples_download_as_shipped(app, dinsos):
    for name in ("contoh-dtks.csv", "contoh-dtks-bermasalah.csv", "contoh-hasil.csv"):
        response = dinsos.get(f"{IMPORTS}/contoh/{name}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.data == sample(name)
    for name in ("tidak-ada.csv", "..%2Fconfig.py", "contoh-dtks.CSV"):
        assert dinsos.get(f"{IMPORTS}/contoh/{name}").status_code == 404, name
    assert dinsos.get(f"{IMPORTS}/999999").status_code == 404


# --- large files: checked and applied in the background ------------------------------------------------------------

class Gate:
    """Holds each background planning step until the test lets it go, so the progress page can be seen."""

    def __init__(self, monkeypatch):
        self.entered, self.release, real = threading.Semaphore(0), threading.Semaphore(0), imports.plan

        def plan(record, progress=lambda percent: None):
            self.entered.release()
            assert self.release.acquire(timeout=POLL_SECONDS)
            return real(record, progress)

        monkeypatch.setattr(imports, "plan", plan)

    def wait_entered(self):
        assert self.entered.acquire(timeout=POLL_SECONDS), "the background job never started"


def padded_sample() -> bytes:
    """The valid DTKS sample with a long ignored column: larger than IMPORT_INLINE_BYTES, same data."""
    header, rows = sample_rows()
    return csv_bytes([*header, "Catatan Petugas"], [[*r, "survei ulang " * 1800] for r in rows])


def test_a_large_file_is_checked_and_applied_in_the_background(app, dinsos, monkeypatch):
    data = padded_sample()
    assert len(data) > app.config["IMPORT_INLINE_BYTES"]
    assert not app.config["REDIS_URL"]  # a thread of this process does the work
    gate = Gate(monkeypatch)
    before = registry(app)

    import_id = uploaded(dinsos, data, "dtks-besar.csv")
    gate.wait_entered()
    waiting = detail(dinsos, import_id)
    assert record(app, import_id).status in ("antri", "memeriksa")
    assert "<progress" in text(waiting) and "Berkas sedang diperiksa" in visible(waiting)
    assert 'hx-trigger="every 2s"' in text(waiting)
    fragment = detail(dinsos, import_id, headers={"HX-Request": "true"})
    assert 'id="import-status"' in text(fragment) and "<html" not in text(fragment)
    gate.release.release()

    preview = wait_until_settled(dinsos, import_id)
    assert record(app, import_id).status == "pratinjau"
    assert record(app, import_id).counts == {"rows": 16, "tambah": 3, "ubah": 13, "tetap": 0, "galat": 0,
                                             "peringatan": 0, "rt_baru": 0}
    assert "Diabaikan: Catatan Petugas." in visible(preview) and 'hx-trigger' not in text(preview)
    assert registry(app) == before

    applying = confirm(dinsos, import_id)
    assert applying.status_code == 303
    gate.wait_entered()
    page = detail(dinsos, import_id)
    assert record(app, import_id).status == "menerapkan"
    assert "<progress" in text(page) and "Berkas sedang diterapkan" in visible(page)
    gate.release.release()

    done = wait_until_settled(dinsos, import_id)
    assert record(app, import_id).status == "diterapkan" and "Diterapkan" in visible(done)
    households, people, _ = registry(app)
    assert (households, people) == (before[0] + 1, before[1] + 3)


def test_a_refused_large_file_is_reported_from_the_background(app, dinsos, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_INLINE_BYTES", 0)
    before = registry(app)
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "dtks.xlsx")
    page = wait_until_settled(dinsos, import_id)
    assert record(app, import_id).status == "ditolak"
    assert "isinya bukan berkas Excel" in visible(page)
    assert registry(app) == before


def test_a_background_apply_that_meets_a_changed_registry_applies_nothing(app, dinsos, monkeypatch):
    """Between preview and apply a "new" person of the file is registered in another family: the apply plans
    again, finds that family would get two different official records, and writes nothing (all or nothing)."""
    monkeypatch.setitem(app.config, "IMPORT_INLINE_BYTES", 0)
    header, rows = sample_rows()
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")
    wait_until_settled(dinsos, import_id)
    assert record(app, import_id).status == "pratinjau"
    with app.app_context():
        andi = db.session.scalar(select(Person).where(Person.nik == rows[0][NIK]))
        db.session.add(Person(household_id=andi.household_id, nik=rows[14][NIK], name="Kartini", birth_place="Bontang",
                              birth_date=andi.birth_date, sex="P", relation="lainnya", marital_status="",
                              mother_name="Sumarni", person_key="kartini", active=True))
        db.session.commit()
    before = registry(app)
    confirm(dinsos, import_id)
    page = wait_until_settled(dinsos, import_id)
    assert record(app, import_id).status == "gagal"
    assert ("Data registri berubah sejak pratinjau dan kini ada baris bermasalah. Tidak ada yang diterapkan; "
            "unggah ulang berkas untuk pratinjau baru. Registri tidak berubah.") in visible(page)
    assert registry(app) == before


# --- round trip with exports ----------------------------------------------------------------------------------------

def test_round_trip_export_of_the_imported_registry_reads_back_unchanged(app, dinsos):
    exports_page = dinsos.get("/dinsos/ekspor")
    if exports_page.status_code == 404:
        pytest.skip("exports are not there yet")
    header, rows = sample_rows()
    import_id = uploaded(dinsos, sample("contoh-dtks.csv"), "contoh-dtks.csv")
    confirm(dinsos, import_id)
    assert record(app, import_id).status == "diterapkan"
    after = registry(app)
    with app.app_context():
        api_api = db.session.scalar(select(Area).where(Area.code == API_API))
    dinsos.get("/dinsos/ekspor")
    exported = dinsos.post("/dinsos/ekspor", {"what": "registri", "file_format": "xlsx", "kelurahan": str(api_api.id),
                                              "letter": "", "kind": "", "status": "", "unmasked": "y",
                                              "keperluan": "verifikasi",
                                              "reason": "Pencocokan dengan data DTKS resmi"})
    assert exported.status_code == 200, visible(exported)[:300]
    book = load_workbook(io.BytesIO(exported.data), read_only=True)
    exported.close()
    table = [[("" if c is None else str(c)) for c in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    export_header, export_rows = table[0], table[1:]
    by_nik = {r[export_header.index("NIK")]: r for r in export_rows}
    wanted = {row[NIK]: row for row in rows}
    assert set(wanted) <= set(by_nik)  # the 13 known and the 3 new people are in the registry export
    for nik, row in wanted.items():
        assert by_nik[nik][export_header.index("Desil Resmi")] == row[14]
        assert by_nik[nik][export_header.index("Periode Desil Resmi")] == "2026-03"

    # The export's identity columns, with the ministry's ids added, are a DTKS file the import reads back as is.
    back_header = [*export_header, "ID DTKS", "ID ART", "Desil", "Periode Desil"]
    back_rows = [[*by_nik[nik], row[0], row[1], row[14], row[15]] for nik, row in wanted.items()]
    again = uploaded(dinsos, xlsx_bytes([back_header, *back_rows]), "kembali.xlsx")
    assert error_rows(detail(dinsos, again)) == []
    assert record(app, again).counts == {"rows": 16, "tambah": 0, "ubah": 0, "tetap": 16, "galat": 0,
                                         "peringatan": 0, "rt_baru": 0}
    confirm(dinsos, again)
    assert registry(app) == after


# --- real ministry extracts ------------------------------------------------------------------------------------------
# Built by tests.import_files.ministry_extract: families of four in Kelurahan Api-Api spread over RT 001, 002 (the
# demo registers 001-003) and 005, 012, 027 (not registered), no relation column unless asked for.

EXTRACT_NIK, EXTRACT_KK, EXTRACT_NAME, EXTRACT_BIRTH = 2, 3, 4, 6  # columns of ministry_extract without relations
NEW_RT_CODES = {f"{API_API}.005": "001", f"{API_API}.012": "002", f"{API_API}.027": "003"}  # code -> its RW


def rt_areas(app) -> dict[str, tuple[bool, str | None]]:
    """Every RT under Api-Api: code -> (active, RW)."""
    with app.app_context():
        return {a.code: (a.active, a.rw) for a in db.session.scalars(
            select(Area).where(Area.level == "rt", Area.code.startswith(API_API + ".")))}


def people_by_nik(app, niks: list[str]) -> dict[str, SimpleNamespace]:
    with app.app_context():
        found = db.session.scalars(select(Person).where(Person.nik.in_(niks), Person.active)).all()
        return {p.nik: SimpleNamespace(name=p.name, sex=p.sex, relation=p.relation, birth_date=p.birth_date,
                                       household_id=p.household_id, no_kk=p.household.no_kk,
                                       rt=p.household.area.code) for p in found}


def test_a_real_60_row_extract_without_relations_imports_fully_with_warnings(app, dinsos, login):
    """What a real kelurahan extract looks like: NOMOR KK, KODE DESA with dots, numbers behind apostrophes, no
    relation column, and RTs the portal has not registered. Every row is placed; nothing is refused."""
    header, rows = ministry_extract()
    niks = [extract_nik(r[EXTRACT_NIK]) for r in rows]
    assert people_by_nik(app, niks) == {} and not set(NEW_RT_CODES) & set(rt_areas(app))
    before, areas_before = registry(app), rt_areas(app)

    import_id = uploaded(dinsos, csv_bytes(header, rows), "dtks-api-api.csv")
    preview = detail(dinsos, import_id)
    page = visible(preview)
    assert record(app, import_id).counts == {"rows": 60, "tambah": 60, "ubah": 0, "tetap": 0, "galat": 0,
                                             "peringatan": 63, "rt_baru": 3}
    assert error_rows(preview) == []
    assert "Kesalahan (baris tidak dapat dimuat) 0" in page and "Peringatan (tetap dimuat, dicatat) 63" in page
    warnings = warning_rows(preview)
    assert warnings[0] == ("2", "Hubungan Keluarga",
                           "kolom tidak ada di berkas; dicatat “Belum diketahui”, dilengkapi oleh RT")
    assert ("10", "RT", "RT 005 belum terdaftar di Kelurahan Api-Api; dibuat saat diterapkan (12 warga baru)") \
        in warnings
    assert "50 dari 63 peringatan ditampilkan." in page
    for code, rw in NEW_RT_CODES.items():
        assert f"RT {code[-3:]} / RW {rw}, Kelurahan Api-Api: 12 warga baru" in page
    assert "Hubungan keluarga perlu dilengkapi RT" in page
    assert page.count("12 warga dicatat “Belum diketahui”") == 5  # one line per RT, 12 people each
    assert "Terapkan ke registri" in page
    assert (registry(app), rt_areas(app)) == (before, areas_before)  # the preview wrote nothing

    confirm(dinsos, import_id)
    assert record(app, import_id).status == "diterapkan"
    people = people_by_nik(app, niks)
    assert len(people) == 60
    for row, nik in zip(rows, niks, strict=True):
        person = people[nik]
        assert (person.name, person.relation, person.birth_date.strftime("%d-%m-%Y"), person.no_kk) == (
            row[EXTRACT_NAME], "belum_diketahui", row[EXTRACT_BIRTH], extract_nik(row[EXTRACT_KK]))
        assert person.sex == row[7] and person.rt == f"{API_API}.{row[10]}"
    assert rt_areas(app) == {**areas_before, **{code: (True, rw) for code, rw in NEW_RT_CODES.items()}}
    with app.app_context():
        dinsos_id = db.session.scalar(select(User.id).where(User.username == DINSOS))
        added = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "area.add_rt",
                                                            AuditEvent.actor_id == dinsos_id)).all()
        assert sorted((e.detail["code"], e.detail["rw"], e.detail["impor"]) for e in added) == [
            (code, rw, import_id) for code, rw in sorted(NEW_RT_CODES.items())]
        applied = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "impor.terapkan",
                                                             AuditEvent.target_id == import_id))
        assert applied.detail["rt_dibuat"] == ["RT 005 / RW 001, Kelurahan Api-Api",
                                               "RT 012 / RW 002, Kelurahan Api-Api",
                                               "RT 027 / RW 003, Kelurahan Api-Api"]
        assert applied.detail["peringatan"] == 63

    # The Ketua RT sees who needs completing in the household page.
    household = people[niks[0]].household_id
    own_rt = login("rt.api-api.001").get(f"/rt/rumah-tangga/{household}")
    assert own_rt.status_code == 200 and visible(own_rt).count("Belum diketahui") == 4


EXTRACT_SHAPES = {
    # name: (file format, header spelling, sex written as, kelurahan code, with a relation column)
    "csv, our own headers, L/P, plain code, relations": ("csv", "sample", "LP", "plain", True),
    "csv, lower-case headers and No KK, 1/2, plain code": ("csv", "lower", "12", "plain", False),
    "csv, NOMOR KK, LAKI-LAKI/PEREMPUAN, dotted code": ("csv", "siks", "words", "dotted", False),
    "xlsx, NOMOR KK, 1/2, dotted code": ("xlsx", "siks", "12", "dotted", False),
    "xlsx, lower-case headers, words, code as a number, relations": ("xlsx", "lower", "words", "plain", True),
    "xlsx, our own headers, L/P, dotted code": ("xlsx", "sample", "LP", "dotted", False),
}


def _as_excel_cells(header: list[str], rows: list[list[str]]) -> list[list]:
    """An extract as a workbook would hold it: dates as dates, RT and a plain kelurahan code as numbers."""
    keyed = [dict(zip(header, r, strict=True)) for r in rows]
    date_column, rt_column, code_column = header[6], header[-6], header[-4]
    for row in keyed:
        row[date_column] = datetime.strptime(row[date_column], "%d-%m-%Y")
        row[rt_column] = int(row[rt_column])
        if "." not in row[code_column]:
            row[code_column] = int(row[code_column])
    return [header, *[[row[h] for h in header] for row in keyed]]


@pytest.mark.parametrize("shape", EXTRACT_SHAPES)
def test_each_shape_of_extract_imports_the_same_people(app, dinsos, shape):
    file_format, header_style, sex, code, relation = EXTRACT_SHAPES[shape]
    header, rows = ministry_extract(people=8, rts=(3, 40), header=header_style, sex=sex, code=code,
                                    relation=relation)
    data = csv_bytes(header, rows) if file_format == "csv" else xlsx_bytes(_as_excel_cells(header, rows))
    import_id = uploaded(dinsos, data, f"ekstrak.{file_format}")
    preview = detail(dinsos, import_id)
    assert error_rows(preview) == []
    warnings = 1 + (0 if relation else 8)  # the new RT 040, and each person without a relation
    assert record(app, import_id).counts == {"rows": 8, "tambah": 8, "ubah": 0, "tetap": 0, "galat": 0,
                                             "peringatan": warnings, "rt_baru": 1}
    confirm(dinsos, import_id)
    assert record(app, import_id).status == "diterapkan"
    niks = [extract_nik(r[2]) for r in rows]
    people = people_by_nik(app, niks)
    assert [people[n].sex for n in niks] == ["L", "P", "L", "P"] * 2
    assert [people[n].relation for n in niks] == (["kepala", "pasangan", "anak", "anak"] * 2 if relation
                                                  else ["belum_diketahui"] * 8)
    assert [people[n].rt for n in niks] == [f"{API_API}.003"] * 4 + [f"{API_API}.040"] * 4
    assert [people[n].birth_date for n in niks[:2]] == [date(1970, 1, 1), date(1970, 1, 6)]
    assert all(len(people[n].no_kk) == 16 for n in niks)
    assert rt_areas(app)[f"{API_API}.040"] == (True, "005")


def _mistakes(rows):
    rows[1][EXTRACT_NIK] = "'6474010101"             # row 3: invalid NIK
    rows[4][12] = "64.71.01.1001"                     # row 6: a kelurahan of Balikpapan
    rows[7][EXTRACT_BIRTH] = "31-02-1990"             # row 9: no such date
    rows[10][EXTRACT_BIRTH] = "01-01-2099"            # row 12: born in the future


def test_a_mixed_extract_imports_nothing_and_shows_errors_beside_warnings(app, dinsos):
    header, rows = ministry_extract(people=20)
    _mistakes(rows)
    before, areas_before = registry(app), rt_areas(app)
    import_id = uploaded(dinsos, csv_bytes(header, rows), "dtks-campur.csv")
    preview = detail(dinsos, import_id)
    assert error_rows(preview) == [
        ("3", "NIK", "NIK harus 16 digit angka."),
        ("6", "Kode Kelurahan", "kode kelurahan tidak dikenal di Kota Bontang"),
        ("9", "Tanggal Lahir", "tanggal tidak dikenali; gunakan format 31-12-1990 atau 1990-12-31"),
        ("12", "Tanggal Lahir", "Tanggal lahir tidak boleh di masa depan."),
    ]
    counts = record(app, import_id).counts
    assert (counts["galat"], counts["tambah"], counts["rt_baru"]) == (4, 16, 3)
    assert counts["peringatan"] == 16 + 3
    page = visible(preview)
    assert "Kesalahan (baris tidak dapat dimuat): 4 baris" in page and "Peringatan: 19" in page
    assert "Terapkan ke registri" not in page
    refused = confirm(dinsos, import_id, follow=True)
    assert "Berkas masih memuat 4 baris bermasalah" in " ".join(flashes(refused))
    assert record(app, import_id).status == "pratinjau"
    assert (registry(app), rt_areas(app)) == (before, areas_before)  # no person, no household, no RT


def test_an_rt_that_was_deactivated_is_an_error_not_created_again(app, dinsos):
    with app.app_context():
        db.session.execute(update(Area).where(Area.code == f"{API_API}.003").values(active=False))
        db.session.commit()
    header, rows = ministry_extract(people=4, rts=(3,))
    import_id = uploaded(dinsos, csv_bytes(header, rows), "dtks.csv")
    deactivated = "RT 003 di Kelurahan Api-Api dinonaktifkan; aktifkan lewat Admin > Wilayah"
    assert error_rows(detail(dinsos, import_id)) == [(str(n), "RT", deactivated) for n in (2, 3, 4, 5)]
    assert f"{API_API}.003" in rt_areas(app) and rt_areas(app)[f"{API_API}.003"][0] is False


HOSTILE_NAMES = ('=CMD("calc")', "=cmd|' /C calc'!A0", "@SUM(1+1)", "<script>alert(1)</script>")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_hostile_names_stay_text(app, dinsos, file_format):
    """Formula-like and HTML names are a person's name like any other: stored and shown as the text they are.
    (A real formula cell in a workbook is refused as an error of its cell: its result is never taken.)"""
    header, rows = ministry_extract(people=4)
    for row, name in zip(rows, HOSTILE_NAMES, strict=True):
        row[EXTRACT_NAME] = name
    if file_format == "xlsx":  # openpyxl writes "=..." as a real formula cell: those are refused (see BAD_FILES)
        rows = rows[2:]
        data = xlsx_bytes([header, *rows])
    else:
        data = csv_bytes(header, rows)
    import_id = uploaded(dinsos, data, f"dtks.{file_format}")
    preview = detail(dinsos, import_id)
    assert error_rows(preview) == []
    assert "<script>alert(1)</script>" not in text(preview)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(preview)
    confirm(dinsos, import_id)
    assert record(app, import_id).status == "diterapkan"
    people = people_by_nik(app, [extract_nik(r[EXTRACT_NIK]) for r in rows])
    assert sorted(p.name for p in people.values()) == sorted(r[EXTRACT_NAME] for r in rows)


def test_an_apply_failing_after_it_created_rts_leaves_no_rt_behind(app, dinsos, monkeypatch):
    """The new RTs are written in the apply's one transaction: a failure later in it takes them back too."""
    header, rows = ministry_extract(people=20)
    import_id = uploaded(dinsos, csv_bytes(header, rows), "dtks.csv")
    assert record(app, import_id).counts["rt_baru"] == 3
    before, areas_before = registry(app), rt_areas(app)

    def fail(*_):  # building the people comes after the RTs and households were written
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "person_key", fail)
    confirm(dinsos, import_id)
    assert record(app, import_id).status == "gagal"
    assert (registry(app), rt_areas(app)) == (before, areas_before)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "area.add_rt", AuditEvent.target_id.is_not(None),
                                        AuditEvent.detail["impor"].as_integer() == import_id)) == 0
