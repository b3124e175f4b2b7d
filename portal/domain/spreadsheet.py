"""Cells and files written as CSV/XLSX for people who open them in Excel or LibreOffice."""
import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import zipfile
from xml.sax.saxutils import escape

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot hold: openpyxl refuses a cell containing one, so they are dropped from XLSX text.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
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


def write_xlsx(target: BinaryIO, sheet_title: str, header: list[str], rows: Iterable[list]) -> None:
    """One sheet (bold header, then the rows) streamed into `target` as a minimal Office Open XML workbook.

    Written by hand rather than through openpyxl: openpyxl spends ~15 s per 50,000 rows building cell objects,
    this writes each row as one string straight into the zip (flat memory, a few seconds). Text is stored
    inline (no shared-strings table), numbers as numbers; Excel, LibreOffice and openpyxl read it."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as book:
        for name, xml in _xlsx_parts(sheet_title).items():
            book.writestr(name, xml)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
                        + MAIN_NS + b'"><sheetData>')
            sheet.write(_xlsx_row(1, header, style=' s="1"').encode("utf-8"))
            buffer = []
            for number, row in enumerate(rows, start=2):
                buffer.append(_xlsx_row(number, row))
                if len(buffer) == 1000:
                    sheet.write("".join(buffer).encode("utf-8"))
                    buffer.clear()
            sheet.write("".join(buffer).encode("utf-8") + b"</sheetData></worksheet>")


MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _xlsx_row(number: int, values: list, style: str = "") -> str:
    cells = []
    for i, value in enumerate(values):
        ref = f"{_column(i)}{number}"
        if value is None:
            continue  # no value, no cell (text that is empty stays an empty text cell)
        if isinstance(value, bool):
            value = "ya" if value else "tidak"
        if isinstance(value, int | float):
            cells.append(f'<c r="{ref}"{style}><v>{value}</v></c>')
        else:
            text = escape(safe_cell(XLSX_ILLEGAL.sub("", str(value))))  # dropped first: "\ufffe=1" is a formula too
            cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def _xlsx_parts(sheet_title: str) -> dict[str, str]:
    title = escape(XLSX_ILLEGAL.sub("", sheet_title)[:31] or "Data", {'"': "&quot;"})
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006"
    doc = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{pkg}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{doc}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{doc}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{doc}.styles+xml"/></Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{pkg}/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN_NS.decode()}" '
            f'xmlns:r="{rel}"><sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{pkg}/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN_NS.decode()}">'
            '<fonts count="2"><font/><font><b/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf/><xf fontId="1" applyFont="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
    }
