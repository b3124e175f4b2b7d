"""TOTP secrets encrypted at rest (AES-256-GCM): a database dump or a backup alone does not give the second factor.

Stored form: "v1:" + url-safe base64 of (12-byte nonce + ciphertext + 16-byte tag). The user's id is the
associated data, so a sealed secret copied onto another account does not open. A value without the prefix is a
legacy plaintext secret (written before migration 0013); the caller re-seals it the next time it is used.

The AES key comes from TOTP_ENCRYPTION_KEY (a random string of 32+ characters; production refuses to start
without it) or, when that is unset (development, tests), from SECRET_KEY; either way through HKDF-SHA256 with a
fixed label, so the configured string is never the cipher key itself. Losing or changing the key makes every
sealed secret unreadable: those users re-enrol after an admin reset (docs/DEPLOY.md).
"""
import base64
import binascii
import secrets
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PREFIX = "v1:"
LABEL = b"bontang-verivali totp-secret v1"
NONCE_BYTES = 12


class SecretUnreadable(Exception):
    """A sealed value that does not open: wrong key, tampered or truncated."""


def derive_key(material: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL).derive(material.encode())


def key_from_config(config: Mapping) -> bytes:
    return derive_key(config.get("TOTP_ENCRYPTION_KEY") or config["SECRET_KEY"])


def _associated(user_id: int) -> bytes:
    return f"users.totp_secret:{user_id}".encode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def seal(plain: str, user_id: int, key: bytes | None = None) -> str:
    key = key or key_from_config(current_app.config)
    nonce = secrets.token_bytes(NONCE_BYTES)  # random per seal: a 96-bit nonce never repeats in practice
    token = nonce + AESGCM(key).encrypt(nonce, plain.encode(), _associated(user_id))
    return PREFIX + base64.urlsafe_b64encode(token).decode()


def unseal(stored: str, user_id: int, key: bytes | None = None) -> str:
    """The plaintext of a sealed value, or a legacy plaintext as it is; SecretUnreadable if it does not open."""
    if not is_sealed(stored):
        return stored
    key = key or key_from_config(current_app.config)
    try:
        token = base64.urlsafe_b64decode(stored[len(PREFIX):].encode())
        if len(token) <= NONCE_BYTES:
            raise SecretUnreadable("sealed value too short")
        plain = AESGCM(key).decrypt(token[:NONCE_BYTES], token[NONCE_BYTES:], _associated(user_id))
        return plain.decode()
    except (InvalidTag, binascii.Error, ValueError) as error:
        raise SecretUnreadable(type(error).__name__) from None
