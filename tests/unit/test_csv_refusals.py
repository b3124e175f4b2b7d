"""Every refusal of an uploaded CSV, word for word, and what decides its separator and encoding
(portal/domain/tabular_files.py)."""
import pytest

from portal.domain.tabular_files import FileRefused, read_table


def _refusal(data: bytes, name: str = "dtks.csv") -> str:
    with pytest.raises(FileRefused) as refused:
        read_table(data, name)
    return refused.value.message


def test_an_unknown_encoding_is_refused_with_the_fix():
    assert _refusal(b"NIK;Nama\n1;\x81\x8d\n") == (
        "Pengodean huruf berkas tidak dikenali. Simpan ulang sebagai CSV UTF-8.")


def test_a_bom_followed_by_broken_utf8_is_refused_as_damaged():
    assert _refusal(b"\xef\xbb\xbfNIK;Nama\n1;\xe9\n") == (
        "Berkas rusak: ada huruf yang tidak terbaca. Simpan ulang sebagai CSV UTF-8.")


def test_a_first_line_without_separators_is_refused_with_the_fix():
    assert _refusal(b"NIK\n1;2\n") == (
        "Kolom tidak terpisah. Gunakan titik koma (;) atau koma (,) sebagai pemisah kolom.")


def test_encodings_reported():
    assert read_table(b"NIK;Nama\n1;Siti\n", "a.csv").encoding == "UTF-8"
    assert read_table("\ufeffNIK;Nama\n1;Siti\n".encode(), "a.csv").encoding == "UTF-8 (BOM)"
    table = read_table("NIK;Nama\n1;Sité\n".encode("cp1252"), "a.csv")
    assert (table.encoding, table.rows) == ("Windows-1252", [["1", "Sité"]])


def test_the_separator_is_decided_by_the_first_line_only():
    table = read_table(b"NIK;Nama\n1;Siti, Ani, Budi\n2;Rina\n", "a.csv")
    assert (table.delimiter, table.header, table.rows) == ("titik koma", ["NIK", "Nama"],
                                                           [["1", "Siti, Ani, Budi"], ["2", "Rina"]])
    assert read_table(b"NIK\tNama\n1\tSiti\n", "a.csv").delimiter == "tab"


def test_a_line_break_inside_a_quoted_cell_is_kept_as_written():
    table = read_table(b'NIK;Alamat\r\n1;"Jl. Kenari\r\nRT 001"\r\n', "a.csv")
    assert table.rows == [["1", "Jl. Kenari\r\nRT 001"]]
