"""Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps) and recovery codes.

Pure Python (hmac, hashlib, secrets): no Flask, no database, no extra dependency. Authenticator apps
(Google Authenticator, Microsoft Authenticator, Aegis, FreeOTP) read the otpauth:// URI or the secret.
"""
import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps accepted before and after the current one: a phone clock a little off still works
SECRET_BYTES = 20  # 160 bits, the HMAC-SHA-1 key length RFC 4226 recommends

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a code copied from paper cannot be misread.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_GROUP, RECOVERY_GROUPS = 4, 2  # xxxx-xxxx


def new_secret() -> str:
    """A random secret in base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = "".join(secret.split()).upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def step_at(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def code_for_step(secret: str, step: int, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """HOTP (RFC 4226) of one time step: dynamic truncation of HMAC(secret, step)."""
    mac = hmac.new(_key(secret), struct.pack(">Q", step), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def code_at(secret: str, unix_time: float) -> str:
    return code_for_step(secret, step_at(unix_time))


def normalise_code(text: str) -> str:
    """What a user typed for a TOTP code, without spaces or dashes ("123 456" -> "123456")."""
    return "".join(ch for ch in (text or "") if ch not in " -\t")


def matching_step(secret: str, code: str, unix_time: float, window: int = WINDOW) -> int | None:
    """The time step whose code equals `code` within ±window steps of now, else None.

    The caller keeps the last accepted step and refuses a step not greater than it (no replay).
    """
    code = normalise_code(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    now = step_at(unix_time)
    found = None
    for step in range(now - window, now + window + 1):  # compare all, constant work whatever matches
        if hmac.compare_digest(code_for_step(secret, step), code):
            found = step if found is None else found
    return found


def verify(secret: str, code: str, unix_time: float, last_step: int | None = None) -> int | None:
    """The accepted step for `code`, or None when it is wrong or was already used (step <= last_step)."""
    step = matching_step(secret, code, unix_time)
    if step is None or (last_step is not None and step <= last_step):
        return None
    return step


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """otpauth://totp/Issuer:account?secret=...&issuer=... (Key Uri Format read by authenticator apps)."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS,
                       "period": STEP_SECONDS}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str, size: int = 4) -> str:
    """The secret in groups of four for typing by hand: 'ABCD EFGH ...'."""
    return " ".join(secret[i:i + size] for i in range(0, len(secret), size))


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Single-use codes like 'k7mq-3xtp' (40 bits each), shown once and stored only hashed (scrypt)."""
    codes = set()
    while len(codes) < count:
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP * RECOVERY_GROUPS))
        codes.add("-".join(raw[i:i + RECOVERY_GROUP] for i in range(0, len(raw), RECOVERY_GROUP)))
    return sorted(codes)


def normalise_recovery_code(text: str) -> str | None:
    """A typed recovery code in its stored form ('K7MQ 3XTP', 'k7mq3xtp' -> 'k7mq-3xtp'), or None if it is not one."""
    raw = "".join(ch for ch in (text or "").lower() if ch not in " -\t")
    if len(raw) != RECOVERY_GROUP * RECOVERY_GROUPS or any(ch not in RECOVERY_ALPHABET for ch in raw):
        return None
    return "-".join(raw[i:i + RECOVERY_GROUP] for i in range(0, len(raw), RECOVERY_GROUP))


# Recovery-code hash: scrypt, deterministic (salt from the user's id) so a code is found and spent by one
# conditional UPDATE on its hash. A code has only 40 bits, so a fast hash would fall to an offline search of a
# database dump; scrypt at these costs takes about 40 ms per guess here (16 MiB of memory each).
RECOVERY_HASH_PREFIX = "s1$"
RECOVERY_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_recovery_code(user_id: int, code: str) -> str:
    """The stored form of a normalised recovery code: "s1$" + hex of scrypt(code, salt from the user's id)."""
    digest = hashlib.scrypt(code.encode(), salt=f"bontang-recovery:{user_id}".encode(), **RECOVERY_SCRYPT)
    return RECOVERY_HASH_PREFIX + digest.hex()


def legacy_recovery_hash(user_id: int, code: str) -> str:
    """The SHA-256 form codes were stored in before migration 0013; such rows are still accepted until spent."""
    return hashlib.sha256(f"{user_id}:{code}".encode()).hexdigest()


def recovery_hashes(user_id: int, code: str) -> tuple[str, str]:
    """Every stored form a code may have: the current one first."""
    return hash_recovery_code(user_id, code), legacy_recovery_hash(user_id, code)


def looks_like_totp(text: str) -> bool:
    code = normalise_code(text)
    return len(code) == DIGITS and code.isascii() and code.isdigit()
