"""Cells and files written as CSV/XLSX for people who open them in Excel or LibreOffice."""
import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot hold: openpyxl refuses a cell containing one, so they are dropped from XLSX text.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CSV_ROWS_PER_CHUNK = 500
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """A CSV file in pieces of a few hundred rows: a byte-order mark first (Excel then reads UTF-8 correctly),
    comma-separated with RFC 4180 quoting and CRLF line ends, every cell through `safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([safe_cell(c) for c in header])
    for count, row in enumerate(rows, 1):
        writer.writerow([safe_cell(c) for c in row])
        if count % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_cell(value):
    value = safe_cell(value)
    return XLSX_ILLEGAL.sub("", value) if isinstance(value, str) else value


def write_xlsx(target: BinaryIO, sheet_title: str, header: list[str], rows: Iterable[list]) -> None:
    """One sheet (bold header, then the rows) written to `target`. openpyxl's write-only mode keeps only the
    current row in memory, so a city-sized file costs no more memory than a small one."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    bold = Font(bold=True)
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=_xlsx_cell(title))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([_xlsx_cell(c) for c in row])
    workbook.save(target)
