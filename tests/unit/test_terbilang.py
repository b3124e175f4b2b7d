from datetime import date, datetime

import pytest

from portal.domain.terbilang import count_words, date_in_words, day_name, long_date, month_name, terbilang

KNOWN = [
    (0, "nol"), (1, "satu"), (5, "lima"), (9, "sembilan"), (10, "sepuluh"), (11, "sebelas"), (12, "dua belas"),
    (15, "lima belas"), (19, "sembilan belas"), (20, "dua puluh"), (21, "dua puluh satu"), (27, "dua puluh tujuh"),
    (30, "tiga puluh"), (99, "sembilan puluh sembilan"), (100, "seratus"), (101, "seratus satu"),
    (110, "seratus sepuluh"), (111, "seratus sebelas"), (119, "seratus sembilan belas"),
    (200, "dua ratus"), (250, "dua ratus lima puluh"), (999, "sembilan ratus sembilan puluh sembilan"),
    (1000, "seribu"), (1001, "seribu satu"), (1010, "seribu sepuluh"), (1100, "seribu seratus"),
    (1500, "seribu lima ratus"), (1999, "seribu sembilan ratus sembilan puluh sembilan"),
    (2000, "dua ribu"), (2026, "dua ribu dua puluh enam"), (2027, "dua ribu dua puluh tujuh"),
    (10000, "sepuluh ribu"), (11000, "sebelas ribu"), (12000, "dua belas ribu"), (21000, "dua puluh satu ribu"),
    (100000, "seratus ribu"), (101000, "seratus satu ribu"), (111111, "seratus sebelas ribu seratus sebelas"),
    (999999, "sembilan ratus sembilan puluh sembilan ribu sembilan ratus sembilan puluh sembilan"),
    (1000000, "satu juta"), (1000001, "satu juta satu"), (1001000, "satu juta seribu"),
    (1500000, "satu juta lima ratus ribu"), (2000000, "dua juta"), (10000000, "sepuluh juta"),
    (1000000000, "satu miliar"), (2500000000, "dua miliar lima ratus juta"),
    (1000000000000, "satu triliun"), (1000000001000, "satu triliun seribu"),
    (10**15 - 1, "sembilan ratus sembilan puluh sembilan triliun sembilan ratus sembilan puluh sembilan miliar "
                 "sembilan ratus sembilan puluh sembilan juta sembilan ratus sembilan puluh sembilan ribu "
                 "sembilan ratus sembilan puluh sembilan"),
]


@pytest.mark.parametrize("n, words", KNOWN, ids=[str(n) for n, _ in KNOWN])
def test_known_values(n, words):
    assert terbilang(n) == words


def test_words_are_lower_case_and_single_spaced():
    for n in [*range(0, 2100), 10**6 + 7, 10**9 + 10**6 + 10**3 + 1, 10**15 - 1]:
        words = terbilang(n)
        assert words == words.lower().strip()
        assert "  " not in words
        assert "nol" not in words or n == 0
        assert "satu ribu" not in words  # always "seribu"


@pytest.mark.parametrize("n", [-1, -1000, 10**15, 10**18])
def test_out_of_range(n):
    with pytest.raises(ValueError):
        terbilang(n)


@pytest.mark.parametrize("n", [1.0, "12", True, None])
def test_not_an_int(n):
    with pytest.raises(TypeError):
        terbilang(n)


@pytest.mark.parametrize("n, unit, text", [
    (1, "berkas", "1 (satu) berkas"), (12, "lembar", "12 (dua belas) lembar"),
    (0, "berkas", "0 (nol) berkas"), (327, "orang", "327 (tiga ratus dua puluh tujuh) orang"),
])
def test_count_words(n, unit, text):
    assert count_words(n, unit) == text


def test_date_in_words_friday():
    assert date_in_words(date(2026, 11, 27)) == (
        "Pada hari ini Jumat tanggal dua puluh tujuh bulan November tahun dua ribu dua puluh enam")


def test_date_in_words_new_year():
    assert date_in_words(date(2027, 1, 1)) == (
        "Pada hari ini Jumat tanggal satu bulan Januari tahun dua ribu dua puluh tujuh")


def test_date_in_words_accepts_datetime():
    words = date_in_words(datetime(2026, 8, 17, 9, 30))
    assert words.startswith("Pada hari ini Senin tanggal tujuh belas bulan Agustus")


@pytest.mark.parametrize("d, name", [
    (date(2026, 11, 23), "Senin"), (date(2026, 11, 24), "Selasa"), (date(2026, 11, 25), "Rabu"),
    (date(2026, 11, 26), "Kamis"), (date(2026, 11, 27), "Jumat"), (date(2026, 11, 28), "Sabtu"),
    (date(2026, 11, 29), "Minggu"),
])
def test_day_name(d, name):
    assert day_name(d) == name


@pytest.mark.parametrize("d, text", [
    (date(2026, 11, 27), "27 November 2026"), (date(2027, 1, 1), "1 Januari 2027"),
    (date(2026, 2, 5), "5 Februari 2026"), (date(2024, 12, 31), "31 Desember 2024"),
])
def test_long_date(d, text):
    assert long_date(d) == text


def test_all_month_names():
    assert [month_name(m) for m in range(1, 13)] == [
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember"]
    with pytest.raises(ValueError):
        month_name(13)
