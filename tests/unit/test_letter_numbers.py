from datetime import date

import pytest

from portal.domain.errors import DomainError
from portal.domain.letter_numbers import DEFAULT_PATTERN, check_nip, check_pattern, format_nip, format_number, roman

ISSUED = date(2026, 11, 27)


@pytest.mark.parametrize("pattern, sequence, expected", [
    (DEFAULT_PATTERN, 123, "400.9.2/0123/Dinsos/2026"),
    (DEFAULT_PATTERN, 1, "400.9.2/0001/Dinsos/2026"),
    (DEFAULT_PATTERN, 12345, "400.9.2/12345/Dinsos/2026"),  # wider than the padding: never truncated
    ("{klasifikasi}/{nomor}/{unit}", 123, "400.9.2/0123/Dinsos"),  # bare {nomor} pads to 4
    ("{klasifikasi}/{nomor:03}/{unit}/{bulan_romawi}/{tahun}", 7, "400.9.2/007/Dinsos/XI/2026"),
    ("{nomor:01}/{unit}", 42, "42/Dinsos"),
    ("{nomor:06d}", 42, "000042"),
    ("B-{nomor}/{{{unit}}}", 5, "B-0005/{Dinsos}"),  # doubled braces are literal braces
])
def test_format_number(pattern, sequence, expected):
    check_pattern(pattern)
    assert format_number(pattern, "400.9.2", sequence, "Dinsos", ISSUED) == expected


def test_values_are_not_reparsed():
    assert format_number(DEFAULT_PATTERN, " 400.9.2 ", 1, "{tahun}", ISSUED) == "400.9.2/0001/{tahun}/2026"


@pytest.mark.parametrize("sequence", [0, -1, True, "1"])
def test_bad_sequence(sequence):
    with pytest.raises(ValueError):
        format_number(DEFAULT_PATTERN, "400.9.2", sequence, "Dinsos", ISSUED)


@pytest.mark.parametrize("pattern, reason", [
    ("", "harus memuat {nomor}"),
    ("{klasifikasi}/{unit}/{tahun}", "harus memuat {nomor}"),
    ("{klasifikasi}/{nomer}/{unit}", "tidak dikenal: {nomer}"),
    ("{nomor}/{}", "tidak dikenal"),
    ("{nomor}/{0}", "tidak dikenal"),
    ("{nomor.real}", "tidak dikenal"),
    ("{nomor[0]}", "tidak dikenal"),
    ("{nomor", "tidak berpasangan"),
    ("nomor}", "tidak berpasangan"),
    ("{klasifikasi}/{nomor:04/{unit}", "tidak berpasangan"),
    ("{nomor!r}", "'!'"),
    ("{nomor:x}", "format nomor urut"),
    ("{nomor:4}", "format nomor urut"),
    ("{nomor:,}", "format nomor urut"),
    ("{nomor:{unit}}", "format nomor urut"),
    ("{nomor}/{unit:>10}", "tidak boleh diberi format"),
    ("{nomor}/{tahun:02}", "tidak boleh diberi format"),
])
def test_bad_patterns(pattern, reason):
    with pytest.raises(DomainError) as error:
        check_pattern(pattern)
    assert error.value.field == "pattern"
    assert reason in error.value.message
    with pytest.raises(DomainError):
        format_number(pattern, "400.9.2", 1, "Dinsos", ISSUED)


def test_roman():
    assert [roman(m) for m in range(1, 13)] == ["I", "II", "III", "IV", "V", "VI",
                                                "VII", "VIII", "IX", "X", "XI", "XII"]
    for month in (0, 13):
        with pytest.raises(ValueError):
            roman(month)


@pytest.mark.parametrize("nip", [
    "198001012005011001",
    "197512312000122999",  # woman, last day of the year, serial 999
    "200002292024031001",  # 29 February of a leap year
    "19900615 201903 2 015",
    "  19900615\t201903 2 015 ",
])
def test_valid_nip(nip):
    assert check_nip(nip) == "".join(nip.split())


@pytest.mark.parametrize("nip, reason", [
    ("19800101200501100", "18 digit angka (terisi 17 digit)"),       # 17 digits
    ("1980010120050110011", "18 digit angka (terisi 19 digit)"),     # 19 digits
    ("", "18 digit"),
    (None, "18 digit"),
    ("19800101200501100A", "18 digit"),                              # a letter
    ("ABCDEFGHIJKLMNOPQR", "18 digit"),
    ("1980-01-01 200501 1 001", "18 digit"),                         # only spaces are removed
    ("١٩٨٠٠١٠١٢٠٠٥٠١١٠٠١", "18 digit"),                              # non-ASCII digits
    ("198013012005011001", "tanggal lahir"),                         # month 13
    ("198002302005011001", "tanggal lahir"),                         # 30 February
    ("190102292005011001", "tanggal lahir"),                         # 1901 is not a leap year
    ("198001002005011001", "tanggal lahir"),                         # day 00
    ("189912312005011001", "sebelum 1900"),
    ("198001012005131001", "bulan pengangkatan"),                    # month 13
    ("198001012005001001", "bulan pengangkatan"),                    # month 00
    ("198001011975011001", "sesudah tanggal lahir"),                 # appointed before birth
    ("198001012005013001", "jenis kelamin"),                         # sex 3
    ("198001012005010001", "jenis kelamin"),                         # sex 0
    ("198001012005011000", "001–999"),                               # serial 000
])
def test_invalid_nip(nip, reason):
    with pytest.raises(DomainError) as error:
        check_nip(nip)
    assert error.value.field == "nip"
    assert reason in error.value.message


def test_nip_field_can_be_renamed():
    with pytest.raises(DomainError) as error:
        check_nip("123", field="signer_nip")
    assert error.value.field == "signer_nip"


def test_format_nip():
    assert format_nip("198001012005011001") == "19800101 200501 1 001"
    assert format_nip("19800101 200501 1 001") == "19800101 200501 1 001"
    with pytest.raises(DomainError):
        format_nip("198001012005011000")
