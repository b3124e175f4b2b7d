"""Area codes of the Kota Bontang hierarchy (Kepmendagri codes) and the RTs we add under kelurahan.

Codes are hierarchical strings, so "inside an area" is a prefix test:
kota 64.74 > kecamatan 64.74.01 > kelurahan 64.74.01.1006 > RT 64.74.01.1006.001.
"""
import re
from enum import StrEnum

from portal.domain.errors import DomainError


class Level(StrEnum):
    KOTA = "kota"
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"
    RT = "rt"


LEVEL_LABELS = {
    Level.KOTA: "Kota",
    Level.KECAMATAN: "Kecamatan",
    Level.KELURAHAN: "Kelurahan",
    Level.RT: "RT",
}

# The levels each level's children have.
CHILD_LEVEL = {Level.KOTA: Level.KECAMATAN, Level.KECAMATAN: Level.KELURAHAN, Level.KELURAHAN: Level.RT}

RT_MAX = 999
NUMBER_RE = re.compile(r"[0-9]{1,3}")  # ASCII digits only: str.isdigit() also accepts e.g. Arabic-Indic digits


def is_within(code: str, ancestor_code: str) -> bool:
    """True when `code` is the ancestor itself or lies below it."""
    return code == ancestor_code or code.startswith(ancestor_code + ".")


def slugify(name: str) -> str:
    """'Tanjung Laut Indah' -> 'tanjung-laut-indah'; 'Api-Api' -> 'api-api'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def parse_rt_number(text: str) -> int:
    """An RT number typed by an admin ('7', '007') -> 7. Raises DomainError with a field message."""
    text = (text or "").strip()
    if not NUMBER_RE.fullmatch(text) or not 1 <= int(text) <= RT_MAX:
        raise DomainError(f"Nomor RT harus angka 1 sampai {RT_MAX}.", field="number")
    return int(text)


def normalise_rw(text: str | None) -> str | None:
    """RW is optional; when given it is 1..999 and stored as three digits ('2' -> '002')."""
    text = (text or "").strip()
    if not text:
        return None
    if not NUMBER_RE.fullmatch(text) or not 1 <= int(text) <= RT_MAX:
        raise DomainError(f"Nomor RW harus angka 1 sampai {RT_MAX}, atau dikosongkan.", field="rw")
    return f"{int(text):03d}"


def rt_code(kelurahan_code: str, number: int) -> str:
    return f"{kelurahan_code}.{number:03d}"


def rt_name(number: int) -> str:
    return f"RT {number:03d}"
