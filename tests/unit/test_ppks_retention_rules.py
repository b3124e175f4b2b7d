"""The PPKS age bands a Ketua RT is told about, and the retention policy `flask purge` follows."""
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.domain.errors import DomainError
from portal.domain.ppks import PpksCategory, age_on, categories, check_category_for
from portal.domain.retention import KINDS, Policy, cutoffs, report_lines

TODAY = date(2026, 11, 27)


# --- PPKS ---------------------------------------------------------------------------------------------------------

def test_categories_are_read_with_their_bands_from_the_csv():
    found = categories()
    assert list(found)[:3] == ["ABT", "AT", "ABH"] and list(found)[-1] == "KAT"
    assert found["ABT"] == PpksCategory("ABT", "Anak Balita Terlantar", 0, 5)
    assert found["AT"] == PpksCategory("AT", "Anak Terlantar", 6, 18)
    assert found["ABH"] == PpksCategory("ABH", "Anak yang Berhadapan dengan Hukum", None, 18)
    assert found["LUT"] == PpksCategory("LUT", "Lanjut Usia Terlantar", 60, None)
    assert found["FM"] == PpksCategory("FM", "Fakir Miskin", None, None)


@pytest.mark.parametrize("born, age", [
    (date(1966, 11, 27), 60),   # birthday today
    (date(1966, 11, 26), 60),
    (date(1966, 11, 28), 59),   # birthday tomorrow
    (date(1966, 10, 28), 60),   # an earlier month, a later day
    (date(1966, 12, 1), 59),    # a later month, an earlier day
    (date(2026, 11, 27), 0),
])
def test_age_on(born, age):
    assert age_on(born, TODAY) == age


def test_too_young_for_a_band_is_told_the_band_and_the_age():
    with pytest.raises(DomainError) as error:
        check_category_for("LUT", date(1966, 11, 28), TODAY)
    assert error.value.message == "Lanjut Usia Terlantar untuk usia 60 tahun ke atas; usia orang ini 59 tahun."
    assert error.value.field == "category"


def test_too_old_for_a_band_is_told_the_band_and_the_age():
    with pytest.raises(DomainError) as error:
        check_category_for("AT", date(2007, 11, 27), TODAY)
    assert error.value.message == "Anak Terlantar untuk usia sampai 18 tahun; usia orang ini 19 tahun."
    assert error.value.field == "category"


@pytest.mark.parametrize("code, born", [
    ("AT", date(2020, 11, 27)),   # 6: the lowest age of the band
    ("AT", date(2007, 11, 28)),   # 18: the highest
    ("ABT", date(2026, 11, 27)),  # 0, born today
    ("ABT", date(2020, 11, 28)),  # 5
    ("ABH", date(2026, 1, 1)),    # only an upper bound
    ("LUT", date(1900, 1, 1)),    # only a lower bound
])
def test_ages_inside_a_band_pass(code, born):
    assert check_category_for(code, born, TODAY) is categories()[code]


def test_unknown_category_names_the_field():
    with pytest.raises(DomainError) as error:
        check_category_for("XYZ", date(2000, 1, 1), TODAY)
    assert (error.value.message, error.value.field) == ("Kategori PPKS tidak dikenal.", "category")


# --- retention ----------------------------------------------------------------------------------------------------

CONFIG = {"RETENTION_ENDED_SESSIONS_DAYS": 7, "RETENTION_ABANDONED_DRAFTS_DAYS": 8,
          "RETENTION_IMPORT_FILES_DAYS": 9, "RETENTION_FAILED_LETTER_JOBS_DAYS": 10}


def test_default_policy():
    assert Policy() == Policy(ended_sessions_days=90, abandoned_drafts_days=180, import_files_days=30,
                              failed_letter_jobs_days=90)


def test_policy_from_config_takes_each_setting_for_its_own_kind():
    assert Policy.from_config(CONFIG) == Policy(7, 8, 9, 10)


def test_every_kind_gets_its_own_cutoff():
    now = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    limits = cutoffs(Policy(7, 8, 9, 10), now)
    assert (limits.sessions, limits.drafts, limits.import_files, limits.letter_jobs) == (
        now - timedelta(days=7), now - timedelta(days=8), now - timedelta(days=9), now - timedelta(days=10))


@pytest.mark.parametrize("field", ["ended_sessions_days", "abandoned_drafts_days", "import_files_days",
                                   "failed_letter_jobs_days"])
def test_a_policy_of_less_than_a_day_is_refused_at_start(field):
    assert getattr(Policy(**{field: 1}), field) == 1
    with pytest.raises(ValueError) as error:
        Policy(**{field: 0})
    assert str(error.value) == f"{field} must be at least 1 day, not 0"


def test_purge_report_names_every_kind_in_order():
    counts = {"sessions": 3, "drafts": 2, "evidence_files": 5, "import_files": 1, "letter_jobs": 4}
    assert report_lines(counts, dry_run=False) == [
        "3 sesi masuk yang sudah berakhir dihapus.",
        "2 draf usulan yang tidak pernah diajukan dihapus.",
        "5 berkas bukti dari draf tersebut dihapus.",
        "1 berkas impor yang tersimpan dihapus.",
        "4 pembuatan surat yang gagal dihapus.",
    ]
    assert report_lines({"drafts": 2}, dry_run=True) == [
        f"{2 if kind == 'drafts' else 0} {label} akan dihapus." for kind, label in KINDS.items()]
