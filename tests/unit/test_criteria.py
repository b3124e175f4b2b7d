import csv
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from portal.domain.criteria import CRITERIA_CODES, Conditions, CriteriaRules, assess, floor_area_per_person

# A household that meets all 14 criteria; tests switch criteria off one by one.
POOR = Conditions(members=4, floor_area_m2=Decimal("24"), floor_type="tanah", wall_type="bambu", toilet="bersama",
                  lighting="bukan_listrik", water="sungai", cooking_fuel="kayu_bakar", meat_per_week=1,
                  clothes_per_year=1, meals_per_day=2, can_pay_clinic=False, head_job="nelayan",
                  head_income_monthly=450_000, head_education="sd", assets_value=100_000)
# Changes that make one criterion not met each (the first nine used for the boundary test).
NOT_MET = [dict(floor_area_m2=Decimal("40")), dict(floor_type="keramik"), dict(wall_type="tembok"),
           dict(toilet="sendiri"), dict(lighting="listrik_pln"), dict(water="ledeng"), dict(cooking_fuel="gas"),
           dict(meat_per_week=3), dict(clothes_per_year=2), dict(meals_per_day=3), dict(can_pay_clinic=True),
           dict(head_job="pns", head_income_monthly=4_000_000), dict(head_education="sma"),
           dict(assets_value=2_000_000)]


def test_codes_match_the_reference_list():
    path = Path(__file__).resolve().parents[2] / "portal" / "data" / "kriteria_bps14.csv"
    assert tuple(row["kode"] for row in csv.DictReader(path.open(encoding="utf-8"))) == CRITERIA_CODES


def test_all_fourteen_met():
    result = assess(POOR)
    assert result.met_count == 14 and result.answered_count == 14 and result.poor
    assert result.summary == "memenuhi 14 dari 14 kriteria"


@pytest.mark.parametrize("index", range(14))
def test_each_criterion_can_be_not_met(index):
    result = assess(replace(POOR, **NOT_MET[index]))
    assert result.met_count == 13
    assert [r.code for r in result.results if not r.met] == [CRITERIA_CODES[index]]


@pytest.mark.parametrize("not_met, poor", [(5, True), (6, False)])  # 9 of 14 is poor, 8 of 14 is not
def test_nine_is_the_boundary(not_met, poor):
    changes = {k: v for change in NOT_MET[:not_met] for k, v in change.items()}
    result = assess(replace(POOR, **changes))
    assert result.met_count == 14 - not_met
    assert result.poor is poor


def test_floor_area_per_person_is_computed_and_explained():
    c = replace(POOR, floor_area_m2=Decimal("31.5"), members=4)
    assert floor_area_per_person(c) == Decimal("7.88")
    floor = assess(c).results[0]
    assert floor.met is True
    assert "7.88 m² per orang (31.5 m² ÷ 4 orang)" == floor.because
    assert assess(replace(c, floor_area_m2=Decimal("32"))).results[0].met is False  # exactly 8 is not "less than 8"


def test_unanswered_criteria_are_not_counted_as_met():
    result = assess(Conditions(members=3))
    assert result.met_count == 0 and result.answered_count == 0
    assert all(r.met is None for r in result.results)


def test_no_shelter_is_fakir_miskin_regardless_of_count():
    result = assess(Conditions(members=1, has_shelter=False))
    assert result.fakir_miskin and not result.poor
    assert "Kepmensos 262" in result.summary


def test_thresholds_are_configurable_and_versioned():
    rules = CriteriaRules(version="uji-1", income_monthly=1_000_000, assets_value=50_000)
    c = replace(POOR, head_job="karyawan", head_income_monthly=800_000, assets_value=100_000)
    result = assess(c, rules)
    by_code = {r.code: r for r in result.results}
    assert by_code["sumber_penghasilan"].met is True  # 800.000 < 1.000.000
    assert by_code["aset"].met is False               # 100.000 is not < 50.000
    assert result.rules_version == "uji-1"
    assert "Rp1.000.000" in by_code["sumber_penghasilan"].label
    assert assess(c).results[11].met is False          # default threshold Rp600.000
