"""Exact boundary tables for every threshold of the 14 BPS criteria: below, at and above each one.

Moving any threshold by one step (8 m² per person, once a week of meat, one set of clothes a year, two meals a
day, Rp600.000 income, Rp500.000 assets, 9 of 14 criteria) or turning a "less than" into "at most" fails one row
here. The answer lists of the other criteria are spelled out per answer, from the BPS wording in
portal/data/kriteria_bps14.csv, not copied from the code under test.
"""
import csv
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from portal.domain.criteria import (EDUCATION, FLOOR_TYPES, FUELS, JOBS, LIGHTING, TOILETS, WALL_TYPES, WATER,
                                    Conditions, CriteriaRules, assess)

REFERENCE = Path(__file__).resolve().parents[2] / "portal" / "data" / "kriteria_bps14.csv"
NONE_MET = Conditions(members=1)  # nothing answered: only the criterion under test decides


def met(code: str, **answers) -> bool | None:
    result = {r.code: r for r in assess(replace(NONE_MET, **answers)).results}[code]
    return result.met


# --- numeric thresholds: (answers, met) below, at and above ------------------------------------------------------

@pytest.mark.parametrize("members, floor_m2, expected", [
    (1, "7.99", True), (1, "8", False), (1, "8.01", False),
    (4, "31.96", True), (4, "32", False), (4, "32.04", False),      # 7.99 / 8.00 / 8.01 m² per person
    (3, "0", True),
])
def test_floor_area_is_met_below_8_square_metres_per_person(members, floor_m2, expected):
    assert met("luas_lantai", members=members, floor_area_m2=Decimal(floor_m2)) is expected


def test_floor_area_without_members_or_area_is_not_answered():
    assert met("luas_lantai", members=0, floor_area_m2=Decimal("20")) is None
    assert met("luas_lantai", members=3) is None


@pytest.mark.parametrize("per_week, expected", [(0, True), (1, True), (2, False), (3, False)])
def test_meat_is_met_at_most_once_a_week(per_week, expected):
    assert met("konsumsi_daging", meat_per_week=per_week) is expected


@pytest.mark.parametrize("per_year, expected", [(0, True), (1, True), (2, False)])
def test_clothes_are_met_at_most_one_set_a_year(per_year, expected):
    assert met("pakaian_baru", clothes_per_year=per_year) is expected


@pytest.mark.parametrize("per_day, expected", [(0, True), (1, True), (2, True), (3, False)])
def test_meals_are_met_at_most_twice_a_day(per_day, expected):
    assert met("frekuensi_makan", meals_per_day=per_day) is expected


@pytest.mark.parametrize("income, expected", [(0, True), (599_999, True), (600_000, False), (600_001, False)])
def test_income_is_met_below_600_thousand_for_any_job(income, expected):
    assert met("sumber_penghasilan", head_job="karyawan", head_income_monthly=income) is expected
    assert met("sumber_penghasilan", head_income_monthly=income) is expected  # job not answered yet


@pytest.mark.parametrize("assets, expected", [(0, True), (499_999, True), (500_000, False), (500_001, False)])
def test_assets_are_met_below_500_thousand(assets, expected):
    assert met("aset", assets_value=assets) is expected


@pytest.mark.parametrize("income, assets", [(600_000, 500_000), (1_000_000, 50_000)])
def test_configured_thresholds_move_the_boundary_exactly(income, assets):
    rules = CriteriaRules(income_monthly=income, assets_value=assets)
    results = lambda c: {r.code: r.met for r in assess(c, rules).results}  # noqa: E731
    below = results(replace(NONE_MET, head_job="karyawan", head_income_monthly=income - 1, assets_value=assets - 1))
    at = results(replace(NONE_MET, head_job="karyawan", head_income_monthly=income, assets_value=assets))
    assert (below["sumber_penghasilan"], below["aset"]) == (True, True)
    assert (at["sumber_penghasilan"], at["aset"]) == (False, False)


def test_the_floor_threshold_is_configurable_too():
    rules = CriteriaRules(floor_m2_per_person=Decimal("10"))
    per_person = lambda m2: assess(replace(NONE_MET, floor_area_m2=Decimal(m2)), rules).results[0].met  # noqa: E731
    assert (per_person("9.99"), per_person("10"), per_person("8")) == (True, False, True)


# --- the poverty count: 9 of 14 ----------------------------------------------------------------------------------

# One answer per criterion that meets it, in CRITERIA_CODES order.
MEETS = [dict(floor_area_m2=Decimal("4")), dict(floor_type="tanah"), dict(wall_type="bambu"),
         dict(toilet="bersama"), dict(lighting="bukan_listrik"), dict(water="sungai"),
         dict(cooking_fuel="kayu_bakar"), dict(meat_per_week=1), dict(clothes_per_year=1), dict(meals_per_day=2),
         dict(can_pay_clinic=False), dict(head_job="nelayan"), dict(head_education="sd"), dict(assets_value=0)]


@pytest.mark.parametrize("count, poor", [(0, False), (8, False), (9, True), (10, True), (14, True)])
def test_poor_from_nine_criteria_met(count, poor):
    answers = {k: v for change in MEETS[:count] for k, v in change.items()}
    result = assess(replace(NONE_MET, **answers))
    assert (result.met_count, result.poor) == (count, poor)


@pytest.mark.parametrize("threshold, count, poor", [(10, 9, False), (10, 10, True), (8, 8, True), (8, 7, False)])
def test_the_configured_count_is_the_boundary(threshold, count, poor):
    answers = {k: v for change in MEETS[:count] for k, v in change.items()}
    assert assess(replace(NONE_MET, **answers), CriteriaRules(poor_threshold=threshold)).poor is poor


# --- answer lists: every answer of every vocabulary --------------------------------------------------------------

POOR_BY_BPS = {  # criterion -> (field, vocabulary, the answers BPS counts as poor)
    "jenis_lantai": ("floor_type", FLOOR_TYPES, {"tanah", "bambu", "kayu_murah"}),
    "jenis_dinding": ("wall_type", WALL_TYPES, {"bambu", "rumbia", "kayu_murah", "tembok_tanpa_plester"}),
    "fasilitas_bab": ("toilet", TOILETS, {"tidak_punya", "bersama"}),
    "sumber_penerangan": ("lighting", LIGHTING, {"bukan_listrik"}),
    "sumber_air_minum": ("water", WATER, {"sumur_tidak_terlindung", "mata_air_tidak_terlindung", "sungai",
                                          "air_hujan"}),
    "bahan_bakar_masak": ("cooking_fuel", FUELS, {"kayu_bakar", "arang", "minyak_tanah"}),
    "pendidikan_krt": ("head_education", EDUCATION, {"tidak_sekolah", "tidak_tamat_sd", "sd"}),
    "sumber_penghasilan": ("head_job", JOBS, {"petani_lahan_kecil", "buruh_tani", "nelayan", "buruh_bangunan",
                                              "buruh_perkebunan"}),
}
ANSWER_CASES = [(code, answer, answer in poor) for code, (_, vocabulary, poor) in POOR_BY_BPS.items()
                for answer in vocabulary]


@pytest.mark.parametrize("code, answer, expected", ANSWER_CASES)
def test_every_answer_of_every_list(code, answer, expected):
    field, _, _ = POOR_BY_BPS[code]
    assert met(code, **{field: answer}) is expected


def test_a_poor_job_is_met_whatever_the_income():
    assert met("sumber_penghasilan", head_job="nelayan", head_income_monthly=5_000_000) is True


@pytest.mark.parametrize("can_pay, expected", [(False, True), (True, False), (None, None)])
def test_clinic(can_pay, expected):
    assert met("biaya_berobat", can_pay_clinic=can_pay) is expected


# --- the reference table and the code agree ------------------------------------------------------------------------

def test_the_reference_thresholds_are_the_default_rules():
    rows = {row["kode"]: row for row in csv.DictReader(REFERENCE.open(encoding="utf-8"))}
    number = lambda code: Decimal(re.search(r"<\s*([\d.]+)", rows[code]["ambang"]).group(1))  # noqa: E731
    rules = CriteriaRules()
    assert number("luas_lantai") == rules.floor_m2_per_person
    assert number("sumber_penghasilan") == rules.income_monthly
    assert number("aset") == rules.assets_value
    assert "Hanya satu kali dalam seminggu" == rows["konsumsi_daging"]["kondisi_miskin"]
    assert "Hanya satu stel dalam setahun" == rows["pakaian_baru"]["kondisi_miskin"]
    assert "satu / dua kali dalam sehari" in rows["frekuensi_makan"]["kondisi_miskin"]


# --- what the household page shows: each criterion's label and the answer that decided it -----------------------

def because(code: str, **answers) -> str:
    return {r.code: r.because for r in assess(replace(NONE_MET, **answers)).results}[code]


@pytest.mark.parametrize("code", ["jenis_lantai", "jenis_dinding", "fasilitas_bab", "sumber_penerangan",
                                  "sumber_air_minum", "bahan_bakar_masak", "pendidikan_krt", "konsumsi_daging",
                                  "pakaian_baru", "frekuensi_makan", "biaya_berobat", "sumber_penghasilan", "aset"])
def test_an_unanswered_criterion_says_so(code):
    assert because(code) == "belum diisi"


@pytest.mark.parametrize("code, answers, text", [
    ("luas_lantai", dict(members=4, floor_area_m2=Decimal("31.5")), "7.88 m² per orang (31.5 m² ÷ 4 orang)"),
    ("jenis_lantai", dict(floor_type="kayu_murah"), "Kayu murahan"),
    ("sumber_air_minum", dict(water="ledeng"), "Ledeng / PDAM"),
    ("sumber_air_minum", dict(water="tanki"), "tanki"),  # an answer outside the list is shown as typed
    ("konsumsi_daging", dict(meat_per_week=1), "1 kali seminggu"),
    ("pakaian_baru", dict(clothes_per_year=2), "2 stel setahun"),
    ("frekuensi_makan", dict(meals_per_day=3), "3 kali sehari"),
    ("biaya_berobat", dict(can_pay_clinic=True), "sanggup membayar"),
    ("biaya_berobat", dict(can_pay_clinic=False), "tidak sanggup membayar"),
    ("sumber_penghasilan", dict(head_job="nelayan", head_income_monthly=1_250_000), "Nelayan, Rp1.250.000 per bulan"),
    ("sumber_penghasilan", dict(head_job="ojek"), "Ojek, penghasilan belum diisi"),
    ("sumber_penghasilan", dict(head_income_monthly=450_000), "pekerjaan belum diisi, Rp450.000 per bulan"),
    ("aset", dict(assets_value=2_500_000), "aset senilai Rp2.500.000"),
])
def test_the_answer_that_decided_is_told_in_plain_words(code, answers, text):
    assert because(code, **answers) == text


def test_an_unanswered_floor_area_says_which_answer_is_missing():
    assert because("luas_lantai") == "luas lantai belum diisi"


def test_labels_carry_the_thresholds_in_rupiah():
    labels = {r.code: r.label for r in assess(NONE_MET).results}
    assert labels["luas_lantai"] == "Luas lantai kurang dari 8 m² per orang"
    assert labels["sumber_penghasilan"] == ("Pekerjaan kepala rumah tangga rentan atau penghasilan di bawah "
                                            "Rp600.000")
    assert labels["aset"] == "Tidak punya tabungan atau barang senilai Rp500.000"


def test_the_summary_counts_and_names_the_shelter_rule():
    answers = {k: v for change in MEETS[:3] for k, v in change.items()}
    assert assess(replace(NONE_MET, **answers)).summary == "memenuhi 3 dari 14 kriteria"
    homeless = assess(replace(NONE_MET, has_shelter=False, **answers))
    assert homeless.summary == ("memenuhi 3 dari 14 kriteria; tidak memiliki tempat tinggal (fakir miskin menurut "
                                "Kepmensos 262/HUK/2022)")
    assert homeless.fakir_miskin and not homeless.poor
