"""The rules of verivali periods and program changes, without a database: what a period may be, when a check may
be recorded, how progress is counted, and what a PROGRAM proposal must say."""
from datetime import date, timedelta

import pytest

from portal.domain import programs
from portal.domain.errors import DomainError
from portal.domain.programs import check_change, check_program, clean_identifier
from portal.domain.verivali import (CLOSED, LONGEST_DAYS, NAME_MAX, OPEN, OUTCOME_LABELS, PREPARING, PROPOSAL_FOR,
                                    Outcome, PeriodRequest, Progress, check_can_record, check_period, days_left)

TODAY = date(2026, 11, 27)
START, END = date(2026, 7, 1), date(2026, 12, 31)
GOOD_REASON = "Keluarga kehilangan pekerjaan sejak Agustus."


def period(name: str = "Verivali Semester II 2026", starts_on: date = START, ends_on: date = END,
           **scope) -> PeriodRequest:
    return PeriodRequest(name, starts_on, ends_on, **scope)


def refused(call, *args) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value


# --- check_period ------------------------------------------------------------------------------------------------

def test_a_good_period_passes_with_its_name_tidied_and_its_scope_kept():
    checked = check_period(period("  Verivali   Semester II\t2026 ", programs=("pkh",), kelurahan_ids=(10, 12)),
                           TODAY)
    assert checked == PeriodRequest("Verivali Semester II 2026", START, END, ("pkh",), (10, 12))


@pytest.mark.parametrize("name", ["", "   ", "Vv 1", " a  b "], ids=["empty", "blank", "four", "spaced"])
def test_a_name_shorter_than_five_characters_is_refused(name):
    error = refused(check_period, period(name), TODAY)
    assert error.field == "name"
    assert "Tulis nama periode" in error.message


def test_a_name_of_exactly_five_and_of_the_maximum_length_pass():
    assert check_period(period("Vv 12"), TODAY).name == "Vv 12"
    assert check_period(period("x" * NAME_MAX), TODAY).name == "x" * NAME_MAX


def test_a_name_longer_than_the_maximum_is_refused():
    error = refused(check_period, period("x" * (NAME_MAX + 1)), TODAY)
    assert error.field == "name"
    assert error.message == f"Nama periode paling panjang {NAME_MAX} karakter."


def test_the_end_before_the_start_is_refused():
    error = refused(check_period, period(starts_on=date(2026, 12, 1), ends_on=date(2026, 11, 30)), TODAY)
    assert (error.field, error.message) == ("ends_on", "Tanggal selesai harus sesudah tanggal mulai.")


def test_a_one_day_period_ending_today_passes():
    assert check_period(period(starts_on=TODAY, ends_on=TODAY), TODAY).ends_on == TODAY


def test_an_end_in_the_past_is_refused():
    error = refused(check_period, period(starts_on=date(2026, 1, 1), ends_on=TODAY - timedelta(days=1)), TODAY)
    assert (error.field, error.message) == ("ends_on", "Tanggal selesai sudah lewat.")


def test_a_period_longer_than_a_year_is_refused_and_exactly_the_limit_passes():
    start = date(2026, 11, 1)
    assert check_period(period(starts_on=start, ends_on=start + timedelta(days=LONGEST_DAYS)), TODAY)
    error = refused(check_period, period(starts_on=start, ends_on=start + timedelta(days=LONGEST_DAYS + 1)), TODAY)
    assert (error.field, error.message) == ("ends_on", "Satu periode paling lama satu tahun.")


# --- check_can_record --------------------------------------------------------------------------------------------

OPENED = TODAY - timedelta(days=LONGEST_DAYS)  # a period that began a year ago


def test_a_visit_before_the_period_began_is_refused():
    error = refused(check_can_record, OPEN, TODAY - timedelta(days=10), TODAY - timedelta(days=11), TODAY)
    assert (error.field, error.message) == ("visit_date", "Tanggal kunjungan sebelum periode dimulai.")

def test_a_visit_today_or_earlier_in_an_open_period_may_be_recorded():
    for visit in (TODAY, TODAY - timedelta(days=1), TODAY - timedelta(days=LONGEST_DAYS)):
        check_can_record(OPEN, OPENED, visit, TODAY)  # no error


def test_nothing_is_recorded_in_a_closed_period():
    error = refused(check_can_record, CLOSED, OPENED, TODAY, TODAY)
    assert "sudah ditutup" in error.message


@pytest.mark.parametrize("status", [PREPARING, "gagal", ""])
def test_nothing_is_recorded_in_a_period_that_is_not_open(status):
    assert refused(check_can_record, status, OPENED, TODAY, TODAY).message == "Periode verivali ini belum dibuka."


def test_a_visit_in_the_future_is_refused():
    error = refused(check_can_record, OPEN, OPENED, TODAY + timedelta(days=1), TODAY)
    assert (error.field, error.message) == ("visit_date", "Tanggal kunjungan tidak boleh di masa depan.")


def test_a_visit_more_than_a_year_ago_is_refused():
    error = refused(check_can_record, OPEN, OPENED, TODAY - timedelta(days=LONGEST_DAYS + 1), TODAY)
    assert (error.field, error.message) == ("visit_date", "Tanggal kunjungan terlalu lama.")


def test_closed_is_reported_before_a_bad_visit_date():
    assert "sudah ditutup" in refused(check_can_record, CLOSED, OPENED, TODAY + timedelta(days=3), TODAY).message


def test_days_left_never_goes_below_zero():
    assert days_left(END, date(2026, 12, 1)) == 30
    assert days_left(END, END) == 0
    assert days_left(END, date(2027, 1, 5)) == 0


# --- Progress and outcomes ---------------------------------------------------------------------------------------

def test_progress_counts_done_items_and_rounds_the_percentage():
    progress = Progress(7, {"sesuai": 3, "tidak_ditemukan": 1, "usul_nonaktif": 1})
    assert progress.done == 5
    assert progress.percent == 71  # 5/7 = 71.4 %


@pytest.mark.parametrize("total, counts, done, percent", [
    (0, {}, 0, 0),                      # an area without items: no division by zero
    (3, {}, 0, 0),
    (3, {"sesuai": 3}, 3, 100),
    (200, {"sesuai": 1}, 1, 0),         # 0.5 % rounds to 0 (banker's rounding of 0.5)
    (8, {"sesuai": 1}, 1, 12),          # 12.5 % -> 12
    (3, {"sesuai": 2}, 2, 67),
])
def test_progress_edges(total, counts, done, percent):
    assert (Progress(total, counts).done, Progress(total, counts).percent) == (done, percent)


def test_each_outcome_has_a_label_and_only_two_open_a_proposal():
    assert set(OUTCOME_LABELS) == set(Outcome)
    assert PROPOSAL_FOR == {Outcome.PERLU_PERBAIKAN: "perbaikan", Outcome.USUL_NONAKTIF: "nonaktif"}
    assert [o.value for o in Outcome] == ["sesuai", "perlu_perbaikan", "usul_nonaktif", "tidak_ditemukan"]


# --- programs ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("program", sorted(programs.PROGRAMS))
def test_a_known_program_passes(program):
    assert check_program(program) == program


@pytest.mark.parametrize("program", ["", "KKS", "blt", "pkh "])
def test_an_unknown_program_is_refused(program):
    assert (refused(check_program, program).field, refused(check_program, program).message) == (
        "program", "Pilih program bantuan.")


def test_proposing_a_program_the_household_lacks_with_a_reason_passes():
    check_change("usul", "pkh", False, GOOD_REASON)
    check_change("hentikan", "kks", True, GOOD_REASON)


@pytest.mark.parametrize("program, label", [("kks", "KKS"), ("bpnt", "Rastra / BPNT / Sembako"), ("pbi_jk", "PBI-JK")])
def test_usul_for_a_program_already_received_is_refused(program, label):
    error = refused(check_change, "usul", program, True, GOOD_REASON)
    assert (error.field, error.message) == ("program", f"Sudah tercatat sebagai penerima {label}.")


def test_hentikan_for_a_program_not_received_is_refused():
    error = refused(check_change, "hentikan", "pkh", False, GOOD_REASON)
    assert (error.field, error.message) == ("program", "Belum tercatat sebagai penerima PKH.")


@pytest.mark.parametrize("reason", ["", "   ", "terlalu p", "a  b  c  d", None])
def test_a_reason_under_ten_characters_is_refused(reason):
    error = refused(check_change, "usul", "pkh", False, reason)
    assert (error.field, error.message) == ("reason", "Tuliskan alasannya (minimal 10 karakter).")


def test_a_reason_of_exactly_ten_characters_passes():
    check_change("usul", "pkh", False, "sepuluh ka")
    check_change("usul", "pkh", False, "  sepuluh \n  ka ")  # white space is folded before counting
    assert refused(check_change, "usul", "pkh", False, "  sepuluh   k  ").field == "reason"  # 9 after folding


@pytest.mark.parametrize("action", ["", "tambah", "USUL"])
def test_an_unknown_action_is_refused(action):
    assert refused(check_change, action, "pkh", False, GOOD_REASON).field == "action"


def test_an_unknown_program_in_a_change_is_refused():
    assert refused(check_change, "usul", "blt", False, GOOD_REASON).field == "program"


@pytest.mark.parametrize("typed, stored", [
    ("1234 5678 9012 3456", "1234567890123456"),
    ("12-34/56.78", "12345678"),
    ("pkh-00a1b2", "PKH00A1B2"),
    ("", ""),
    (None, ""),
    ("  ", ""),
    ("abcd", "ABCD"),
    ("x" * 30, "X" * 30),
])
def test_clean_identifier_keeps_letters_and_digits(typed, stored):
    assert clean_identifier(typed) == stored


@pytest.mark.parametrize("typed", ["abc", "12 3", "x" * 31, "1234#5678", "kartu_123", "１２３４５"])
def test_clean_identifier_refuses_what_is_not_a_card_number(typed):
    error = refused(clean_identifier, typed)
    assert (error.field, error.message) == ("identifier", "Nomor kartu hanya berisi angka dan huruf, 4 sampai 30 "
                                                          "karakter.")
