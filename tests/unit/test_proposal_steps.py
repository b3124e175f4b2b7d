"""The steps a Ketua RT walks through for each proposal kind and the evidence each kind must carry."""
import pytest

from portal.domain.proposal_steps import (
    EVIDENCE_KINDS,
    STEP_LABELS,
    STEPS_BY_KIND,
    members_changed,
    required_evidence,
)
from portal.domain.workflow import Kind


def test_each_kind_walks_its_own_steps_and_ends_with_review():
    assert STEPS_BY_KIND == {
        Kind.BARU: ("rumah_tangga", "anggota", "kondisi", "ppks", "berkas", "tinjau"),
        Kind.PERBAIKAN: ("rumah_tangga", "anggota", "kondisi", "ppks", "berkas", "tinjau"),
        Kind.NONAKTIF: ("alasan", "berkas", "tinjau"),
        Kind.PPKS: ("ppks", "berkas", "tinjau"),
        Kind.PROGRAM: ("program", "berkas", "tinjau"),
    }
    assert {step for steps in STEPS_BY_KIND.values() for step in steps} == set(STEP_LABELS)


def test_step_and_evidence_labels_the_rt_reads():
    assert STEP_LABELS["kondisi"] == "Kondisi rumah & 14 kriteria"
    assert STEP_LABELS["tinjau"] == "Tinjau & ajukan"
    assert EVIDENCE_KINDS["kk"] == "Kartu Keluarga (KK) terbaru"
    assert EVIDENCE_KINDS["akta_kematian"] == "Akta atau surat keterangan kematian"


def _member(**changes):
    member = {"key": "m1", "nik": "6474014101900001", "name": "Siti", "birth_date": "1990-01-01",
              "relation": "kepala", "job": "Petani", "mother_name": "Aminah"}
    return {**member, **changes}


def _content(*members, no_kk="6474010101000001"):
    return {"household": {"no_kk": no_kk, "address": "Jl. Kenari"}, "members": list(members)}


ORIGINAL = _content(_member(), _member(key="m2", nik="6474015101150002", name="Ani", relation="anak",
                                       birth_date="2015-01-11"))


def test_no_original_means_a_new_family_card_is_needed():
    assert members_changed(ORIGINAL, None) is True


def test_an_unchanged_family_needs_no_new_card_even_with_members_reordered_or_other_fields_changed():
    reordered = _content(ORIGINAL["members"][1], _member(job="Nelayan", mother_name="Aminah Binti Ali"))
    reordered["household"]["address"] = "Jl. Baru"
    assert members_changed(ORIGINAL, ORIGINAL) is False
    assert members_changed(reordered, ORIGINAL) is False


@pytest.mark.parametrize("change", [
    {"nik": "6474014101900009"}, {"name": "Siti Aminah"}, {"birth_date": "1990-01-02"},
    {"relation": "pasangan"}, {"leaving": True},
])
def test_a_change_to_who_is_in_the_family_needs_a_new_card(change):
    changed = _content(_member(**change), ORIGINAL["members"][1])
    assert members_changed(changed, ORIGINAL) is True


def test_a_new_family_card_number_an_added_or_a_removed_member_need_a_new_card():
    assert members_changed(_content(*ORIGINAL["members"], no_kk="6474010101000002"), ORIGINAL) is True
    assert members_changed(_content(*ORIGINAL["members"], _member(key="m3", nik="6474010101200003")),
                           ORIGINAL) is True
    assert members_changed(_content(ORIGINAL["members"][0]), ORIGINAL) is True


def test_content_without_household_or_members_compares_as_empty():
    assert members_changed({}, {}) is False
    assert members_changed({"members": []}, {"household": {}}) is False
    assert members_changed({"household": {"no_kk": "1"}}, {}) is True


def test_new_household_always_needs_the_family_card():
    assert required_evidence(Kind.BARU, {}) == ["kk"]


def test_correction_needs_the_card_only_when_the_family_changed():
    assert required_evidence(Kind.PERBAIKAN, ORIGINAL, ORIGINAL) == []
    changed = _content(_member(name="Siti Aminah"), ORIGINAL["members"][1])
    assert required_evidence(Kind.PERBAIKAN, changed, ORIGINAL) == ["kk"]
    assert required_evidence(Kind.PERBAIKAN, ORIGINAL) == ["kk"]


@pytest.mark.parametrize("reason, evidence", [
    ("meninggal", ["akta_kematian"]), ("pindah", ["surat_pindah"]), ("mampu", ["foto_rumah"]),
    ("tidak_ditemukan", ["surat_keterangan"]), ("ganda", []), ("", []),
])
def test_deactivation_evidence_follows_the_reason(reason, evidence):
    assert required_evidence(Kind.NONAKTIF, {"nonaktif": {"reason": reason}}) == evidence


def test_deactivation_without_a_reason_and_other_kinds_need_no_evidence():
    assert required_evidence(Kind.NONAKTIF, {}) == []
    assert required_evidence(Kind.NONAKTIF, {"nonaktif": {}}) == []
    assert required_evidence(Kind.PPKS, ORIGINAL, None) == []
    assert required_evidence(Kind.PROGRAM, ORIGINAL, None) == []
