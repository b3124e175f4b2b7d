"""Roles, the area level each role is bound to, and the labels users see."""
from enum import StrEnum

from portal.domain.areas import Level
from portal.domain.errors import DomainError


class Role(StrEnum):
    RT = "rt"
    KELURAHAN = "kelurahan"
    KECAMATAN = "kecamatan"
    DINSOS = "dinsos"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.RT: "Ketua RT",
    Role.KELURAHAN: "Kelurahan",
    Role.KECAMATAN: "Kecamatan",
    Role.DINSOS: "Dinas Sosial",
    Role.ADMIN: "Admin",
}

AREA_LEVEL_OF_ROLE = {
    Role.RT: Level.RT,
    Role.KELURAHAN: Level.KELURAHAN,
    Role.KECAMATAN: Level.KECAMATAN,
    Role.DINSOS: Level.KOTA,
    Role.ADMIN: Level.KOTA,
}


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise DomainError("Peran tidak dikenal.", field="role") from None


def check_area_fits_role(role: Role, area_level: str) -> None:
    """Each user is bound to exactly one area of the level their role works at."""
    expected = AREA_LEVEL_OF_ROLE[role]
    if area_level != expected:
        raise DomainError(
            f"Peran {ROLE_LABELS[role]} harus terikat pada wilayah tingkat {expected.value}.",
            field="area_code",
        )
