"""The explanation page of the indicative ranking, sentence for sentence, and the desil boundaries
(portal/domain/ranking.py): the words are what a Ketua RT or a resident reads, so they are checked whole."""
import pytest

from portal.domain import ranking
from portal.domain.ranking import HouseholdFacts, RankingRules, Standing

CODES = ("a", "b", "c")
LABELS = {"a": "Lantai tanah", "b": "Tanpa listrik", "c": "Makan sekali sehari"}


def test_poverty_sentences_whole():
    assert ranking.poverty_sentence(9, False, 9) == (
        "Rumah tangga ini memenuhi 9 dari 14 kriteria kemiskinan BPS. Karena paling sedikit 9 kriteria terpenuhi, "
        "rumah tangga ini memenuhi kriteria miskin.")
    assert ranking.poverty_sentence(8, False, 9) == (
        "Rumah tangga ini memenuhi 8 dari 14 kriteria kemiskinan BPS. Batas kriteria miskin adalah 9 kriteria, "
        "jadi rumah tangga ini belum memenuhi kriteria miskin.")
    assert ranking.poverty_sentence(14, True, 9) == (
        "Rumah tangga ini tidak memiliki tempat tinggal, sehingga termasuk fakir miskin menurut "
        "Kepmensos 262/HUK/2022, berapa pun jumlah kriteria yang terpenuhi.")


def test_rank_sentences_whole():
    standing = Standing(3, 2, 1, 100, 20, 9, 0, "v")
    assert ranking.rank_sentence(standing, "Api-Api", None) == (
        "Peringkat indikatif lokal: ke-2 dari 20 rumah tangga aktif di Kelurahan Api-Api, dan ke-3 dari 100 di "
        "Kota Bontang (desil indikatif 1; desil 1 = 10% yang paling membutuhkan).")
    unranked = Standing(None, None, None, 100, 20, 0, 0, "v")
    assert ranking.rank_sentence(unranked, "Api-Api", None) == (
        "Rumah tangga ini berstatus nonaktif (tanpa alasan tercatat), sehingga tidak diberi peringkat dan "
        "ditempatkan di bagian bawah daftar. Datanya tetap tersimpan.")
    assert ranking.rank_sentence(unranked, "Api-Api", "Pindah").startswith(
        "Rumah tangga ini berstatus nonaktif (Pindah), sehingga")


def test_tie_break_sentence_whole_and_in_the_rules_order():
    facts = HouseholdFacts(1, 1, True, 5, False, dependants=2, elderly=1, disabled=3, ppks=4)
    assert ranking.tie_break_sentence(facts, ranking.CURRENT_RULES) == (
        "Jika jumlah kriteria sama, yang didahulukan adalah rumah tangga dengan lebih banyak tanggungan, lalu "
        "lansia, lalu penyandang disabilitas, lalu anggota PPKS. Rumah tangga ini: 2 tanggungan, 1 lansia, "
        "3 penyandang disabilitas, 4 anggota PPKS. (Tanggungan: anak di bawah 15 tahun dan warga 65 tahun ke "
        "atas; lansia: 60 tahun ke atas.)")
    other = RankingRules(tie_breakers=("ppks", "elderly"))
    assert ranking.tie_break_sentence(facts, other).startswith(
        "Jika jumlah kriteria sama, yang didahulukan adalah rumah tangga dengan lebih banyak anggota PPKS, lalu "
        "lansia. Rumah tangga ini: 4 anggota PPKS, 1 lansia. (")


def _standing(mask, met, rank_kelurahan, version="v1"):
    return Standing(rank_kelurahan, rank_kelurahan, 1, 10, 5, met, mask, version)


def test_changes_since_lists_every_change_in_order():
    before, after = _standing(0b011, 2, 4), _standing(0b110, 2, 1, "v2")
    assert ranking.changes_since(before, after, LABELS, CODES) == [
        "Sekarang terpenuhi: Makan sekali sehari.",
        "Tidak lagi terpenuhi: Lantai tanah.",
        "Peringkat di kelurahan berubah dari ke-4 menjadi ke-1.",
        "Aturan peringkat berganti dari versi v1 ke v2.",
    ]


def test_changes_since_counts_and_unranked_steps():
    assert ranking.changes_since(_standing(0b001, 1, None), _standing(0b111, 3, 2), LABELS, CODES) == [
        "Sekarang terpenuhi: Tanpa listrik.",
        "Sekarang terpenuhi: Makan sekali sehari.",
        "Jumlah kriteria berubah dari 1 menjadi 3.",
        "Peringkat di kelurahan berubah dari tidak diperingkat menjadi ke-2.",
    ]
    assert ranking.changes_since(_standing(0b001, 1, 3), _standing(0b001, 1, None), LABELS, CODES) == [
        "Peringkat di kelurahan berubah dari ke-3 menjadi tidak diperingkat."]


def test_codes_of_reads_each_bit():
    assert ranking.codes_of(0b101, CODES) == {"a", "c"}
    assert ranking.codes_of(0, CODES) == set()
    assert ranking.codes_of(0b1000, CODES) == set()


@pytest.mark.parametrize("rank, active, desil", [
    (1, 100, 1), (10, 100, 1), (11, 100, 2), (91, 100, 10), (100, 100, 10),
    (1, 1, 1), (1, 3, 1), (2, 3, 4), (3, 3, 7), (5, 5, 9), (4, 5, 7),
])
def test_desil_boundaries(rank, active, desil):
    assert ranking.desil_of(rank, active) == desil


def test_desil_with_fewer_desils_configured():
    assert [ranking.desil_of(rank, 100, 5) for rank in (1, 20, 21, 100)] == [1, 1, 2, 5]


def test_rules_for_an_unknown_version_are_the_current_rules():
    assert ranking.rules_for("peringkat-2026.1") is ranking.CURRENT_RULES
    assert ranking.rules_for("tidak-ada") is ranking.CURRENT_RULES
    assert ranking.CURRENT_RULES == RankingRules("peringkat-2026.1", 9, 10, ("dependants", "elderly", "disabled",
                                                                             "ppks"))


def test_need_key_orders_no_shelter_then_criteria_then_tie_breakers():
    facts = HouseholdFacts(7, 1, True, 5, True, dependants=2, elderly=1, disabled=0, ppks=3)
    assert ranking.need_key(facts, ranking.CURRENT_RULES) == (False, -5, -2, -1, 0, -3)


def test_ranks_in_the_city_and_in_each_kelurahan():
    facts = [HouseholdFacts(1, 1, True, 5, False), HouseholdFacts(2, 2, True, 7, False),
             HouseholdFacts(3, 1, True, 7, False), HouseholdFacts(4, 2, False, 14, True),
             HouseholdFacts(5, 2, True, 5, False)]
    ranks = {r.household_id: (r.rank_city, r.rank_kelurahan, r.desil) for r in ranking.rank_households(facts)}
    assert ranks == {2: (1, 1, 1), 3: (1, 1, 1), 1: (3, 2, 6), 5: (3, 2, 6), 4: (None, None, None)}
    assert [r.household_id for r in ranking.rank_households(facts)] == [2, 3, 1, 5, 4]
