"""NIK (Nomor Induk Kependudukan) and No. KK: format rules, and what a NIK says about its holder.

NIK layout: PP KK CC DD MM YY SSSS — province, kab/kota, kecamatan of first issue, birth day
(women: day + 40), month, two-digit year, serial. A NIK that disagrees with the recorded sex or
birth date, or was issued outside Bontang, is a *warning* (real NIKs do disagree), never a block.

The two-digit year is read as the most recent such date that is not in the future: "121226" on
27 November 2026 is 12 December 1926, not a birth next month. (A NIK cannot tell a baby born on
26 November 2026 from someone born on 26 November 1926; the recorded birth date decides, and it
agrees with the NIK either way.)
"""
import re
from dataclasses import dataclass
from datetime import date

from portal.domain.errors import DomainError
from portal.domain.ppks import age_on

BONTANG_PREFIX = "6474"
MAX_AGE = 120  # years; an older birth date is a typing error
DIGITS16 = re.compile(r"[0-9]{16}")  # ASCII only: str.isdigit() would accept other scripts' digits


@dataclass(frozen=True)
class NikInfo:
    nik: str
    sex: str  # "L" or "P"
    birth_date: date

    @property
    def region(self) -> str:
        return self.nik[:6]

    @property
    def issued_in_bontang(self) -> bool:
        return self.nik.startswith(BONTANG_PREFIX)


def _check_region(number: str, label: str, field: str) -> None:
    if not 11 <= int(number[:2]) <= 96:
        raise DomainError(f"{label} tidak valid: kode provinsi {number[:2]} tidak ada.", field=field)
    if number[2:4] == "00":
        raise DomainError(f"{label} tidak valid: kode kabupaten/kota 00 tidak ada.", field=field)
    if number[4:6] == "00":
        raise DomainError(f"{label} tidak valid: kode kecamatan 00 tidak ada.", field=field)


def clean_number(text: str | None) -> str:
    """Strip the spaces and dots people type between groups of digits."""
    return re.sub(r"[\s.\-]", "", text or "")


def parse_nik(text: str | None, today: date, field: str = "nik") -> NikInfo:
    """Validate a NIK and derive sex and birth date; DomainError with the reason when invalid."""
    nik = clean_number(text)
    if not DIGITS16.fullmatch(nik):
        raise DomainError("NIK harus 16 digit angka.", field=field)
    _check_region(nik, "NIK", field)
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "P" if day > 40 else "L"
    day = day - 40 if day > 40 else day
    if not 1 <= day <= 31:
        raise DomainError("NIK tidak valid: tanggal lahir (digit 7–8) harus 01–31, atau 41–71 untuk perempuan.",
                          field=field)
    if not 1 <= month <= 12:
        raise DomainError("NIK tidak valid: bulan lahir (digit 9–10) harus 01–12.", field=field)
    birth_date = _latest_past_date(day, month, year, today)
    if birth_date is None:
        raise DomainError("NIK tidak valid: tanggal lahir di dalam NIK tidak ada di kalender.", field=field)
    if nik[12:] == "0000":
        raise DomainError("NIK tidak valid: nomor urut (4 digit terakhir) tidak boleh 0000.", field=field)
    return NikInfo(nik=nik, sex=sex, birth_date=birth_date)


def _latest_past_date(day: int, month: int, two_digit_year: int, today: date) -> date | None:
    """The latest date with this day, month and two-digit year that is not after today (None: no such date,
    e.g. 29 February of a year that was not a leap year)."""
    year = today.year - (today.year - two_digit_year) % 100
    for candidate in (year, year - 100):
        try:
            found = date(candidate, month, day)
        except ValueError:
            continue
        if found <= today:
            return found
    return None


def check_birth_date(birth: date, today: date, field: str = "birth_date") -> date:
    """The one rule for a birth date typed or imported: not in the future, and at most MAX_AGE years ago."""
    if birth > today:
        raise DomainError("Tanggal lahir tidak boleh di masa depan.", field=field)
    if age_on(birth, today) > MAX_AGE:
        raise DomainError(f"Tanggal lahir tidak masuk akal: umur lebih dari {MAX_AGE} tahun.", field=field)
    return birth


def parse_kk(text: str | None, field: str = "no_kk") -> str:
    """Validate a No. KK (16 digits, region code first); returns the cleaned number."""
    kk = clean_number(text)
    if not DIGITS16.fullmatch(kk):
        raise DomainError("No. KK harus 16 digit angka.", field=field)
    _check_region(kk, "No. KK", field)
    if kk[12:] == "0000":
        raise DomainError("No. KK tidak valid: nomor urut (4 digit terakhir) tidak boleh 0000.", field=field)
    return kk


def nik_warnings(info: NikInfo, sex: str | None, birth_date: date | None) -> list[str]:
    """Disagreements that need a written reason before the data may be submitted."""
    warnings = []
    if sex and sex != info.sex:
        warnings.append(f"Jenis kelamin menurut NIK adalah {'perempuan' if info.sex == 'P' else 'laki-laki'}, "
                        "berbeda dengan yang diisi.")
    if birth_date and _day_month_yy(birth_date) != _day_month_yy(info.birth_date):
        warnings.append(f"Tanggal lahir menurut NIK adalah {info.birth_date:%d-%m-%Y}, berbeda dengan yang diisi.")
    if not info.issued_in_bontang:
        warnings.append(f"NIK diterbitkan di luar Kota Bontang (kode wilayah {info.region}).")
    return warnings


def _day_month_yy(value: date) -> tuple[int, int, int]:
    """What a NIK says about a birth date: the century is not in it."""
    return value.day, value.month, value.year % 100


def mask(number: str | None) -> str:
    """'6474014508900001' -> '647401******0001': lists never show a full NIK or No. KK."""
    if not number or len(number) != 16:
        return "–"
    return f"{number[:6]}{'*' * 6}{number[12:]}"
