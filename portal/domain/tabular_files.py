"""Reading uploaded tables (CSV or XLSX) from outside: messy, sometimes hostile, never trusted.

What a file *is* is decided by its bytes, not its name: an .xlsx is a zip with a workbook inside, a CSV is
text without NUL bytes. Zip bombs are refused from the zip directory before anything is decompressed.
Values come back as stripped strings; Excel dates become ISO dates; a long number Excel stored as a
float (a NIK typed into a number cell loses its last digits) is reported, never silently rounded.
"""
import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from portal.domain.errors import DomainError

MAX_ROWS = 100_000
ZIP_MAX_UNCOMPRESSED = 150 * 1024 * 1024  # a 50,000-row sheet unpacks to about 30 MB
ZIP_MAX_RATIO = 100                       # honest XML compresses 5-20 times; bombs compress thousands
DELIMITERS = (";", ",", "\t")


class FileRefused(DomainError):
    """The whole file is refused; the message says why, in words the uploader can act on."""


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]                       # data rows as text, blank rows left out
    numbers: list[int] = field(default_factory=list)  # each row's number as the file shows it (header = 1)
    cell_errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row number, column) -> reason
    encoding: str = ""
    delimiter: str = ""


def kind_of(data: bytes, filename: str) -> str:
    """"xlsx" or "csv", by content, checked against the name; anything else is refused."""
    name = filename.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    if name.endswith(".xlsx"):
        if not is_zip:
            raise FileRefused("Berkas bernama .xlsx tetapi isinya bukan berkas Excel. Simpan ulang sebagai .xlsx.")
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        if is_zip or b"\x00" in data[:4096]:
            raise FileRefused("Berkas bernama .csv tetapi isinya bukan teks CSV. Simpan ulang sebagai CSV.")
        return "csv"
    if name.endswith(".xls"):
        raise FileRefused("Format .xls (Excel lama) tidak didukung. Simpan ulang sebagai .xlsx atau .csv.")
    raise FileRefused("Gunakan berkas .csv atau .xlsx.")


def read_table(data: bytes, filename: str) -> Table:
    if not data.strip():
        raise FileRefused("Berkas kosong.")
    table = _read_xlsx(data) if kind_of(data, filename) == "xlsx" else _read_csv(data)
    table.header = [h.strip() for h in table.header]
    if not any(table.header):
        raise FileRefused("Baris pertama harus berisi judul kolom.")
    kept = [(i + 2, r) for i, r in enumerate(table.rows) if any(c.strip() for c in r)]  # blank rows are not data
    table.numbers, table.rows = [n for n, _ in kept], [r for _, r in kept]
    if not table.rows:
        raise FileRefused("Berkas hanya berisi judul kolom, tanpa data.")
    if len(table.rows) > MAX_ROWS:
        raise FileRefused(f"Berkas berisi lebih dari {MAX_ROWS:,} baris. Bagi menjadi beberapa berkas."
                          .replace(",", "."))
    return table


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 (BOM)"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise FileRefused("Pengodean huruf berkas tidak dikenali. Simpan ulang sebagai CSV UTF-8.") from None


def _read_csv(data: bytes) -> Table:
    try:
        text, encoding = _decode(data)
    except UnicodeDecodeError:  # a BOM followed by bytes that are not UTF-8
        raise FileRefused("Berkas rusak: ada huruf yang tidak terbaca. Simpan ulang sebagai CSV UTF-8.") from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    if first_line.count(delimiter) == 0:
        raise FileRefused("Kolom tidak terpisah. Gunakan titik koma (;) atau koma (,) sebagai pemisah kolom.")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise FileRefused(f"Berkas CSV rusak: {error}.") from None
    header, *body = rows
    return Table(header, [[c.strip() for c in r] for r in body], encoding=encoding,
                 delimiter={";": "titik koma", ",": "koma", "\t": "tab"}[delimiter])


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRefused("Berkas Excel rusak dan tidak dapat dibuka.") from None
    members = archive.infolist()
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if total > ZIP_MAX_UNCOMPRESSED or total / packed > ZIP_MAX_RATIO:
        raise FileRefused("Isi berkas Excel jauh lebih besar dari ukuran berkasnya (kemungkinan berkas berbahaya). "
                          "Berkas ditolak.")
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise FileRefused("Berkas bernama .xlsx tetapi isinya bukan berkas Excel. Simpan ulang sebagai .xlsx.")


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook  # only when an .xlsx arrives

    _check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 — openpyxl raises many kinds for a broken workbook
        raise FileRefused("Berkas Excel rusak dan tidak dapat dibuka.") from None
    try:
        if len(book.sheetnames) != 1:
            names = ", ".join(book.sheetnames[:5])
            raise FileRefused(f"Berkas berisi {len(book.sheetnames)} lembar kerja ({names}). "
                              "Simpan data di satu lembar saja.")
        table = Table([], [], encoding="XLSX")
        for index, row in enumerate(book.worksheets[0].iter_rows()):
            if index > MAX_ROWS + 1:
                break
            values = []
            for column, cell in enumerate(row):
                text, problem = _cell_text(cell)
                values.append(text)
                if problem and index:
                    table.cell_errors[(index + 1, column)] = problem  # the row number the sheet shows
            if index == 0:
                table.header = values
            else:
                table.rows.append(values)
        return table
    finally:
        book.close()


def _cell_text(cell) -> tuple[str, str]:
    """(text, problem) for one spreadsheet cell."""
    value = getattr(cell, "value", None)
    if value is None:
        return "", ""
    if getattr(cell, "data_type", "") == "f" or (isinstance(value, str) and value.startswith("=")):
        return "", "sel berisi rumus; ketik nilainya saja"
    if isinstance(value, datetime):
        return value.date().isoformat(), ""
    if isinstance(value, date):
        return value.isoformat(), ""
    if isinstance(value, bool):
        return ("ya" if value else "tidak"), ""
    if isinstance(value, int | float) and abs(value) >= 1e15:
        # Excel keeps 15 significant digits: a NIK or No. KK typed into a number cell has lost its last digit.
        return "", ("angka panjang tersimpan sebagai bilangan sehingga digit terakhir hilang; "
                    "simpan kolom ini sebagai teks")
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else str(value)), ""
    return str(value).strip(), ""
