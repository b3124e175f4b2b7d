"""Usernames: lower case letters, digits, dot, dash and underscore (e.g. rt.api-api.001)."""
import re

from portal.domain.errors import DomainError

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def normalise_username(text: str) -> str:
    username = (text or "").strip().lower()
    if not USERNAME_RE.fullmatch(username):
        raise DomainError(
            "Nama pengguna 3–64 karakter: huruf kecil, angka, titik, tanda hubung atau garis bawah.",
            field="username",
        )
    return username
