"""Building import files in tests: CSV as Excel writes it, XLSX workbooks, and a zip bomb."""
import csv
import io
import zipfile

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
