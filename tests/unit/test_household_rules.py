"""A household's content: the text cleaning, the fingerprints, and every message that stops a Ketua RT from
submitting (portal/domain/household.py)."""
import hashlib
from datetime import date
from decimal import Decimal

import pytest

from portal.domain.criteria import assess, floor_area_per_person
from portal.domain.household import (
    NAME_MAX,
    TEXT_MAX,
    canonical_json,
    clean_text,
    completeness_problems,
    conditions_from,
    content_sha256,
    member_label,
    member_nik_warnings,
    person_key,
    search_name,
)

TODAY = date(2026, 11, 27)


# --- text ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, cleaned", [
    ("  Siti   Aminah \n", "Siti Aminah"),
    ("Si\u200bti\x00 A\u202eminah\x7f", "Siti Aminah"),
    ("Cafe\u0301", "Café"),                      # composed (NFC): one letter, as typed elsewhere
    ("Ñurhayati 😊", "Ñurhayati 😊"),
    (None, ""),
    ("", ""),
    ("a\tb\r\nc", "a b c"),
])
def test_clean_text(raw, cleaned):
    assert clean_text(raw) == cleaned


def test_clean_text_cuts_at_the_limit_and_never_ends_on_a_space():
    assert TEXT_MAX == 200 and NAME_MAX == 100
    assert clean_text("a" * 250) == "a" * 200
    assert clean_text("a" * 200 + "b") == "a" * 200
    assert clean_text("a" * 199 + " b") == "a" * 199
    assert clean_text("abcd efgh", max_length=5) == "abcd"
    assert clean_text("abcdef", max_length=6) == "abcdef"


def test_person_key_folds_case_spaces_and_punctuation_but_keeps_the_birth_date():
    assert person_key("SITI  aminah.", "1990-01-01", "Hj. Ani") == "siti aminah|1990-01-01|hj ani"
    assert person_key(" O'Neil ", "1990-01-01", None) == "o neil|1990-01-01|"
    assert person_key("Siti", "1990-01-01", "Ani") != person_key("Siti", "1990-01-02", "Ani")


@pytest.mark.parametrize("name, folded", [
    ("Siti Ñurhayati  O'Neil", "siti nurhayati o neil"),
    ("𝕊iti", "siti"),
    ("  ", ""),
    (None, ""),
    ("ÉLISE-marie", "elise marie"),
])
def test_search_name(name, folded):
    assert search_name(name) == folded


def test_search_name_is_at_most_100_characters_without_a_trailing_space():
    assert search_name("a" * 150) == "a" * 100
    assert search_name("a" * 99 + " b") == "a" * 99


# --- fingerprints -------------------------------------------------------------------------------------------------

def test_canonical_json_is_compact_sorted_and_keeps_letters():
    assert canonical_json({"b": 1, "a": {"z": "Ñ", "c": [1, 2]}}) == '{"a":{"c":[1,2],"z":"Ñ"},"b":1}'


def test_content_fingerprint_is_the_sha256_of_the_canonical_form():
    content = {"members": [{"name": "Siti"}], "household": {"no_kk": "1"}}
    expected = hashlib.sha256(b'{"household":{"no_kk":"1"},"members":[{"name":"Siti"}]}').hexdigest()
    assert content_sha256(content) == expected
    assert content_sha256({"household": {"no_kk": "1"}, "members": [{"name": "Siti"}]}) == expected
    assert content_sha256({"members": [{"name": "Síti"}]}) == hashlib.sha256(
        '{"members":[{"name":"Síti"}]}'.encode()).hexdigest()


def test_member_label():
    assert member_label(0, {"name": "Siti"}) == "Anggota 1 (Siti)"
    assert member_label(2, {"name": ""}) == "Anggota 3"
    assert member_label(1, {}) == "Anggota 2"


# --- NIK warnings -------------------------------------------------------------------------------------------------

HEAD_NIK = "6474014101900001"  # a woman born 01-01-1990, issued in Bontang


def test_member_nik_warnings():
    assert member_nik_warnings({"nik": HEAD_NIK, "sex": "P", "birth_date": "1990-01-01"}, TODAY) == []
    assert member_nik_warnings({"nik": HEAD_NIK, "sex": "L", "birth_date": "1990-01-02"}, TODAY) == [
        "Jenis kelamin menurut NIK adalah perempuan, berbeda dengan yang diisi.",
        "Tanggal lahir menurut NIK adalah 01-01-1990, berbeda dengan yang diisi.",
    ]
    assert member_nik_warnings({"nik": HEAD_NIK, "sex": "", "birth_date": ""}, TODAY) == []
    assert member_nik_warnings({"nik": "123", "sex": "L"}, TODAY) == []  # an invalid NIK is an error, not a warning


# --- completeness -------------------------------------------------------------------------------------------------

def _member(**changes):
    member = {"name": "Siti", "nik": HEAD_NIK, "birth_place": "Bontang", "birth_date": "1990-01-01", "sex": "P",
              "relation": "kepala", "marital_status": "kawin", "mother_name": "Aminah"}
    return {**member, **changes}


CHILD = {"name": "Ani", "nik": "6474015101150002", "birth_place": "Bontang", "birth_date": "2015-01-11",
         "sex": "P", "relation": "anak", "marital_status": "belum_kawin", "mother_name": "Siti"}


def _content(*members, no_kk="6474010101000001", address="Jl. Kenari 1"):
    return {"household": {"no_kk": no_kk, "address": address}, "members": list(members)}


def test_complete_household_may_be_submitted():
    assert completeness_problems(_content(_member(), CHILD), TODAY) == []


def test_empty_content_lists_what_is_missing():
    assert completeness_problems({}, TODAY) == [
        "No. KK belum diisi.", "Alamat rumah tangga belum diisi.", "Belum ada anggota rumah tangga."]


def test_invalid_family_card_number_says_why():
    assert completeness_problems(_content(_member(), no_kk="123"), TODAY) == ["No. KK harus 16 digit angka."]


@pytest.mark.parametrize("heads", [0, 2])
def test_exactly_one_head_of_family(heads):
    members = [_member(relation="kepala" if i < heads else "pasangan", nik=f"647401410190000{i + 1}")
               for i in range(2)]
    assert completeness_problems(_content(*members), TODAY) == [
        f"Harus ada tepat satu kepala keluarga (sekarang {heads})."]


def test_members_leaving_do_not_count():
    leaving_head = _member(nik="6474014101900002", leaving=True)
    assert completeness_problems(_content(_member(), leaving_head), TODAY) == []
    assert completeness_problems(_content(leaving_head), TODAY) == [
        "Belum ada anggota rumah tangga."]


def test_a_nik_twice_in_one_household():
    assert completeness_problems(_content(_member(), _member(relation="anak")), TODAY) == [
        "Ada NIK yang tercatat dua kali di rumah tangga ini."]


def test_missing_member_fields_are_named_in_the_rt_words():
    bare = {"relation": "anak"}
    assert completeness_problems(_content(_member(), bare), TODAY) == [
        "Anggota 2: nama, NIK, tempat lahir, tanggal lahir, jenis kelamin, status kawin, nama ibu kandung "
        "belum diisi."]


def test_unknown_relation_from_an_import_must_be_completed():
    assert completeness_problems(_content(_member(), {**CHILD, "relation": "belum_diketahui"}), TODAY) == [
        "Anggota 2 (Ani): hubungan keluarga belum diisi."]


def test_invalid_nik_of_a_member():
    assert completeness_problems(_content(_member(nik="6474010001900001")), TODAY) == [
        "Anggota 1 (Siti): NIK tidak valid: tanggal lahir (digit 7–8) harus 01–31, atau 41–71 untuk perempuan."]


def test_nik_warning_needs_a_written_reason():
    male = _member(sex="L")
    assert completeness_problems(_content(male), TODAY) == [
        "Anggota 1 (Siti): ada peringatan yang perlu alasan tertulis."]
    assert completeness_problems(_content({**male, "warning_reason": "KTP lama salah cetak"}), TODAY) == []


# --- criteria answers ---------------------------------------------------------------------------------------------

def test_conditions_count_staying_members_and_read_the_floor_area_as_a_decimal():
    conditions = conditions_from({"members": [{}, {}, {"leaving": True}],
                                  "conditions": {"floor_area_m2": "12.5", "members": 9, "unknown": "x"}})
    assert conditions.members == 2
    assert conditions.floor_area_m2 == Decimal("12.5")


@pytest.mark.parametrize("area", [None, ""])
def test_conditions_with_no_floor_area(area):
    conditions = conditions_from({"members": [{}], "conditions": {"floor_area_m2": area}})
    assert conditions.members == 1
    assert conditions.floor_area_m2 is None
    assessment = assess(conditions)  # a blank answer is unanswered, not an error
    assert floor_area_per_person(conditions) is None
    assert assessment.results[0].met is None


def test_conditions_floor_area_from_a_number():
    assert conditions_from({"conditions": {"floor_area_m2": 7.2}}).floor_area_m2 == Decimal("7.2")
