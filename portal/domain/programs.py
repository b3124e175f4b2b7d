"""Social-assistance programs a household (or, for PBI-JK, a person) receives, and how a change is proposed.

Memberships come from the official extract or are entered by Dinas Sosial; after that a program starts or
stops only through a PROGRAM proposal (usul / hentikan, with a reason) approved along the chain.
"""
import re

from portal.domain.errors import DomainError

PROGRAMS = {"kks": "KKS", "bpnt": "Rastra / BPNT / Sembako", "pkh": "PKH", "pbi_jk": "PBI-JK"}
PER_PERSON = {"pbi_jk"}  # PBI-JK (health insurance) is per person; the others per household
IDENTIFIER_LABELS = {"kks": "Nomor kartu KKS", "bpnt": "Nomor kartu / ID penerima", "pkh": "ID penerima PKH",
                     "pbi_jk": "Nomor kartu JKN"}
ACTIONS = {"usul": "Usulkan sebagai penerima", "hentikan": "Hentikan kepesertaan"}


def check_program(code: str) -> str:
    if code not in PROGRAMS:
        raise DomainError("Pilih program bantuan.", field="program")
    return code


def clean_identifier(text: str | None) -> str:
    """Card and recipient numbers: digits and letters only (spaces and dashes as typed are dropped)."""
    value = re.sub(r"[\s.\-/]", "", text or "")
    if value and not re.fullmatch(r"[0-9A-Za-z]{4,30}", value):
        raise DomainError("Nomor kartu hanya berisi angka dan huruf, 4 sampai 30 karakter.", field="identifier")
    return value.upper()


def describe(change: dict) -> str:
    """A PROGRAM proposal in a few words, e.g. "Usul PKH: anak putus sekolah karena biaya"."""
    verb = {"usul": "Usul", "hentikan": "Hentikan"}.get(change.get("action", ""), "")
    text = f"{verb} {PROGRAMS.get(change.get('program', ''), '')}".strip()
    return f"{text}: {change['reason']}" if change.get("reason") else text


def check_change(action: str, program: str, has_it: bool, reason: str) -> None:
    """A PROGRAM proposal must change something, and say why."""
    if action not in ACTIONS:
        raise DomainError("Pilih: usulkan atau hentikan.", field="action")
    check_program(program)
    if action == "usul" and has_it:
        raise DomainError(f"Sudah tercatat sebagai penerima {PROGRAMS[program]}.", field="program")
    if action == "hentikan" and not has_it:
        raise DomainError(f"Belum tercatat sebagai penerima {PROGRAMS[program]}.", field="program")
    if len(" ".join((reason or "").split())) < 10:
        raise DomainError("Tuliskan alasannya (minimal 10 karakter).", field="reason")
