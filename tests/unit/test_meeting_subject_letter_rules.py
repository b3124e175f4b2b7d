"""Rules of the Musyawarah Kelurahan, the data-subject export and the office letter settings (portal/domain),
with their boundaries: 3 participants for a meeting and 1 for an SPTJM, a 10-character reason for "tidak layak",
a 16-digit NIK, a 10..300-character request reason, and what an unconfigured office prints."""
from datetime import date

import pytest

from portal.domain import data_subject, letters, muskel
from portal.domain.errors import DomainError
from portal.domain.workflow import Action

TODAY = date(2026, 11, 27)


# --- Musyawarah Kelurahan ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("held_on", [date(2026, 11, 27), date(2026, 11, 26)])
def test_a_meeting_today_or_earlier_is_accepted(held_on):
    muskel.check_meeting(held_on, "Aula", TODAY)


def test_a_meeting_tomorrow_is_refused():
    with pytest.raises(DomainError) as refused:
        muskel.check_meeting(date(2026, 11, 28), "Aula Kelurahan", TODAY)
    assert (refused.value.message, refused.value.field) == ("Tanggal musyawarah tidak boleh di masa depan.", "held_on")


@pytest.mark.parametrize("place, ok", [("Aul", True), ("  Au  ", False), ("", False), ("Balai RT 003", True)])
def test_the_place_needs_three_characters(place, ok):
    if ok:
        muskel.check_meeting(TODAY, place, TODAY)
        return
    with pytest.raises(DomainError) as refused:
        muskel.check_meeting(TODAY, place, TODAY)
    assert (refused.value.message, refused.value.field) == ("Tuliskan tempat musyawarah.", "place")


@pytest.mark.parametrize("verdict", ["layak", "ditunda"])
def test_layak_and_ditunda_need_no_reason(verdict):
    muskel.check_verdict(verdict, "")


@pytest.mark.parametrize("reason, ok", [("1234567890", True), (" 123456789 ", False), ("", False)])
def test_tidak_layak_needs_a_reason_of_ten_characters(reason, ok):
    if ok:
        muskel.check_verdict("tidak_layak", reason)
        return
    with pytest.raises(DomainError, match="^Usulan yang tidak layak perlu alasan minimal 10 karakter.$"):
        muskel.check_verdict("tidak_layak", reason)


def test_an_unknown_verdict_is_refused():
    with pytest.raises(DomainError, match="^Pilih putusan: layak, tidak layak, atau ditunda.$"):
        muskel.check_verdict("setuju", "alasan yang cukup panjang")


def test_verdicts_map_to_review_actions_and_ditunda_to_none():
    assert muskel.VERDICT_ACTION == {"layak": Action.SETUJUI, "tidak_layak": Action.TOLAK}
    assert set(muskel.VERDICTS) == {"layak", "tidak_layak", "ditunda"}


@pytest.mark.parametrize("kind, participants", [("muskel", 3), ("muskel", 4), ("sptjm", 1)])
def test_finalise_with_enough_people_and_one_decision(kind, participants):
    muskel.check_can_finalise(kind, participants, verdicts=2, decided=1)


@pytest.mark.parametrize("kind, participants, message", [
    ("muskel", 2, "Catat minimal 3 peserta musyawarah."),
    ("sptjm", 0, "Catat Lurah yang menandatangani SPTJM sebagai peserta."),
])
def test_finalise_with_too_few_people_is_refused(kind, participants, message):
    with pytest.raises(DomainError) as refused:
        muskel.check_can_finalise(kind, participants, verdicts=1, decided=1)
    assert refused.value.message == message


def test_finalise_without_verdicts_or_with_all_postponed_is_refused():
    with pytest.raises(DomainError) as none:
        muskel.check_can_finalise("muskel", 3, verdicts=0, decided=0)
    assert none.value.message == "Belum ada usulan yang diputuskan dalam musyawarah ini."
    with pytest.raises(DomainError) as postponed:
        muskel.check_can_finalise("muskel", 3, verdicts=2, decided=0)
    assert postponed.value.message == "Semua usulan ditunda; tidak ada yang dapat difinalkan."


def test_every_problem_is_told_at_once():
    with pytest.raises(DomainError) as refused:
        muskel.check_can_finalise("muskel", 1, verdicts=0, decided=0)
    assert refused.value.message == ("Catat minimal 3 peserta musyawarah. "
                                     "Belum ada usulan yang diputuskan dalam musyawarah ini.")


# --- data-subject export -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["6474014508900001", "6474 0145 0890 0001", "6474.0145.0890.0001"])
def test_a_full_nik_is_cleaned(typed):
    assert data_subject.clean_nik(typed) == "6474014508900001"


@pytest.mark.parametrize("typed", ["647401450890000", "64740145089000011", "647401450890000x", "", None])
def test_anything_but_16_digits_is_refused(typed):
    with pytest.raises(DomainError) as refused:
        data_subject.clean_nik(typed)
    assert (refused.value.message, refused.value.field) == ("Tulis NIK lengkap: 16 digit angka.", "nik")


@pytest.mark.parametrize("length, ok", [(9, False), (10, True), (300, True), (301, False)])
def test_the_reason_is_10_to_300_characters(length, ok):
    text = "a" * length
    if ok:
        assert data_subject.clean_reason(f"  {text}  ") == text
        return
    with pytest.raises(DomainError) as refused:
        data_subject.clean_reason(text)
    assert refused.value.field == "reason"
    assert refused.value.message == ("Tuliskan alasan permintaan, paling sedikit 10 karakter (mis. nomor surat "
                                     "permohonan warga)." if length < 10 else "Alasan paling banyak 300 karakter.")


def test_the_reason_counts_after_joining_spaces():
    assert data_subject.clean_reason("Surat   12/2026\n warga") == "Surat 12/2026 warga"
    with pytest.raises(DomainError):
        data_subject.clean_reason("a b c d e ")  # 9 characters once spaces are joined
    with pytest.raises(DomainError):
        data_subject.clean_reason(None)


@pytest.mark.parametrize("name, masked", [("Siti Rahmawati", "S*** R********"), ("A", "A"), ("", ""), (None, ""),
                                          ("  Budi   Santoso ", "B*** S******")])
def test_an_officials_name_is_masked_word_by_word(name, masked):
    assert data_subject.mask_name(name) == masked


# --- office letter settings ----------------------------------------------------------------------------------------

def test_the_city_office_defaults_print_the_dinas_sosial_kop():
    city = letters.default_settings("kota", "Bontang")
    assert (city.name, city.unit, city.government) == ("DINAS SOSIAL DAN PEMBERDAYAAN MASYARAKAT", "Dinsos",
                                                       "PEMERINTAH KOTA BONTANG")
    assert city.tembusan == ["Gubernur Kalimantan Timur", "Kepala Dinas Sosial Provinsi Kalimantan Timur", "Arsip"]
    assert city.signer.title == "Kepala Dinas Sosial dan Pemberdayaan Masyarakat" and len(city.signer.nip) == 18
    assert city.pattern == "{klasifikasi}/{nomor:04}/{unit}/{tahun}"
    assert city.classifications == {kind: "400.9.2" for kind in letters.KINDS}


@pytest.mark.parametrize("level, area, name, unit, title", [
    ("kecamatan", "Bontang Utara", "KECAMATAN BONTANG UTARA", "KecBontangUtara", "Camat Bontang Utara"),
    ("kelurahan", "Api-Api", "KELURAHAN API-API", "KelApi-Api", "Lurah Api-Api"),
])
def test_a_kecamatan_or_kelurahan_office_defaults_to_its_own_name(level, area, name, unit, title):
    office = letters.default_settings(level, area)
    assert (office.name, office.unit, office.signer.title, office.tembusan) == (name, unit, title, ["Arsip"])
    assert office.address == f"Kantor {name.split()[0].title()} {area}, Bontang"


def test_saved_settings_override_the_defaults_but_blank_values_do_not():
    defaults = letters.default_settings("kelurahan", "Api-Api")
    saved = {"name": "KELURAHAN API-API (BARU)", "phone": "", "email": None, "signer": {"name": "Hj. Siti"}}
    merged = letters.OfficeSettings.from_dict(saved, defaults)
    assert merged.name == "KELURAHAN API-API (BARU)"
    assert (merged.phone, merged.email) == (defaults.phone, defaults.email)
    assert (merged.signer.name, merged.signer.title) == ("Hj. Siti", "Lurah Api-Api")
    assert letters.OfficeSettings.from_dict(None, defaults) == defaults
    assert letters.OfficeSettings.from_dict(merged.to_dict(), defaults) == merged


# --- the reason of a return or refusal in the review chain ---------------------------------------------------------

@pytest.mark.parametrize("action", [Action.KEMBALIKAN, Action.TOLAK, Action.TOLAK_KEMENTERIAN])
def test_a_return_or_refusal_reason_is_at_least_ten_characters(action):
    from portal.domain.workflow import check_reason

    assert check_reason(action, " 1234567890 ") == "1234567890"
    with pytest.raises(DomainError) as refused:
        check_reason(action, "123456789")
    assert (refused.value.message, refused.value.field) == (
        "Tuliskan alasan minimal 10 karakter agar Ketua RT tahu apa yang harus diperbaiki.", "reason")


def test_a_reason_is_kept_to_500_characters():
    from portal.domain.workflow import check_reason

    assert check_reason(Action.TOLAK, "a" * 501) == "a" * 500
