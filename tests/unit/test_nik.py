import csv
from datetime import date
from pathlib import Path

import pytest

from portal.domain.errors import DomainError
from portal.domain.nik import MAX_AGE, check_birth_date, mask, nik_warnings, parse_kk, parse_nik

TODAY = date(2026, 11, 27)
VECTORS = list(csv.DictReader((Path(__file__).parent.parent / "data" / "nik_vectors.csv").open(encoding="utf-8")))


@pytest.mark.parametrize("row", VECTORS, ids=[r["nik"] + " " + r["catatan"] for r in VECTORS])
def test_reference_vectors(row):
    if row["valid"] == "ya":
        info = parse_nik(row["nik"], TODAY)
        assert info.sex == row["jenis_kelamin"]
        assert info.birth_date.strftime("%d%m%y") == row["tanggal_lahir_ddmmyy"]
    else:
        with pytest.raises(DomainError) as error:
            parse_nik(row["nik"], TODAY)
        assert error.value.field == "nik"


def test_vectors_cover_both_outcomes():
    assert {r["valid"] for r in VECTORS} == {"ya", "tidak"}


@pytest.mark.parametrize("nik, expected", [
    ("6474010101260001", date(2026, 1, 1)),   # born this year
    ("6474010101270001", date(1927, 1, 1)),   # a two-digit year after this year belongs to the 1900s
    ("6474012902000001", date(2000, 2, 29)),  # 2000 was a leap year
])
def test_century_from_today(nik, expected):
    assert parse_nik(nik, TODAY).birth_date == expected


# The most recent date with the NIK's day, month and two-digit year that is not after today (TODAY: 27-11-2026).
@pytest.mark.parametrize("nik, expected", [
    ("6474011212260002", date(1926, 12, 12)),  # the reported case: read as 2026, a birth next month
    ("6474012711260001", date(2026, 11, 27)),  # born today
    ("6474016711260001", date(2026, 11, 27)),  # a girl born today (day + 40)
    ("6474012611260001", date(2026, 11, 26)),  # born yesterday (a centenarian born on 26-11-1926 reads the same)
    ("6474012811260001", date(1926, 11, 28)),  # tomorrow's day and month: 100 years ago less a day
    ("6474013112260001", date(1926, 12, 31)),  # the last day of this two-digit year
    ("6474010101270001", date(1927, 1, 1)),
    ("6474012902280001", date(1928, 2, 29)),   # 2028 is ahead; 1928 was a leap year too
    ("6474012902000001", date(2000, 2, 29)),
])
def test_birth_date_from_nik_is_never_in_the_future(nik, expected):
    assert parse_nik(nik, TODAY).birth_date == expected


@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 12, 31), date(2028, 2, 28), date(2028, 2, 29),
                                   date(2099, 12, 31), date(2100, 1, 1)])
@pytest.mark.parametrize("ddmm", ["0101", "2802", "2902", "0103", "3112"])
def test_every_two_digit_year_reads_within_the_last_hundred_years(today, ddmm):
    for yy in range(100):
        try:
            born = parse_nik(f"647401{ddmm}{yy:02d}0001", today).birth_date
        except DomainError:
            assert ddmm == "2902"  # 29 February only in leap years
            continue
        assert born <= today and check_birth_date(born, today) == born
        assert born.year % 100 == yy and today.year - born.year <= 100


@pytest.mark.parametrize("born", [
    TODAY,                    # born today
    date(2026, 11, 26),       # born yesterday
    date(1926, 11, 26),       # born yesterday 100 years ago
    date(1906, 11, 27),       # exactly 120 today
    date(1905, 11, 28),       # 120, turns 121 tomorrow
])
def test_birth_dates_the_office_accepts(born):
    assert check_birth_date(born, TODAY) == born


@pytest.mark.parametrize("born, message", [
    (date(2026, 11, 28), "Tanggal lahir tidak boleh di masa depan."),   # tomorrow
    (date(2027, 11, 27), "Tanggal lahir tidak boleh di masa depan."),
    (date(2999, 1, 1), "Tanggal lahir tidak boleh di masa depan."),
    (date(1905, 11, 27), f"Tanggal lahir tidak masuk akal: umur lebih dari {MAX_AGE} tahun."),  # 121 today
    (date(1899, 12, 31), f"Tanggal lahir tidak masuk akal: umur lebih dari {MAX_AGE} tahun."),
])
def test_birth_dates_the_office_refuses(born, message):
    with pytest.raises(DomainError) as refused:
        check_birth_date(born, TODAY, field="tanggal_lahir")
    assert (refused.value.message, refused.value.field) == (message, "tanggal_lahir")


def test_the_century_is_not_a_disagreement_with_the_nik():
    """The NIK cannot tell 26-11-2026 from 26-11-1926: a centenarian's recorded date agrees with it."""
    info = parse_nik("6474012611260001", TODAY)
    assert nik_warnings(info, "L", date(1926, 11, 26)) == []
    assert nik_warnings(info, "L", date(1926, 11, 25)) == [
        "Tanggal lahir menurut NIK adalah 26-11-2026, berbeda dengan yang diisi."]


@pytest.mark.parametrize("nik", ["6474012902010001", "6474017101900001x", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦"])
def test_more_invalid(nik):
    with pytest.raises(DomainError):
        parse_nik(nik, TODAY)


def test_spaces_and_dots_are_ignored():
    assert parse_nik("6474 0145 0890 0001", TODAY).nik == "6474014508900001"


def test_woman_day_plus_forty_boundaries():
    assert parse_nik("6474017108900001", TODAY).birth_date == date(1990, 8, 31)
    assert parse_nik("6474014108900001", TODAY).sex == "P"
    with pytest.raises(DomainError):
        parse_nik("6474013208900001", TODAY)  # 32 is neither a man's nor a woman's day
    with pytest.raises(DomainError):
        parse_nik("6474014008900001", TODAY)  # 40 -> day 0


def test_warnings_for_disagreement_and_outside_bontang():
    info = parse_nik("6474014508900001", TODAY)
    assert nik_warnings(info, "P", date(1990, 8, 5)) == []
    assert len(nik_warnings(info, "L", date(1990, 8, 6))) == 2
    outside = parse_nik("6471014508900001", TODAY)
    assert any("di luar Kota Bontang" in w for w in nik_warnings(outside, "P", date(1990, 8, 5)))


@pytest.mark.parametrize("kk, ok", [
    ("6474010101200001", True), ("647401010120000", False), ("0074010101200001", False),
    ("6474010101200000", False), ("6474000101200001", False),
])
def test_kk(kk, ok):
    if ok:
        assert parse_kk(kk) == kk
    else:
        with pytest.raises(DomainError) as error:
            parse_kk(kk)
        assert error.value.field == "no_kk"


def test_mask():
    assert mask("6474014508900001") == "647401******0001"
    assert mask(None) == "–"
