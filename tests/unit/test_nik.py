import csv
from datetime import date
from pathlib import Path

import pytest

from portal.domain.errors import DomainError
from portal.domain.nik import mask, nik_warnings, parse_kk, parse_nik

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
