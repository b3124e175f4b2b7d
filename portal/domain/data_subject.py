"""Rules of a data-subject export (UU 27/2022: a person's right to a copy of their data).

Pure Python (no Flask, no database): who counts as an identified subject, how other people appear in the
file (their NIK masked, officials by their role and a masked name), and the reason Dinas Sosial must give.
"""
import re

from portal.domain.errors import DomainError
from portal.domain.nik import clean_number

REASON_MIN = 10
REASON_MAX = 300
NIK_RE = re.compile(r"[0-9]{16}")
FORMAT_VERSION = 1


def clean_nik(text: str | None) -> str:
    """A full NIK (16 digits; spaces and dots people type are dropped), or DomainError."""
    nik = clean_number(text)
    if not NIK_RE.fullmatch(nik):
        raise DomainError("Tulis NIK lengkap: 16 digit angka.", field="nik")
    return nik


def clean_reason(text: str | None) -> str:
    reason = " ".join((text or "").split())
    if len(reason) < REASON_MIN:
        raise DomainError(f"Tuliskan alasan permintaan, paling sedikit {REASON_MIN} karakter "
                          "(mis. nomor surat permohonan warga).", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"Alasan paling banyak {REASON_MAX} karakter.", field="reason")
    return reason


def mask_name(name: str | None) -> str:
    """'Siti Rahmawati' -> 'S*** R*********': an official's name is shown, but not spelled out."""
    if not name:
        return ""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())
