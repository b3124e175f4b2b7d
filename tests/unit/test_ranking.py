"""The indicative ranking rules: order, tie-breakers, shared ranks, desil, nonaktif, versions, explanations."""
from dataclasses import replace

import pytest

from portal.domain import ranking
from portal.domain.criteria import CRITERIA_CODES, Conditions, assess
from portal.domain.ranking import HouseholdFacts, RankingRules, Standing, rank_households


def facts(hid, met=5, kel=1, active=True, fakir=False, **extra):
    return HouseholdFacts(hid, kel, active, met, fakir, **extra)


def by_id(ranks):
    return {r.household_id: r for r in ranks}


def test_more_criteria_met_ranks_higher():
    ranks = by_id(rank_households([facts(1, met=3), facts(2, met=12), facts(3, met=9)]))
    assert [ranks[i].rank_city for i in (2, 3, 1)] == [1, 2, 3]


def test_no_shelter_comes_first_whatever_the_count():
    ranks = by_id(rank_households([facts(1, met=14), facts(2, met=0, fakir=True)]))
    assert ranks[2].rank_city == 1 and ranks[1].rank_city == 2


@pytest.mark.parametrize("tie_breaker", ["dependants", "elderly", "disabled", "ppks"])
def test_each_tie_breaker_decides_between_equal_counts(tie_breaker):
    ranks = by_id(rank_households([facts(1, met=9), facts(2, met=9, **{tie_breaker: 1})]))
    assert ranks[2].rank_city == 1 and ranks[1].rank_city == 2


def test_tie_breakers_apply_in_their_order():
    # More dependants beats more elderly, elderly beats disability, disability beats PPKS.
    ranks = by_id(rank_households([facts(1, met=9, elderly=5, disabled=5, ppks=5), facts(2, met=9, dependants=1),
                                   facts(3, met=9, disabled=3, ppks=9), facts(4, met=9, elderly=1)]))
    assert [ranks[i].rank_city for i in (2, 1, 4, 3)] == [1, 2, 3, 4]


def test_a_criterion_weighs_more_than_any_tie_breaker():
    ranks = by_id(rank_households([facts(1, met=8, dependants=9, elderly=9, disabled=9, ppks=9), facts(2, met=9)]))
    assert ranks[2].rank_city == 1  # the 8/9 boundary: one criterion more wins


def test_equal_households_share_a_rank_and_the_next_skips():
    ranks = by_id(rank_households([facts(1, met=9), facts(2, met=9), facts(3, met=4)]))
    assert (ranks[1].rank_city, ranks[2].rank_city, ranks[3].rank_city) == (1, 1, 3)


def test_kelurahan_rank_counts_only_the_kelurahan():
    ranks = by_id(rank_households([facts(1, met=14, kel=1), facts(2, met=10, kel=2), facts(3, met=9, kel=2)]))
    assert (ranks[1].rank_kelurahan, ranks[2].rank_kelurahan, ranks[3].rank_kelurahan) == (1, 1, 2)
    assert (ranks[2].rank_city, ranks[3].rank_city) == (2, 3)


def test_nonaktif_households_stay_unranked_at_the_bottom():
    ranks = rank_households([facts(1, met=14, active=False), facts(2, met=1)])
    assert [r.household_id for r in ranks] == [2, 1]
    assert ranks[1].rank_city is None and ranks[1].desil is None and ranks[0].rank_city == 1


def test_desil_splits_the_active_households_in_tenths():
    ranks = rank_households([facts(i, met=14 - i % 15, dependants=i) for i in range(100)])
    counts = {d: sum(1 for r in ranks if r.desil == d) for d in range(1, 11)}
    assert counts == {d: 10 for d in range(1, 11)}
    assert ranking.desil_of(1, 100) == 1 and ranking.desil_of(100, 100) == 10 and ranking.desil_of(1, 1) == 1


def test_rules_are_versioned_and_old_versions_stay_known():
    assert ranking.rules_for(ranking.CURRENT_RULES.version) is ranking.CURRENT_RULES
    other = RankingRules(version="uji-2", tie_breakers=("ppks",))
    with_ppks, with_dependants = facts(1, met=9, ppks=1), facts(2, met=9, dependants=2)
    under_current = by_id(rank_households([with_ppks, with_dependants]))
    under_other = by_id(rank_households([with_ppks, with_dependants], other))
    assert under_current[2].rank_city == 1 and under_other[1].rank_city == 1


def _standing(**changes):
    base = Standing(3, 2, 1, 100, 20, 9, 0b11, "peringkat-2026.1 / bps14-2026.1")
    return replace(base, **changes)


def test_poverty_sentences_at_the_boundary_and_for_no_shelter():
    assert "memenuhi kriteria miskin" in ranking.poverty_sentence(9, False, 9)
    assert "belum memenuhi kriteria miskin" in ranking.poverty_sentence(8, False, 9)
    assert "fakir miskin" in ranking.poverty_sentence(0, True, 9)


def test_rank_sentence_names_places_and_says_indicative():
    text = ranking.rank_sentence(_standing(), "Api-Api", None)
    assert "ke-2 dari 20" in text and "Kelurahan Api-Api" in text and "ke-3 dari 100" in text
    assert "indikatif lokal" in text and "desil indikatif 1" in text
    assert "nonaktif (meninggal)" in ranking.rank_sentence(_standing(rank_city=None, rank_kelurahan=None,
                                                                      desil=None), "Api-Api", "meninggal")


def test_tie_break_sentence_gives_the_households_own_values():
    text = ranking.tie_break_sentence(facts(1, dependants=2, elderly=1), ranking.CURRENT_RULES)
    assert "2 tanggungan, 1 lansia, 0 penyandang disabilitas, 0 anggota PPKS" in text


def test_changes_since_lists_criteria_gained_and_lost_rank_and_rules():
    labels = {c: c.upper() for c in CRITERIA_CODES}
    before = _standing(criteria_mask=0b01, criteria_met=1, rank_kelurahan=5, rules_version="lama")
    after = _standing(criteria_mask=0b10, criteria_met=1, rank_kelurahan=2)
    lines = ranking.changes_since(before, after, labels, CRITERIA_CODES)
    assert f"Sekarang terpenuhi: {CRITERIA_CODES[1].upper()}." in lines
    assert f"Tidak lagi terpenuhi: {CRITERIA_CODES[0].upper()}." in lines
    assert "Peringkat di kelurahan berubah dari ke-5 menjadi ke-2." in lines
    assert any("Aturan peringkat berganti" in line for line in lines)
    assert ranking.changes_since(None, after, labels, CRITERIA_CODES) == [
        "Ini perhitungan pertama untuk rumah tangga ini."]
    assert ranking.changes_since(after, after, labels, CRITERIA_CODES) == [
        "Tidak ada perubahan sejak perhitungan sebelumnya."]


def test_assessment_mask_marks_exactly_the_met_criteria():
    result = assess(Conditions(members=4, floor_type="tanah", lighting="listrik_pln", meals_per_day=1))
    met = {r.code for r in result.results if r.met}
    assert ranking.codes_of(result.mask, CRITERIA_CODES) == met == {"jenis_lantai", "frekuensi_makan"}
