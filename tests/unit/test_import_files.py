"""Reading the ministry's files (domain only, no database): what a file is, how its header is matched, and
how dates, cells and rows are read. Every refusal must say, in Bahasa, what the uploader should do."""
import io
import re
import zipfile
from datetime import date

import pytest

from portal.domain import tabular_files
from portal.domain.errors import DomainError
from portal.domain.household import completeness_problems
from portal.domain.import_rows import (
    DTKS_COLUMNS, OUTCOME_COLUMNS, fold, match_header, parse_date, parse_dtks_row, parse_outcome_row,
)
from portal.domain.tabular_files import FileRefused, read_table
from tests.import_files import csv_bytes, xlsx_bytes, zip_bomb

TODAY = date(2026, 11, 27)
DTKS_HEADER = ["ID DTKS", "ID ART", "NIK", "No. KK", "Nama", "Tempat Lahir", "Tanggal Lahir", "Jenis Kelamin",
               "Nama Ibu Kandung", "Hubungan Keluarga", "Alamat", "RT", "RW", "Kode Kelurahan", "Desil",
               "Periode Desil", "Status"]
# The first row of portal/data/import_samples/contoh-dtks.csv (a demo person in Api-Api, RT 001).
DTKS_ROW = ["337400000301", "33740000030101", "6474013003688371", "6474011111128377", "Andi Pattola", "Bontang",
            "30-03-1968", "Laki-laki", "Nur Kartika", "Kepala keluarga", "Gg. Demo Nelayan No. 120", "001", "001",
            "6474011006", "2", "2026-03", "aktif"]
REQUIRED_DTKS = [c.label for c in DTKS_COLUMNS if c.required]
DIGITS_LOST = "digit terakhir hilang"
FORMULA = "sel berisi rumus"


# --- building files ------------------------------------------------------------------------------------------------





def rewrite_member(data: bytes, member: str, change) -> bytes:
    """The same zip with one member's text passed through `change` (to write XML the way Excel does)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, change(content.decode()).encode() if info.filename == member else content)
    return out.getvalue()




def refusal(data: bytes, filename: str) -> str:
    with pytest.raises(FileRefused) as refused:
        read_table(data, filename)
    return refused.value.message


def columns_of(header: list[str], spec=DTKS_COLUMNS) -> dict[str, int]:
    return match_header(header, spec)


# --- header matching -----------------------------------------------------------------------------------------------

def test_shuffled_columns_are_found_by_name():
    shuffled = list(reversed(DTKS_HEADER))
    found = columns_of(shuffled)
    assert found == {c.key: shuffled.index(c.label) for c in DTKS_COLUMNS}


def test_extra_columns_are_ignored():
    header = ["Keterangan", *DTKS_HEADER[:8], "Kolom Tambahan", *DTKS_HEADER[8:], "Nomor HP"]
    found = columns_of(header)
    assert set(found) == {c.key for c in DTKS_COLUMNS}
    assert {header[i] for i in found.values()} == set(DTKS_HEADER)
    assert not {0, 9, len(header) - 1} & set(found.values())


@pytest.mark.parametrize("written, key", [
    ("NO_KK", "no_kk"),
    ("nama_art", "name"),
    ("Nomor KK", "no_kk"),
    ("No Kartu Keluarga", "no_kk"),
    ("IDDTSEN", "id_dtks"),
    ("Tgl Lahir", "birth_date"),
    ("SHDK", "relation"),
    ("KDKEL", "kelurahan_code"),
    ("Desil Nasional", "desil"),
    ("No KTP", "nik"),
])
def test_aliases_name_the_same_column(written, key):
    default = {c.key: c.label for c in DTKS_COLUMNS}
    header = [written if k == key else label for k, label in default.items()]
    assert columns_of(header)[key] == header.index(written)


@pytest.mark.parametrize("written", ["id dtks", "ID_DTKS", "  Id-Dtks  ", "ID.DTKS", "iD  dTkS", "ID/DTKS:"])
def test_case_spaces_and_punctuation_are_folded(written):
    header = [written, *DTKS_HEADER[1:]]
    assert fold(written) == "iddtks"
    assert columns_of(header)["id_dtks"] == 0


def test_each_missing_required_column_is_named():
    header = [h for h in DTKS_HEADER if h not in ("NIK", "Kode Kelurahan", "Desil")]
    with pytest.raises(FileRefused) as refused:
        columns_of(header)
    message = refused.value.message
    assert message.startswith("Kolom wajib tidak ditemukan: ")
    named = message.removeprefix("Kolom wajib tidak ditemukan: ").split(". ")[0].split(", ")
    assert named == ["NIK", "Kode Kelurahan", "Desil"]
    assert "urutan kolom bebas" in message


def test_a_header_with_no_known_column_names_every_required_one():
    with pytest.raises(FileRefused) as refused:
        columns_of(["a", "b", "c"])
    for label in REQUIRED_DTKS:
        assert label in refused.value.message


def test_optional_columns_may_be_absent():
    header = [c.label for c in DTKS_COLUMNS if c.required]
    assert set(columns_of(header)) == {c.key for c in DTKS_COLUMNS if c.required}
    assert set(columns_of(["NIK", "Hasil"], OUTCOME_COLUMNS)) == {"nik", "result"}


def test_outcome_header_missing_the_result_is_refused():
    with pytest.raises(FileRefused, match="Kolom wajib tidak ditemukan: Hasil"):
        columns_of(["NIK", "No. Usulan", "Alasan"], OUTCOME_COLUMNS)


# --- dates ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["2026-11-27", "27-11-2026", "27/11/2026", "27.11.2026", "27 November 2026",
                                     "27 Nov 2026", "27 november 2026", " 27  Nov  2026 ", "27 NOV 2026"])
def test_parse_date_accepts_the_usual_forms(written):
    assert parse_date(written) == date(2026, 11, 27)


@pytest.mark.parametrize("written, expected", [("1-2-1990", date(1990, 2, 1)), ("17 Agustus 1945", date(1945, 8, 17)),
                                               ("5 Mei 2011", date(2011, 5, 5)), ("29-02-2024", date(2024, 2, 29))])
def test_parse_date_reads_day_first_and_indonesian_months(written, expected):
    assert parse_date(written) == expected


@pytest.mark.parametrize("written", ["31-02-1990", "11/27/2026", "27-11-26", "kemarin", "", "29-02-2023",
                                     "27 Novembre 2026", "2026/11/27", "27-11-2026 10:00"])
def test_parse_date_refuses_what_is_impossible_or_ambiguous(written):
    with pytest.raises(DomainError, match="tanggal tidak dikenali"):
        parse_date(written)


# --- CSV -----------------------------------------------------------------------------------------------------------

def test_csv_utf8():
    table = read_table(csv_bytes(DTKS_HEADER, [DTKS_ROW], encoding="utf-8"), "dtks.csv")
    assert (table.header, table.rows, table.encoding, table.delimiter) == (
        DTKS_HEADER, [DTKS_ROW], "UTF-8", "titik koma")


def test_csv_utf8_with_bom_does_not_spoil_the_first_header():
    table = read_table(csv_bytes(DTKS_HEADER, [DTKS_ROW], encoding="utf-8-sig"), "dtks.csv")
    assert table.header[0] == "ID DTKS" and table.encoding == "UTF-8 (BOM)"
    assert columns_of(table.header)["id_dtks"] == 0


@pytest.mark.parametrize("name", ["José Muñoz", "Müller Œuvre", "François d’Arc"])
def test_csv_windows_1252_round_trips(name):
    row = [*DTKS_ROW[:4], name, *DTKS_ROW[5:]]
    data = csv_bytes(DTKS_HEADER, [row], encoding="cp1252")
    assert data != csv_bytes(DTKS_HEADER, [row])  # really not UTF-8
    table = read_table(data, "dtks.csv")
    assert table.encoding == "Windows-1252"
    assert table.rows[0][4] == name


@pytest.mark.parametrize("delimiter, label", [(";", "titik koma"), (",", "koma"), ("\t", "tab")])
def test_csv_separators(delimiter, label):
    row = [*DTKS_ROW[:10], "Jl. Mawar, No. 4; belakang masjid", *DTKS_ROW[11:]]
    table = read_table(csv_bytes(DTKS_HEADER, [row, DTKS_ROW], delimiter=delimiter), "dtks.csv")
    assert table.delimiter == label
    assert table.rows == [row, DTKS_ROW]


def test_csv_without_any_separator_is_refused():
    assert "titik koma (;) atau koma (,)" in refusal(b"NIK\n6474013003688371\n", "dtks.csv")


def test_csv_cells_are_stripped_and_blank_lines_are_not_rows():
    data = b"NIK ; Nama \r\n 6474013003688371 ;  Andi \r\n\r\n;\r\n6474015811858372;Hasnah\r\n"
    table = read_table(data, "dtks.csv")
    assert table.header == ["NIK", "Nama"]
    assert table.rows == [["6474013003688371", "Andi"], ["6474015811858372", "Hasnah"]]


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n  ", b"\n"])
def test_empty_file_is_refused(data):
    assert refusal(data, "dtks.csv") == "Berkas kosong."


@pytest.mark.parametrize("data", [csv_bytes(DTKS_HEADER, []), csv_bytes(DTKS_HEADER, [[""] * 17, [" "] * 17])])
def test_header_only_is_refused(data):
    assert "hanya berisi judul kolom" in refusal(data, "dtks.csv")


def test_a_first_line_without_headers_is_refused():
    assert "Baris pertama harus berisi judul kolom" in refusal(b";;\r\n1;2;3\r\n", "dtks.csv")


# --- what a file is, by its content ----------------------------------------------------------------------------------

def test_a_zip_named_csv_is_refused():
    assert "bukan teks CSV" in refusal(xlsx_bytes([DTKS_HEADER, DTKS_ROW]), "dtks.csv")


def test_binary_named_csv_is_refused():
    assert "bukan teks CSV" in refusal(csv_bytes(DTKS_HEADER, [DTKS_ROW], encoding="utf-16"), "dtks.csv")


def test_text_named_xlsx_is_refused():
    message = refusal(csv_bytes(DTKS_HEADER, [DTKS_ROW]), "dtks.xlsx")
    assert "bukan berkas Excel" in message and "Simpan ulang sebagai .xlsx" in message


def test_a_zip_without_a_workbook_named_xlsx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<document/>")
    assert "bukan berkas Excel" in refusal(buffer.getvalue(), "dtks.xlsx")


def test_a_truncated_xlsx_is_refused():
    data = xlsx_bytes([DTKS_HEADER, DTKS_ROW])
    assert "rusak" in refusal(data[: len(data) // 2], "dtks.xlsx")


@pytest.mark.parametrize("filename", ["dtks.xls", "DTKS.XLS"])
def test_old_excel_xls_is_refused(filename):
    message = refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), filename)
    assert ".xls (Excel lama) tidak didukung" in message


@pytest.mark.parametrize("filename", ["dtks.pdf", "dtks", "dtks.ods"])
def test_other_names_are_refused(filename):
    assert refusal(csv_bytes(DTKS_HEADER, [DTKS_ROW]), filename) == "Gunakan berkas .csv atau .xlsx."


def test_upper_case_extensions_are_read():
    assert read_table(csv_bytes(DTKS_HEADER, [DTKS_ROW]), "DTKS.CSV").rows == [DTKS_ROW]
    assert read_table(xlsx_bytes([DTKS_HEADER, DTKS_ROW]), "DTKS.XLSX").rows == [DTKS_ROW]


# --- XLSX ------------------------------------------------------------------------------------------------------------

def test_xlsx_reads_text_cells():
    table = read_table(xlsx_bytes([DTKS_HEADER, DTKS_ROW]), "dtks.xlsx")
    assert (table.header, table.rows, table.encoding) == (DTKS_HEADER, [DTKS_ROW], "XLSX")
    assert table.cell_errors == {}


def test_xlsx_dates_and_small_numbers_become_text():
    row = [*DTKS_ROW[:6], date(1968, 3, 30), *DTKS_ROW[7:11], 1, 1, 6474011006, 2, "2026-03", "aktif"]
    table = read_table(xlsx_bytes([DTKS_HEADER, row]), "dtks.xlsx")
    assert table.rows[0][6] == "1968-03-30"
    assert table.rows[0][11:15] == ["1", "1", "6474011006", "2"]
    assert table.cell_errors == {}


def test_xlsx_with_two_sheets_is_refused_naming_them():
    message = refusal(xlsx_bytes([DTKS_HEADER, DTKS_ROW], extra_sheets=("Catatan",)), "dtks.xlsx")
    assert "2 lembar kerja (Data, Catatan)" in message and "satu lembar saja" in message


def test_xlsx_formula_is_an_error_of_its_cell_not_of_the_file():
    formula_row = [*DTKS_ROW[:4], '=CONCAT("An","di")', *DTKS_ROW[5:]]
    other = [*DTKS_ROW[:2], "6474015811858372", *DTKS_ROW[3:]]
    table = read_table(xlsx_bytes([DTKS_HEADER, other, formula_row, other]), "dtks.xlsx")
    assert len(table.rows) == 3
    assert table.cell_errors == {(3, 4): "sel berisi rumus; ketik nilainya saja"}  # (row as the sheet shows it, column)
    assert table.rows[1][4] == ""  # the formula text is never taken as the value


def test_xlsx_nik_stored_as_a_float_is_an_error_about_lost_digits():
    """Excel keeps 15 significant digits: 6474013003688371 typed into a number cell is stored as
    6.47401300368837E+15. That must be an error of that cell, never a silently rounded NIK."""
    row = [*DTKS_ROW[:2], 6474013003688370.0, *DTKS_ROW[3:]]
    data = rewrite_member(xlsx_bytes([DTKS_HEADER, row, DTKS_ROW]), "xl/worksheets/sheet1.xml",
                          lambda xml: xml.replace("<v>6474013003688370</v>", "<v>6.47401300368837E+15</v>"))
    table = read_table(data, "dtks.xlsx")
    assert table.rows[0][2] == ""
    assert DIGITS_LOST in table.cell_errors[(2, 2)] and "simpan kolom ini sebagai teks" in table.cell_errors[(2, 2)]
    assert (3, 2) not in table.cell_errors and table.rows[1][2] == "6474013003688371"


def test_xlsx_nik_in_a_number_cell_without_exponent_is_also_an_error():
    row = [*DTKS_ROW[:2], 6474013003688370.0, *DTKS_ROW[3:]]
    table = read_table(xlsx_bytes([DTKS_HEADER, row]), "dtks.xlsx")
    assert DIGITS_LOST in table.cell_errors.get((2, 2), "")


def test_xlsx_cell_error_stays_on_its_row_below_a_blank_row():
    formula_row = [*DTKS_ROW[:4], "=1+1", *DTKS_ROW[5:]]
    table = read_table(xlsx_bytes([DTKS_HEADER, DTKS_ROW, [None] * 17, formula_row, DTKS_ROW]), "dtks.xlsx")
    assert len(table.rows) == 3 and table.numbers == [2, 4, 5]
    assert table.cell_errors == {(4, 4): "sel berisi rumus; ketik nilainya saja"}


def test_zip_bomb_named_xlsx_is_refused_before_decompression(monkeypatch):
    bomb = zip_bomb(200)
    assert len(bomb) < 1024 * 1024  # 200 MB of zeros packs into a few hundred KB
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *a, **k: opened.append(name)
                        or real_open(self, name, *a, **k))
    message = refusal(bomb, "dtks.xlsx")
    assert "kemungkinan berkas berbahaya" in message
    assert opened == []  # refused from the zip directory alone


def test_a_zip_that_unpacks_too_many_times_its_size_is_refused():
    """Under the absolute limit (150 MB) but compressed a thousand times: refused by the ratio."""
    assert "kemungkinan berkas berbahaya" in refusal(zip_bomb(20), "dtks.xlsx")


def test_an_honest_workbook_passes_the_zip_checks():
    rows = [DTKS_HEADER] + [[*DTKS_ROW[:4], f"Warga {i}", *DTKS_ROW[5:]] for i in range(2000)]
    table = read_table(xlsx_bytes(rows), "dtks.xlsx")
    assert len(table.rows) == 2000


# --- row limit -------------------------------------------------------------------------------------------------------

def test_more_than_max_rows_is_refused(monkeypatch):
    monkeypatch.setattr(tabular_files, "MAX_ROWS", 3)
    assert len(read_table(csv_bytes(DTKS_HEADER, [DTKS_ROW] * 3), "dtks.csv").rows) == 3
    message = refusal(csv_bytes(DTKS_HEADER, [DTKS_ROW] * 4), "dtks.csv")
    assert message == "Berkas berisi lebih dari 3 baris. Bagi menjadi beberapa berkas."
    assert "lebih dari 3 baris" in refusal(xlsx_bytes([DTKS_HEADER] + [DTKS_ROW] * 10), "dtks.xlsx")
    assert len(read_table(xlsx_bytes([DTKS_HEADER] + [DTKS_ROW] * 3), "dtks.xlsx").rows) == 3


def test_the_row_limit_is_written_the_indonesian_way(monkeypatch):
    monkeypatch.setattr(tabular_files, "MAX_ROWS", 1_000)
    message = refusal(csv_bytes(["NIK", "Nama"], [["1", "a"]] * 1_001), "dtks.csv")
    assert "lebih dari 1.000 baris" in message


# --- rows ------------------------------------------------------------------------------------------------------------

def test_a_valid_dtks_row_is_parsed():
    row, errors = parse_dtks_row(2, DTKS_ROW, columns_of(DTKS_HEADER), TODAY)
    assert errors == []
    assert row.values == {
        "id_dtks": "337400000301", "id_art": "33740000030101", "nik": "6474013003688371",
        "no_kk": "6474011111128377", "name": "Andi Pattola", "birth_place": "Bontang",
        "birth_date": date(1968, 3, 30), "sex": "L", "mother_name": "Nur Kartika", "relation": "kepala",
        "address": "Gg. Demo Nelayan No. 120", "rt": 1, "rw": "001", "kelurahan_code": "6474011006", "desil": 2,
        "desil_period": "2026-03", "status": "aktif"}


def test_every_bad_cell_of_a_dtks_row_is_reported_with_its_column():
    bad = [*DTKS_ROW]
    bad[2], bad[3], bad[6], bad[7], bad[14], bad[4] = "6474010101", "12", "31-02-1990", "X", "11", ""
    row, errors = parse_dtks_row(7, bad, columns_of(DTKS_HEADER), TODAY)
    assert row is None
    assert {(e.row, e.column) for e in errors} == {(7, "NIK"), (7, "No. KK"), (7, "Tanggal Lahir"),
                                                   (7, "Jenis Kelamin"), (7, "Desil"), (7, "Nama")}
    reasons = {e.column: e.reason for e in errors}
    assert reasons["NIK"] == "NIK harus 16 digit angka."
    assert reasons["Nama"] == "wajib diisi"
    assert reasons["Desil"] == "desil harus angka 1 sampai 10"


def test_dtks_kelurahan_code_with_dots_and_desil_prefix_are_read():
    values = [*DTKS_ROW[:13], "64.74.01.1006", "Desil 3", *DTKS_ROW[15:]]
    row, errors = parse_dtks_row(2, values, columns_of(DTKS_HEADER), TODAY)
    assert errors == [] and (row.values["kelurahan_code"], row.values["desil"]) == ("6474011006", 3)


def test_outcome_rows():
    columns = columns_of(["NIK", "No. Usulan", "Hasil", "Alasan"], OUTCOME_COLUMNS)
    row, errors = parse_outcome_row(2, ["6474013107697005", "#2", "Ditetapkan", ""], columns, TODAY)
    assert errors == [] and row.values == {"nik": "6474013107697005", "proposal_id": 2, "accepted": True,
                                           "reason": ""}
    row, errors = parse_outcome_row(3, ["6474013107697005", "2", "Ditolak", "Data ganda di DTSEN"], columns, TODAY)
    assert errors == [] and row.values["accepted"] is False


def test_outcome_refused_without_a_reason_is_a_row_error():
    columns = columns_of(["NIK", "Hasil", "Alasan"], OUTCOME_COLUMNS)
    row, errors = parse_outcome_row(4, ["6474013107697005", "Ditolak", " pendek "], columns, TODAY)
    assert row is None
    assert [(e.row, e.column) for e in errors] == [(4, "Alasan")]
    assert "alasan penolakan wajib diisi" in errors[0].reason


def test_outcome_unknown_result_and_bad_number_are_row_errors():
    columns = columns_of(["NIK", "No. Usulan", "Hasil"], OUTCOME_COLUMNS)
    row, errors = parse_outcome_row(5, ["", "dua", "mungkin"], columns, TODAY)
    assert row is None
    assert {e.column: e.reason for e in errors} == {"NIK": "wajib diisi", "No. Usulan": "nomor usulan harus angka",
                                                    "Hasil": "isi Ditetapkan atau Ditolak"}


def test_refusal_messages_are_indonesian():
    """No English leaks into what the uploader reads."""
    messages = [refusal(b"", "a.csv"), refusal(b"x", "a.xls"), refusal(b"x", "a.xlsx"),
                refusal(xlsx_bytes([["a"]]), "a.csv"), refusal(zip_bomb(20), "a.xlsx")]
    for message in messages:
        assert not re.search(r"\b(file|error|invalid|the|not)\b", message, re.I), message


# --- extracts as the ministry sends them ---------------------------------------------------------------------------

@pytest.mark.parametrize("written, key", [
    ("No KK", "no_kk"), ("No. KK", "no_kk"), ("NOMOR KK", "no_kk"), ("Nomor Kartu Keluarga", "no_kk"),
    ("IDDTKS", "id_dtks"), ("ID_ART", "id_art"), ("NAMA LENGKAP", "name"), ("TMP LAHIR", "birth_place"),
    ("TGL_LAHIR", "birth_date"), ("JENIS KELAMIN", "sex"), ("JK", "sex"), ("NAMA IBU", "mother_name"),
    ("HUBUNGAN DENGAN KEPALA KELUARGA", "relation"), ("ALAMAT LENGKAP", "address"), ("NO RT", "rt"),
    ("RT/RW", "rt"), ("KODE DESA", "kelurahan_code"), ("Kode Wilayah", "kelurahan_code"),
    ("kode_kelurahan", "kelurahan_code"), ("DESIL NASIONAL", "desil"), ("PERIODE", "desil_period"),
    ("STATUS KEBERADAAN", "status"),
])
def test_header_spellings_of_real_extracts(written, key):
    default = {c.key: c.label for c in DTKS_COLUMNS}
    header = [written if k == key else label for k, label in default.items()]
    assert columns_of(header)[key] == header.index(written)


def dtks_row(**changes) -> list[str]:
    row = dict(zip(DTKS_HEADER, DTKS_ROW, strict=True)) | changes
    return [row[h] for h in DTKS_HEADER]


def parsed(values: list[str], header: list[str] = DTKS_HEADER):
    return parse_dtks_row(2, values, columns_of(header), TODAY)


@pytest.mark.parametrize("written, sex", [
    ("L", "L"), ("P", "P"), ("l", "L"), ("1", "L"), ("2", "P"), ("LAKI-LAKI", "L"), ("Laki laki", "L"),
    ("PEREMPUAN", "P"), ("Pria", "L"), ("WANITA", "P"), ("Lk", "L"), ("Pr", "P"),
])
def test_sex_as_letters_numbers_or_words(written, sex):
    row, errors = parsed(dtks_row(**{"Jenis Kelamin": written}))
    assert errors == [] and row.values["sex"] == sex


def test_an_unreadable_sex_is_an_error_naming_the_accepted_forms():
    row, errors = parsed(dtks_row(**{"Jenis Kelamin": "3"}))
    assert row is None and errors[0].reason == "isi L atau P (atau 1/2, Laki-laki/Perempuan)"


@pytest.mark.parametrize("nik, kk", [
    ("'6474013003688371", "'6474011111128377"), (" 6474013003688371 ", " 6474011111128377"),
    ("6474 0130 0368 8371", "64.74.01.1111.12.8377"), ('"6474013003688371"', "’6474011111128377"),
])
def test_nik_and_kk_as_text_with_apostrophes_quotes_or_spaces(nik, kk):
    row, errors = parsed(dtks_row(NIK=nik, **{"No. KK": kk}))
    assert errors == [] and (row.values["nik"], row.values["no_kk"]) == ("6474013003688371", "6474011111128377")


@pytest.mark.parametrize("written", ["64.74.01.1006", "6474011006", "'6474011006", " 64.74.01.1006 ", "Api-Api",
                                     "KELURAHAN API-API"])
def test_kelurahan_code_with_or_without_dots_or_by_name(written):
    row, errors = parsed(dtks_row(**{"Kode Kelurahan": written}))
    assert errors == []
    assert row.values["kelurahan_code"] in ("6474011006", "apiapi")


@pytest.mark.parametrize("written, rt, rw", [("001", 1, "001"), ("RT 005", 5, "001"), ("'12", 12, "001"),
                                             ("RT. 027", 27, "001")])
def test_rt_numbers_as_written(written, rt, rw):
    row, errors = parsed(dtks_row(RT=written))
    assert errors == [] and (row.values["rt"], row.values["rw"]) == (rt, rw)


def test_a_combined_rt_rw_column_gives_both():
    header = [h for h in DTKS_HEADER if h != "RW"]
    header[header.index("RT")] = "RT/RW"
    values = [v for h, v in zip(DTKS_HEADER, dtks_row(RT="005/002"), strict=True) if h != "RW"]
    row, errors = parsed(values, header)
    assert errors == [] and (row.values["rt"], row.values["rw"]) == (5, "002")


def test_no_relation_column_is_a_warning_and_stored_unknown():
    header = [h for h in DTKS_HEADER if h != "Hubungan Keluarga"]
    values = [v for h, v in zip(DTKS_HEADER, DTKS_ROW, strict=True) if h != "Hubungan Keluarga"]
    row, errors = parsed(values, header)
    assert errors == [] and row.values["relation"] == "belum_diketahui"
    assert [(w.row, w.column, w.reason) for w in row.warnings] == [
        (2, "Hubungan Keluarga", "kolom tidak ada di berkas; dicatat “Belum diketahui”, dilengkapi oleh RT")]


@pytest.mark.parametrize("written, problem", [("", "kosong"), ("Saudara sepupu", "“Saudara sepupu” tidak dikenali"),
                                              ("3", "“3” tidak dikenali"),
                                              ("Belum diketahui", "masih belum diketahui")])
def test_an_empty_or_unknown_relation_is_a_warning_not_an_error(written, problem):
    row, errors = parsed(dtks_row(**{"Hubungan Keluarga": written}))
    assert errors == [] and row.values["relation"] == "belum_diketahui"
    assert row.warnings[0].reason.startswith(problem + "; dicatat “Belum diketahui”")


@pytest.mark.parametrize("written, relation", [
    ("KEPALA KELUARGA", "kepala"), ("Kepala Rumah Tangga", "kepala"), ("ISTRI", "pasangan"), ("Suami", "pasangan"),
    ("Istri / suami", "pasangan"), ("ANAK", "anak"), ("Anak Kandung", "anak"), ("MENANTU", "menantu"),
    ("Cucu", "cucu"), ("ORANG TUA", "orang_tua"), ("Mertua", "mertua"), ("FAMILI LAIN", "famili_lain"),
    ("Pembantu", "lainnya"), ("Lainnya", "lainnya"),
])
def test_relations_as_extracts_write_them(written, relation):
    row, errors = parsed(dtks_row(**{"Hubungan Keluarga": written}))
    assert errors == [] and row.values["relation"] == relation and row.warnings == []


@pytest.mark.parametrize("written, reason", [
    ("01-01-2027", "Tanggal lahir tidak boleh di masa depan."),
    ("28-11-2026", "Tanggal lahir tidak boleh di masa depan."),
    ("31-12-1899", "Tanggal lahir tidak masuk akal: umur lebih dari 120 tahun."),
    ("27-11-1905", "Tanggal lahir tidak masuk akal: umur lebih dari 120 tahun."),  # 121 on TODAY
    ("1968/03/30", "tanggal tidak dikenali; gunakan format 31-12-1990 atau 1990-12-31"),
])
def test_future_old_and_unreadable_birth_dates_are_errors(written, reason):
    row, errors = parsed(dtks_row(**{"Tanggal Lahir": written}))
    assert row is None and [(e.column, e.reason) for e in errors] == [("Tanggal Lahir", reason)]


@pytest.mark.parametrize("written", ["27-11-2026", "1968-03-30 00:00:00", "1968-03-30T00:00:00", "30-03-1968 00:00"])
def test_today_and_dates_with_a_midnight_time_are_read(written):
    row, errors = parsed(dtks_row(**{"Tanggal Lahir": written}))
    assert errors == [] and row.values["birth_date"] in (TODAY, date(1968, 3, 30))


def test_an_invalid_nik_is_still_an_error_behind_an_apostrophe():
    row, errors = parsed(dtks_row(NIK="'6474010101"))
    assert row is None and errors[0].reason == "NIK harus 16 digit angka."


def test_hostile_names_stay_text():
    for name in ('=CMD("calc")', "@SUM(1+1)", "<b>Andi</b>", "+62 811"):
        row, errors = parsed(dtks_row(Nama=name))
        assert errors == [] and row.values["name"] == name


def test_outcome_nik_behind_an_apostrophe():
    columns = columns_of(["NIK", "Hasil"], OUTCOME_COLUMNS)
    row, errors = parse_outcome_row(2, ["'6474013107697005", "Ditetapkan"], columns, TODAY)
    assert errors == [] and row.values["nik"] == "6474013107697005"


def test_a_member_still_unknown_keeps_a_proposal_in_draft():
    """The RT completes what the import could not know: "belum diketahui" counts as not filled in."""
    member = {"name": "Andi", "nik": "6474013003688371", "birth_place": "Bontang", "birth_date": "1968-03-30",
              "sex": "L", "relation": "belum_diketahui", "marital_status": "kawin", "mother_name": "Nur"}
    problems = completeness_problems({"household": {"address": "Jl. Demo"}, "members": [member]}, TODAY)
    assert any("hubungan keluarga belum diisi" in p for p in problems)
    assert not any("hubungan keluarga" in p for p in completeness_problems(
        {"household": {"address": "Jl. Demo"}, "members": [member | {"relation": "kepala"}]}, TODAY))
