"""Password policy: long enough, not a common password, not the username."""
from functools import lru_cache
from pathlib import Path

from portal.domain.errors import DomainError

MIN_LENGTH = 10
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_password(password: str, username: str = "", field: str = "password") -> None:
    """Raise DomainError (for `field`) when the password breaks the policy."""
    if len(password) < MIN_LENGTH:
        raise DomainError(f"Kata sandi minimal {MIN_LENGTH} karakter.", field=field)
    if len(password) > MAX_LENGTH:
        raise DomainError(f"Kata sandi maksimal {MAX_LENGTH} karakter.", field=field)
    lowered = password.lower()
    if lowered in common_passwords():
        raise DomainError("Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain.", field=field)
    if username and username.lower() in lowered:
        raise DomainError("Kata sandi tidak boleh memuat nama pengguna.", field=field)
