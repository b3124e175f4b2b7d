"""The one rule for full NIK / No. KK (portal.domain.disclosure): inside the reader's own area, in a role that
needs it; everything else masked."""
import pytest

from portal.domain import disclosure
from portal.domain.nik import mask

RT1, RT2 = "64.74.01.1001.001", "64.74.01.1001.002"
KELURAHAN, KECAMATAN, KOTA = "64.74.01.1001", "64.74.01", "64.74"
OTHER_KELURAHAN = "64.74.01.1002"


def row(rt: str, nik: str = "6474011203900001", kk: str = "6474010101100001") -> dict:
    return {"nik": nik, "no_kk": kk, "name": "Budi (demo)", "birth_place": "Bontang", "birth_date": "1990-03-12",
            "mother_name": "Siti (demo)", "rt": rt, "rw": "001", "kelurahan_code": KELURAHAN, "kind": "BARU"}


@pytest.mark.parametrize("role, reader_area, person_area, full", [
    ("rt", RT1, RT1, True),
    ("rt", RT2, RT1, False),                  # a neighbouring RT
    ("rt", RT1, KELURAHAN, False),            # the area above the reader
    ("kelurahan", KELURAHAN, RT1, True),
    ("kelurahan", OTHER_KELURAHAN, RT1, False),
    ("kelurahan", "64.74.01.100", RT1, False),  # a code that is only a text prefix is not an area above
    ("kecamatan", KECAMATAN, RT1, True),
    ("kecamatan", "64.74.02", RT1, False),
    ("dinsos", KOTA, RT1, True),
    ("admin", KOTA, RT1, False),              # city-wide, but the role has no use for full numbers
    ("dinsos", KOTA, None, False),            # a person whose area is unknown is masked
    ("dinsos", KOTA, "", False),
    ("tamu", KOTA, RT1, False),
])
def test_shows_full_number(role, reader_area, person_area, full):
    assert disclosure.shows_full_number(role, reader_area, person_area) is full


@pytest.mark.parametrize("role, reader_area, issuer_area, stored", [
    ("kelurahan", KELURAHAN, KELURAHAN, True),  # the issuing office itself
    ("kecamatan", KECAMATAN, KELURAHAN, True),  # the office above it
    ("dinsos", KOTA, KELURAHAN, True),
    ("rt", RT1, KELURAHAN, False),              # the audience below the issuer: an RT reading the minutes
    ("kelurahan", OTHER_KELURAHAN, KELURAHAN, False),
    ("kecamatan", KECAMATAN, KOTA, False),      # above the reader
    ("admin", KOTA, KOTA, False),
])
def test_gets_stored_letter(role, reader_area, issuer_area, stored):
    assert disclosure.gets_stored_letter(role, reader_area, issuer_area) is stored


def test_only_dinas_sosial_may_ask_for_full_numbers_in_a_list():
    assert [r for r in ("rt", "kelurahan", "kecamatan", "dinsos", "admin") if disclosure.may_reveal_on_request(r)] \
        == ["dinsos"]


@pytest.mark.parametrize("values, expected", [
    ({"kelurahan_code": KELURAHAN, "rt": "001"}, RT1),
    ({"kelurahan_code": KELURAHAN, "rt": "7"}, "64.74.01.1001.007"),
    ({"kelurahan_code": KELURAHAN, "rt": ""}, None),
    ({"kelurahan_code": KELURAHAN, "rt": "٠٠١"}, None),  # Arabic-Indic digits are not an RT number here
    ({"kelurahan_code": "", "rt": "001"}, None),
    ({}, None),
])
def test_bnba_row_area(values, expected):
    assert disclosure.bnba_row_area(values) == expected


def test_a_row_of_the_readers_own_rt_stays_whole():
    mine = row("001")
    assert disclosure.row_for_reader(mine, "rt", RT1) == mine


def test_a_row_of_another_rt_is_masked_and_hides_birth_date_and_mother():
    theirs = row("002")
    shown = disclosure.row_for_reader(theirs, "rt", RT1)
    assert shown["nik"] == mask(theirs["nik"]) == "647401******0001"
    assert shown["no_kk"] == mask(theirs["no_kk"])
    assert shown["birth_date"] == shown["mother_name"] == disclosure.HIDDEN
    assert {k: v for k, v in shown.items() if k not in ("nik", "no_kk", "birth_date", "mother_name")} == {
        k: v for k, v in theirs.items() if k not in ("nik", "no_kk", "birth_date", "mother_name")}
    assert theirs == row("002"), "the stored row is never changed"


def test_a_letter_for_a_reader_keeps_the_summary_and_its_own_rows_and_drops_the_verification_link():
    data = {"number": "400.9.2/0001/KelBontangKuala/2026", "tally": {"BARU": {"layak": 2}},
            "verify_url": "https://portal.example/v/abc", "rows": [row("001"), row("002", nik="6474015203900002")]}
    shown = disclosure.letter_for_reader(data, "rt", RT1)
    assert "verify_url" not in shown and "verify_url" in data
    assert shown["number"] == data["number"] and shown["tally"] == data["tally"]
    assert [r["nik"] for r in shown["rows"]] == ["6474011203900001", "647401******0002"]
    assert data["rows"][1]["nik"] == "6474015203900002"


def test_a_named_person_without_an_area_is_masked_in_a_readers_copy():
    data = {"person": {"name": "Budi (demo)", "nik": "6474011203900001", "birth_date": "1990-03-12"}}
    assert disclosure.letter_for_reader(data, "admin", KOTA)["person"] == {
        "name": "Budi (demo)", "nik": "647401******0001", "birth_date": ""}
