"""What someone opening an exported CSV/XLSX in Excel or LibreOffice gets: cell for cell, no formula run, the
header bold, the sheet named, and a workbook that the strict readers (Excel) accept, not only openpyxl."""
import csv
import io
import zipfile
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from portal.domain.spreadsheet import _column, csv_chunks, safe_cell, write_xlsx

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


# --- safe_cell ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+62812", "-1", "@cmd", "\t=1", "\r=1"])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Siti Aminah", "a=b", "", " =1", "'=1", 5, -1, 2.5, None, True])
def test_other_text_and_every_number_stay_as_they_are(value):
    assert safe_cell(value) == value
    assert type(safe_cell(value)) is type(value)


# --- CSV ----------------------------------------------------------------------------------------------------------

def test_csv_is_excel_friendly_utf8_with_crlf_and_quoting():
    written = "".join(csv_chunks(["NIK", "Nama"], [["6474010101900001", 'Siti "Ani", RT 1'], [5, None]]))
    assert written == ('\ufeffNIK,Nama\r\n6474010101900001,"Siti ""Ani"", RT 1"\r\n5,\r\n')


def test_csv_formulas_in_header_and_rows_are_text():
    written = "".join(csv_chunks(["=H"], [["=1+1"], ["-2"], [-2]]))
    assert list(csv.reader(io.StringIO(written[1:]))) == [["'=H"], ["'=1+1"], ["'-2"], ["-2"]]


def test_csv_comes_in_pieces_of_500_rows_and_loses_none():
    rows = [[f"r{n}"] for n in range(1, 1201)]
    chunks = list(csv_chunks(["h"], rows))
    assert len(chunks) == 3
    assert chunks[0].startswith("\ufeffh\r\nr1\r\n")
    assert chunks[0].endswith("\r\nr500\r\n")
    assert chunks[0].count("\r\n") == 501  # header and 500 rows
    assert chunks[1].startswith("r501\r\n") and chunks[1].count("\r\n") == 500
    assert chunks[2].startswith("r1001\r\n") and chunks[2].endswith("r1200\r\n")
    assert "".join(chunks) == "\ufeffh\r\n" + "".join(f"r{n}\r\n" for n in range(1, 1201))


def test_csv_of_an_exact_chunk_size_is_still_whole():
    chunks = list(csv_chunks(["h"], [["x"]] * 500))
    assert chunks[0].count("\r\n") == 501
    assert "".join(chunks) == "\ufeffh\r\n" + "x\r\n" * 500


def test_csv_with_no_rows_is_the_header_alone():
    assert list(csv_chunks(["NIK", "Nama"], [])) == ["\ufeffNIK,Nama\r\n"]


# --- XLSX ---------------------------------------------------------------------------------------------------------

def _xlsx(header, rows, title="Data") -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, title, header, rows)
    return buffer.getvalue()


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).worksheets[0]


@pytest.mark.parametrize("index, name", [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB"), (51, "AZ"),
                                         (52, "BA"), (701, "ZZ"), (702, "AAA")])
def test_column_letters_as_excel_names_them(index, name):
    assert _column(index) == name


def test_xlsx_reads_back_cell_for_cell_with_types_kept():
    sheet = _sheet(_xlsx(["NIK", "Nama", "Umur", "Skor", "Aktif"],
                         [["6474010101900001", "Siti <Ani> & co", 60, 2.5, True],
                          ["6474010101900002", "=HYPERLINK(1)", -3, 0.0, False]]))
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["NIK", "Nama", "Umur", "Skor", "Aktif"],
        ["6474010101900001", "Siti <Ani> & co", 60, 2.5, "ya"],
        ["6474010101900002", "'=HYPERLINK(1)", -3, 0, "tidak"],
    ]
    assert sheet["A2"].data_type == "s"  # a NIK stays text: no 6.47E+15, no lost digits
    assert sheet["C2"].data_type == "n"


def test_xlsx_header_is_bold_and_the_rows_are_not():
    sheet = _sheet(_xlsx(["NIK", "Nama"], [["1", "Siti"]]))
    assert sheet["A1"].font.b and sheet["B1"].font.b
    assert not sheet["A2"].font.b and not sheet["B2"].font.b


def test_xlsx_cells_sit_in_their_own_columns_and_rows_past_z():
    header = [f"k{i}" for i in range(30)]
    sheet = _sheet(_xlsx(header, [list(range(30)), list(range(100, 130))]))
    assert sheet["Z1"].value == "k25" and sheet["AA1"].value == "k26" and sheet["AD1"].value == "k29"
    assert sheet["AD2"].value == 29 and sheet["AD3"].value == 129
    assert sheet.max_column == 30 and sheet.max_row == 3


def test_xlsx_empty_value_is_no_cell_and_empty_text_is_an_empty_text_cell():
    sheet_xml = zipfile.ZipFile(io.BytesIO(_xlsx(["a", "b", "c"], [[None, "", "x"]]))).read(
        "xl/worksheets/sheet1.xml").decode()
    assert 'r="A2"' not in sheet_xml
    assert '<c r="B2" t="inlineStr"><is><t xml:space="preserve"></t></is></c>' in sheet_xml
    assert '<c r="C2" t="inlineStr"><is><t xml:space="preserve">x</t></is></c>' in sheet_xml
    assert '<c r="A1" s="1" t="inlineStr">' in sheet_xml
    assert '<row r="2"><c r="B2"' in sheet_xml


def test_xlsx_drops_characters_xml_cannot_hold_before_the_formula_check():
    sheet = _sheet(_xlsx(["Nama\x00"], [["\ufffe=1"], ["Siti\x01\x1f\uffff Aminah\x0b"], ["a\tb\nc"]]))
    assert [r[0] for r in sheet.iter_rows(values_only=True)] == ["Nama", "'=1", "Siti Aminah", "a\tb\nc"]


def test_xlsx_keeps_every_row_in_order_across_its_write_batches():
    rows = [[n, f"nama {n}"] for n in range(2500)]
    sheet = load_workbook(io.BytesIO(_xlsx(["No", "Nama"], rows)), read_only=True).worksheets[0]
    read = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert read == rows


@pytest.mark.parametrize("title, shown", [
    ("Rumah tangga", "Rumah tangga"),
    ("A" * 40, "A" * 31),                     # Excel's limit for a sheet name
    ("", "Data"),
    ("\x00\x01", "Data"),                     # nothing left after the illegal characters: the default name
    ('Data "RT" & <1>', 'Data "RT" & <1>'),
])
def test_xlsx_sheet_title(title, shown):
    assert load_workbook(io.BytesIO(_xlsx(["a"], [], title))).sheetnames == [shown]


# Excel (unlike openpyxl) refuses a package whose parts, content types or relationships do not match exactly.
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _xml(book, name):
    return ElementTree.fromstring(book.read(name))


def test_xlsx_package_declares_every_part_with_its_standard_content_type():
    book = zipfile.ZipFile(io.BytesIO(_xlsx(["a"], [["b"]])))
    assert sorted(book.namelist()) == sorted(["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                                              "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                                              "xl/worksheets/sheet1.xml"])
    for name in book.namelist():
        assert book.read(name).startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'), name
    types = _xml(book, "[Content_Types].xml")
    assert types.tag == "{http://schemas.openxmlformats.org/package/2006/content-types}Types"
    defaults = {e.get("Extension"): e.get("ContentType") for e in types if e.tag.endswith("Default")}
    overrides = {e.get("PartName"): e.get("ContentType") for e in types if e.tag.endswith("Override")}
    assert defaults == {"rels": "application/vnd.openxmlformats-package.relationships+xml", "xml": "application/xml"}
    assert overrides == {"/xl/workbook.xml": f"{CT}.sheet.main+xml",
                         "/xl/worksheets/sheet1.xml": f"{CT}.worksheet+xml",
                         "/xl/styles.xml": f"{CT}.styles+xml"}


def _relationships(book, name):
    root = _xml(book, name)
    assert root.tag == "{http://schemas.openxmlformats.org/package/2006/relationships}Relationships"
    return {e.get("Id"): (e.get("Type"), e.get("Target")) for e in root}


def test_xlsx_relationships_point_at_the_workbook_sheet_and_styles():
    book = zipfile.ZipFile(io.BytesIO(_xlsx(["a"], [["b"]])))
    assert _relationships(book, "_rels/.rels") == {"rId1": (f"{REL}/officeDocument", "xl/workbook.xml")}
    assert _relationships(book, "xl/_rels/workbook.xml.rels") == {
        "rId1": (f"{REL}/worksheet", "worksheets/sheet1.xml"), "rId2": (f"{REL}/styles", "styles.xml")}
    workbook = _xml(book, "xl/workbook.xml")
    assert workbook.tag == f"{MAIN}workbook"
    sheet = workbook.find(f"{MAIN}sheets/{MAIN}sheet")
    assert (sheet.get("name"), sheet.get("sheetId"), sheet.get(f"{{{REL}}}id")) == ("Data", "1", "rId1")
    assert _xml(book, "xl/worksheets/sheet1.xml").tag == f"{MAIN}worksheet"


def test_xlsx_styles_counts_match_their_lists_and_style_1_is_bold():
    styles = _xml(zipfile.ZipFile(io.BytesIO(_xlsx(["a"], []))), "xl/styles.xml")
    assert styles.tag == f"{MAIN}styleSheet"
    for list_name, item in [("fonts", "font"), ("fills", "fill"), ("borders", "border"),
                            ("cellStyleXfs", "xf"), ("cellXfs", "xf"), ("cellStyles", "cellStyle")]:
        element = styles.find(f"{MAIN}{list_name}")
        assert int(element.get("count")) == len(element.findall(f"{MAIN}{item}")), list_name
    fonts = styles.findall(f"{MAIN}fonts/{MAIN}font")
    assert fonts[0].find(f"{MAIN}b") is None and fonts[1].find(f"{MAIN}b") is not None
    bold = styles.findall(f"{MAIN}cellXfs/{MAIN}xf")[1]
    assert (bold.get("fontId"), bold.get("applyFont")) == ("1", "1")
    fills = [f.find(f"{MAIN}patternFill").get("patternType") for f in styles.findall(f"{MAIN}fills/{MAIN}fill")]
    assert fills == ["none", "gray125"]  # the two fills Excel reserves
    normal = styles.find(f"{MAIN}cellStyles/{MAIN}cellStyle")
    assert (normal.get("name"), normal.get("xfId"), normal.get("builtinId")) == ("Normal", "0", "0")


def test_xlsx_parts_hold_no_stray_text_outside_cell_text():
    """Text between elements is not allowed by the schemas: Excel reports such a file as damaged (only a
    cell's text <t> and value <v> hold text)."""
    book = zipfile.ZipFile(io.BytesIO(_xlsx(["a", "b"], [["x", 1], ["y", None]] * 1200)))
    for name in book.namelist():
        for element in _xml(book, name).iter():
            if element.tag not in (f"{MAIN}t", f"{MAIN}v"):
                assert not (element.text or "").strip(), (name, element.tag, element.text)
            assert not (element.tail or "").strip(), (name, element.tag, element.tail)


def test_xlsx_is_compressed():
    book = zipfile.ZipFile(io.BytesIO(_xlsx(["NIK"], [["6474010101900001"]] * 3000)))
    assert {info.compress_type for info in book.infolist()} == {zipfile.ZIP_DEFLATED}
    sheet = book.getinfo("xl/worksheets/sheet1.xml")
    assert sheet.compress_size * 10 < sheet.file_size
