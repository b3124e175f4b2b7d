"""Sealing TOTP secrets at rest (AES-256-GCM with the user's id as associated data)."""
import base64

import pytest

from portal.domain import totp
from portal.services import secret_box

KEY = secret_box.derive_key("k" * 40)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_a_sealed_secret_opens_with_the_same_key_and_user_and_hides_the_secret():
    stored = secret_box.seal(SECRET, 7, KEY)
    assert stored.startswith("v1:") and secret_box.is_sealed(stored)
    assert SECRET not in stored and SECRET.lower() not in stored.lower()
    assert SECRET.encode() not in base64.urlsafe_b64decode(stored[3:])
    assert secret_box.unseal(stored, 7, KEY) == SECRET
    assert len(secret_box.seal(totp.new_secret(), 10**9, KEY)) <= 128  # fits users.totp_secret


def test_each_seal_uses_a_fresh_nonce():
    assert secret_box.seal(SECRET, 7, KEY) != secret_box.seal(SECRET, 7, KEY)


def test_a_legacy_plaintext_secret_is_read_as_it_is():
    assert not secret_box.is_sealed(SECRET)
    assert secret_box.unseal(SECRET, 7, KEY) == SECRET


def _flip(stored: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(stored[3:]))
    raw[index] ^= 0x01
    return "v1:" + base64.urlsafe_b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("case", ["wrong key", "other user", "nonce", "ciphertext", "tag", "truncated",
                                  "not base64", "empty"])
def test_anything_but_the_sealed_value_of_this_user_under_this_key_does_not_open(case):
    stored = secret_box.seal(SECRET, 7, KEY)
    key, user_id = KEY, 7
    if case == "wrong key":
        key = secret_box.derive_key("another key of more than thirty-two characters")
    elif case == "other user":  # a sealed secret copied onto another account
        user_id = 8
    elif case == "nonce":
        stored = _flip(stored, 0)
    elif case == "ciphertext":
        stored = _flip(stored, 20)
    elif case == "tag":
        stored = _flip(stored, -1)
    elif case == "truncated":
        stored = stored[:20]
    elif case == "not base64":
        stored = "v1:@@@@"
    else:
        stored = "v1:"
    with pytest.raises(secret_box.SecretUnreadable):
        secret_box.unseal(stored, user_id, key)


def test_the_key_comes_from_totp_encryption_key_or_else_from_secret_key():
    explicit = {"TOTP_ENCRYPTION_KEY": "t" * 32, "SECRET_KEY": "s" * 32}
    derived = {"TOTP_ENCRYPTION_KEY": "", "SECRET_KEY": "s" * 32}
    assert secret_box.key_from_config(explicit) == secret_box.derive_key("t" * 32)
    assert secret_box.key_from_config(derived) == secret_box.derive_key("s" * 32)
    assert secret_box.key_from_config(derived) != secret_box.key_from_config(explicit)
    assert len(secret_box.derive_key("s" * 32)) == 32 and secret_box.derive_key("s" * 32) != b"s" * 32
