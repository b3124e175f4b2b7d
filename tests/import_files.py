"""Building import files in tests: CSV as Excel writes it, XLSX workbooks, and a zip bomb."""
import csv
import io
import zipfile
from datetime import date

from openpyxl import Workbook


def csv_bytes(header: list[str], rows: list[list[str]], delimiter: str = ";", encoding: str = "utf-8-sig") -> bytes:
    """A CSV file; by default as Excel in an Indonesian locale saves it (semicolons, UTF-8 with BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], extra_sheets: tuple[str, ...] = (), title: str = "Data") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name in extra_sheets:
        book.create_sheet(name).append(["catatan"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb(megabytes: int) -> bytes:
    """A zip that looks like a workbook with one member of `megabytes` MB of zeros. Written in 1 MB chunks
    through zipfile's streaming writer, so building it needs little memory; the result is about 1 KB per MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        chunk = bytes(1024 * 1024)
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(megabytes):
                member.write(chunk)
    return buffer.getvalue()


# --- extracts as the ministry sends them ---------------------------------------------------------------------------

KEYS = ("id_dtks", "id_art", "nik", "no_kk", "name", "birth_place", "birth_date", "sex", "mother_name", "relation",
        "address", "rt", "rw", "kelurahan_code", "desil", "desil_period", "status")
# Header spellings seen in real extracts, column by column (our own sample's spelling is "sample").
HEADERS = {
    "sample": ("ID DTKS", "ID ART", "NIK", "No. KK", "Nama", "Tempat Lahir", "Tanggal Lahir", "Jenis Kelamin",
               "Nama Ibu Kandung", "Hubungan Keluarga", "Alamat", "RT", "RW", "Kode Kelurahan", "Desil",
               "Periode Desil", "Status"),
    "siks": ("IDDTKS", "ID_ART", "NIK", "NOMOR KK", "NAMA", "TEMPAT LAHIR", "TGL LAHIR", "JENIS KELAMIN",
             "NAMA IBU KANDUNG", "HUBUNGAN DENGAN KEPALA KELUARGA", "ALAMAT", "RT", "RW", "KODE DESA",
             "DESIL NASIONAL", "PERIODE", "STATUS KEBERADAAN"),
    "lower": ("id dtks", "id art", "nik", "No KK", "nama lengkap", "tmp lahir", "tgl_lahir", "jk", "nama ibu",
              "shdk", "alamat", "no rt", "no rw", "kode_kelurahan", "desil", "periode desil", "status"),
}
SEX_WRITTEN = {"LP": {"L": "L", "P": "P"}, "12": {"L": "1", "P": "2"}, "words": {"L": "LAKI-LAKI", "P": "PEREMPUAN"}}
RELATION_WRITTEN = ("KEPALA KELUARGA", "ISTRI", "ANAK", "ANAK")
API_API_CODES = {"dotted": "64.74.01.1006", "plain": "6474011006"}


def ministry_extract(people: int = 60, rts: tuple[int, ...] = (1, 2, 5, 12, 27), header: str = "siks",
                     sex: str = "LP", code: str = "dotted", relation: bool = False, apostrophes: bool = True,
                     first_family: int = 0) -> tuple[list[str], list[list[str]]]:
    """A DTKS extract of Kelurahan Api-Api as it comes from the ministry: families of four (head, wife, two
    children) spread over `rts` in turn, every NIK and No. KK new to the demo (serials 1000-1999; the demo uses
    7000-9999). NIKs agree with sex and birth date. `relation=False` leaves the relation column out, as real
    extracts often do; `apostrophes` writes numbers the way Excel's text export does ('6474...)."""
    quote = "'" if apostrophes else ""
    rows = []
    for index in range(people):
        family, member = divmod(index, 4)
        family += first_family
        male = member in (0, 2)
        born = date(1970 + family % 20, 1 + family % 12, 1 + member * 5) if member < 2 else \
            date(2010 + member, 1 + family % 12, 10 + family % 15)
        day = born.day + (0 if male else 40)
        serial = 1000 + family * 4 + member
        nik = f"647401{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
        kk = f"647401{900000 + family:06d}{1000 + family:04d}"
        rt = rts[family % len(rts)]
        id_dtks = f"3374{990000 + family:08d}"
        values = {
            "id_dtks": f"{quote}{id_dtks}", "id_art": f"{quote}{id_dtks}{member + 1:02d}",
            "nik": f"{quote}{nik}", "no_kk": f"{quote}{kk}" if family % 2 else f" {kk} ",
            "name": f"Warga Ekstrak {family:02d}-{member + 1}", "birth_place": "Bontang",
            "birth_date": born.strftime("%d-%m-%Y"), "sex": SEX_WRITTEN[sex]["L" if male else "P"],
            "mother_name": f"Ibu Ekstrak {family:02d}", "relation": RELATION_WRITTEN[member],
            "address": f"Jl. Ekstrak No. {family + 1}", "rt": f"{rt:03d}", "rw": f"{1 + rt // 10:03d}",
            "kelurahan_code": API_API_CODES[code], "desil": str(1 + family % 4), "desil_period": "2026-03",
            "status": "aktif"}
        rows.append([values[k] for k in KEYS if relation or k != "relation"])
    names = [h for k, h in zip(KEYS, HEADERS[header], strict=True) if relation or k != "relation"]
    return names, rows


def extract_nik(cell: str) -> str:
    """The NIK a cell of `ministry_extract` holds, without the apostrophe or spaces."""
    return cell.strip().lstrip("'")
