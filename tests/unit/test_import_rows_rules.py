"""The limits of one row of a ministry extract, checked exactly: the boundaries of each number, how long each
text may be, and each message with the row number the user looks up (portal/domain/import_rows.py)."""
import pytest

from portal.domain.errors import DomainError
from portal.domain.import_rows import (
    DTKS_COLUMNS, OUTCOME_COLUMNS, RowError, fold, match_header, new_rt_warning, number_text, parse_dtks_row,
    parse_outcome_row, relation_warning,
)
from portal.domain.tabular_files import FileRefused
from tests.unit.test_import_files import DTKS_HEADER, TODAY, dtks_row

COLUMNS = match_header(DTKS_HEADER, DTKS_COLUMNS)
OUTCOME = match_header(["NIK", "No. Usulan", "Hasil", "Alasan"], OUTCOME_COLUMNS)
NIK = "6474013107697005"


def _dtks(**changes):
    return parse_dtks_row(9, dtks_row(**changes), COLUMNS, TODAY)


def _error(**changes) -> RowError:
    row, errors = _dtks(**changes)
    assert row is None and len(errors) == 1
    return errors[0]


def test_a_parsed_row_keeps_its_row_number():
    row, errors = _dtks()
    assert errors == [] and row.row == 9 and row.warnings == []


def test_missing_required_columns_are_named_in_one_message():
    with pytest.raises(FileRefused) as refused:
        match_header(["NIK", "Nama"], DTKS_COLUMNS)
    assert refused.value.message == (
        "Kolom wajib tidak ditemukan: ID DTKS, ID ART, No. KK, Alamat, Kode Kelurahan, Desil, Periode Desil. "
        "Periksa judul kolom di baris pertama (urutan kolom bebas, kolom lain diabaikan).")


def test_fold_of_a_missing_header_is_empty():
    assert fold(None) == "" and fold(" No. K-K ") == "nokk"


@pytest.mark.parametrize("written, desil", [("1", 1), ("10", 10), ("Desil 10", 10), ("desil1", 1)])
def test_desil_from_1_to_10(written, desil):
    assert _dtks(Desil=written)[0].values["desil"] == desil


@pytest.mark.parametrize("written", ["0", "11", "١", "-1", "2.5"])
def test_desil_outside_1_to_10_is_an_error(written):
    assert _error(Desil=written) == RowError(9, "Desil", "desil harus angka 1 sampai 10")


@pytest.mark.parametrize("written, rt", [("1", 1), ("001", 1), ("999", 999), ("RT 010", 10), ("rt.7", 7)])
def test_rt_from_1_to_999(written, rt):
    assert _dtks(RT=written)[0].values["rt"] == rt


@pytest.mark.parametrize("written", ["0", "000", "1000", "satu", "٣", "RT"])
def test_rt_outside_1_to_999_is_an_error(written):
    assert _error(RT=written) == RowError(9, "RT", "nomor RT harus angka 1 sampai 999")


@pytest.mark.parametrize("column, key, limit", [
    ("ID DTKS", "id_dtks", 40), ("ID ART", "id_art", 40), ("Nama", "name", 100), ("Tempat Lahir", "birth_place", 100),
    ("Nama Ibu Kandung", "mother_name", 100), ("Alamat", "address", 200), ("RW", "rw", 3),
    ("Periode Desil", "desil_period", 20), ("Status", "status", 20),
])
def test_each_text_is_cut_to_its_column_length(column, key, limit):
    assert _dtks(**{column: "7" * (limit + 5)})[0].values[key] == "7" * limit


def test_status_is_folded_to_lower_case():
    assert _dtks(Status="AKTIF")[0].values["status"] == "aktif"


def test_a_row_shorter_than_the_header_reads_the_missing_cells_as_empty():
    row, errors = parse_dtks_row(3, dtks_row()[:16], COLUMNS, TODAY)  # the last column (Status) is missing
    assert errors == [] and "status" not in row.values


def test_a_relation_cell_filled_and_empty():
    assert _dtks(**{"Hubungan Keluarga": "Anak"})[0].values["relation"] == "anak"
    row, _ = _dtks(**{"Hubungan Keluarga": ""})
    assert row.values["relation"] == "belum_diketahui"
    assert row.warnings == [RowError(9, "Hubungan Keluarga", "kosong; dicatat “Belum diketahui”, dilengkapi oleh RT")]


@pytest.mark.parametrize("text, has_column, reason", [
    ("", False, "kolom tidak ada di berkas"),
    ("", True, "kosong"),
    ("Belum diketahui", True, "masih belum diketahui"),
    ("BELUM-DIKETAHUI", True, "masih belum diketahui"),
    ("Saudara " + "x" * 50, True, "“Saudara " + "x" * 32 + "” tidak dikenali"),
])
def test_relation_warnings(text, has_column, reason):
    assert relation_warning(4, text, has_column) == RowError(
        4, "Hubungan Keluarga", f"{reason}; dicatat “Belum diketahui”, dilengkapi oleh RT")


def test_new_rt_warning():
    assert new_rt_warning(12, 7, "Api-Api", 3) == RowError(
        12, "RT", "RT 007 belum terdaftar di Kelurahan Api-Api; dibuat saat diterapkan (3 warga baru)")


@pytest.mark.parametrize("written, number", [
    ("'6474", "6474"), ("’6474", "6474"), ("`6474", "6474"), ('"6474"', "6474"), (" ' 6474 ", "6474"),
    ("X6474", "X6474"), ("6474'", "6474'"),
])
def test_number_text_drops_only_excels_text_markers(written, number):
    assert number_text(written) == number


# --- the ministry's outcome file -----------------------------------------------------------------------------------

def _outcome(*cells):
    return parse_outcome_row(6, list(cells), OUTCOME, TODAY)


def test_outcome_row_keeps_its_number_and_values():
    row, errors = _outcome(f"'{NIK}", "#123456789", "Disetujui", "")
    assert errors == [] and row.row == 6
    assert row.values == {"nik": NIK, "proposal_id": 123456789, "accepted": True, "reason": ""}


def test_outcome_proposal_number_of_ten_digits_or_other_text_is_an_error():
    for written in ("1234567890", "#x1", "1 2", "١"):
        row, errors = _outcome(NIK, written, "Ditetapkan", "")
        assert row is None and errors == [RowError(6, "No. Usulan", "nomor usulan harus angka")], written


def test_outcome_errors_carry_the_row_number():
    row, errors = _outcome("123", "", "entah", "")
    assert row is None and errors == [RowError(6, "NIK", "NIK harus 16 digit angka."),
                                      RowError(6, "Hasil", "isi Ditetapkan atau Ditolak")]


@pytest.mark.parametrize("reason, ok", [("a" * 9, False), ("a" * 10, True), ("  abcde  fghij ", True)])
def test_a_refusal_reason_needs_ten_characters(reason, ok):
    row, errors = _outcome(NIK, "", "Ditolak", reason)
    if ok:
        assert errors == [] and row.values["accepted"] is False
    else:
        assert row is None and errors == [
            RowError(6, "Alasan", "alasan penolakan wajib diisi (minimal 10 karakter)")]


def test_outcome_reason_is_kept_to_500_characters():
    assert _outcome(NIK, "", "Ditolak", "a" * 600)[0].values["reason"] == "a" * 500


def test_outcome_accepted_and_refused_words():
    for word in ("ditetapkan", "DITERIMA", "setuju", "Ya"):
        assert _outcome(NIK, "", word, "")[0].values["accepted"] is True
    for word in ("tolak", "TIDAK"):
        assert _outcome(NIK, "", word, "alasan cukup panjang")[0].values["accepted"] is False


def test_date_parse_error_is_the_one_message():
    from portal.domain.import_rows import parse_date
    with pytest.raises(DomainError) as error:
        parse_date("31-02-1990")
    assert error.value.message == "tanggal tidak dikenali; gunakan format 31-12-1990 atau 1990-12-31"
