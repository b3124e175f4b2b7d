"""Letter numbers (classification / sequence / unit, e.g. 400.9.2/0123/Dinsos/2026) and signers' NIP.

The numbering pattern is office-configurable, so it is checked when an admin saves it, not when a letter
is issued: a pattern that cannot produce a number must never reach the issuing step. The sequence itself
(unique and gapless per office per year) is the database's job; this module only formats it.

NIP (Nomor Induk Pegawai) layout: yyyymmdd birth date, yyyymm appointment (TMT CPNS), sex (1 man,
2 woman), three-digit serial — 18 digits, printed on letters as '19800101 200501 1 001'.
"""
import re
from datetime import date
from string import Formatter

from portal.domain.errors import DomainError

PLACEHOLDERS = ("klasifikasi", "nomor", "unit", "tahun", "bulan_romawi")
DEFAULT_PATTERN = "{klasifikasi}/{nomor:04}/{unit}/{tahun}"
DEFAULT_NUMBER_SPEC = "04"  # a bare {nomor} is zero-padded to four digits, as in 400.9.2/0123/Dinsos
NUMBER_SPEC_RE = re.compile(r"0[1-9]d?")  # zero-padded widths only: a space or comma inside a number is a typo
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
DIGITS18 = re.compile(r"[0-9]{18}")  # ASCII only: str.isdigit() would accept other scripts' digits
ALLOWED = ", ".join("{" + name + "}" for name in PLACEHOLDERS)


def roman(month: int) -> str:
    """Month in Roman numerals, as some offices put it in the number: 11 -> 'XI'."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    return ROMAN[month - 1]


def _parts(pattern: str) -> list[tuple[str, str | None, str]]:
    """(literal text, placeholder or None, format spec) triples; DomainError(field='pattern') when invalid."""
    try:
        parsed = list(Formatter().parse(pattern))
    except ValueError:
        raise DomainError("Pola nomor surat tidak valid: tanda kurung kurawal { } tidak berpasangan. "
                          "Tulis {{ atau }} untuk kurung kurawal biasa.", field="pattern") from None
    parts = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            parts.append((literal, None, ""))
            continue
        if name not in PLACEHOLDERS:
            shown = "{" + name + "}"
            raise DomainError(f"Pola nomor surat memuat isian yang tidak dikenal: {shown}. "
                              f"Yang boleh dipakai: {ALLOWED}.", field="pattern")
        if conversion:
            raise DomainError(f"Pola nomor surat tidak valid: isian {{{name}}} tidak boleh memakai tanda '!'.",
                              field="pattern")
        if name == "nomor":
            if spec and not NUMBER_SPEC_RE.fullmatch(spec):
                raise DomainError("Pola nomor surat tidak valid: format nomor urut ditulis seperti {nomor:04} "
                                  "(diisi nol sampai 4 digit) atau {nomor} saja.", field="pattern")
            spec = spec or DEFAULT_NUMBER_SPEC
        elif spec:
            raise DomainError(f"Pola nomor surat tidak valid: isian {{{name}}} tidak boleh diberi format "
                              "(hanya {nomor} yang boleh, mis. {nomor:04}).", field="pattern")
        parts.append((literal, name, spec))
    if not any(name == "nomor" for _, name, _ in parts):
        raise DomainError("Pola nomor surat harus memuat {nomor} (nomor urut surat).", field="pattern")
    return parts


def check_pattern(pattern: str) -> None:
    """Raise DomainError(field='pattern') unless the pattern can produce a letter number."""
    _parts(pattern or "")


def format_number(pattern: str, classification: str, sequence: int, unit: str, issued_on: date) -> str:
    """('{klasifikasi}/{nomor:04}/{unit}/{tahun}', '400.9.2', 123, 'Dinsos', 27-11-2026) -> '400.9.2/0123/Dinsos/2026'.

    Values are substituted, never re-parsed: braces in a unit code are printed as they are.
    """
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
        raise ValueError(f"sequence must be a positive int, got {sequence!r}")
    values: dict[str, object] = {
        "klasifikasi": classification.strip(),
        "nomor": sequence,
        "unit": unit.strip(),
        "tahun": issued_on.year,
        "bulan_romawi": roman(issued_on.month),
    }
    return "".join(literal + (format(values[name], spec) if name else "")
                   for literal, name, spec in _parts(pattern or ""))


def check_nip(text: str | None, field: str = "nip") -> str:
    """Validate an 18-digit NIP (spaces allowed) and return it without spaces; DomainError with the reason."""
    nip = re.sub(r"\s", "", text or "")
    if not DIGITS18.fullmatch(nip):
        detail = f" (terisi {len(nip)} digit)" if nip.isascii() and nip.isdigit() else ""
        raise DomainError(f"NIP harus 18 digit angka{detail}.", field=field)
    try:
        birth = date(int(nip[:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        raise DomainError("NIP tidak valid: tanggal lahir (digit 1–8, tahun-bulan-tanggal) tidak ada di kalender.",
                          field=field) from None
    if birth.year < 1900:
        raise DomainError("NIP tidak valid: tahun lahir (digit 1–4) sebelum 1900.", field=field)
    appointed_year, appointed_month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= appointed_month <= 12:
        raise DomainError("NIP tidak valid: bulan pengangkatan (digit 13–14) harus 01–12.", field=field)
    if (appointed_year, appointed_month) <= (birth.year, birth.month):
        raise DomainError("NIP tidak valid: tahun dan bulan pengangkatan (digit 9–14) harus sesudah tanggal lahir.",
                          field=field)
    if nip[14] not in "12":
        raise DomainError("NIP tidak valid: kode jenis kelamin (digit 15) harus 1 (laki-laki) atau 2 (perempuan).",
                          field=field)
    if nip[15:] == "000":
        raise DomainError("NIP tidak valid: nomor urut (3 digit terakhir) harus 001–999.", field=field)
    return nip


def format_nip(nip: str) -> str:
    """'198001012005011001' -> '19800101 200501 1 001', the spaced form printed under a signature."""
    nip = check_nip(nip)
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"
