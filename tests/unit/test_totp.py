"""TOTP (RFC 6238) and recovery codes."""
import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.domain import totp

# RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize("unix_time, eight_digits", [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
])
def test_rfc6238_sha1_vectors(unix_time, eight_digits):
    step = totp.step_at(unix_time)
    assert totp.code_for_step(RFC_SECRET, step, digits=8) == eight_digits
    assert totp.code_at(RFC_SECRET, unix_time) == eight_digits[-6:]  # 6 digits: the same number mod 10^6


def test_secret_is_base32_of_160_bits_and_unique():
    a, b = totp.new_secret(), totp.new_secret()
    assert a != b and len(a) == 32 and "=" not in a
    assert len(base64.b32decode(a)) == 20


def test_secret_is_read_with_spaces_and_lower_case():
    assert totp.code_at(totp.grouped(RFC_SECRET).lower(), 59) == "287082"


@pytest.mark.parametrize("offset, accepted", [(-60, False), (-30, True), (0, True), (30, True), (60, False)])
def test_window_is_one_step_each_side(offset, accepted):
    now = 1234567890
    code = totp.code_at(RFC_SECRET, now + offset)
    assert (totp.verify(RFC_SECRET, code, now) is not None) is accepted


def test_verify_returns_the_step_and_refuses_a_step_already_used():
    now = 1111111111
    code = totp.code_at(RFC_SECRET, now)
    step = totp.verify(RFC_SECRET, code, now)
    assert step == totp.step_at(now)
    assert totp.verify(RFC_SECRET, code, now, last_step=step) is None
    assert totp.verify(RFC_SECRET, code, now, last_step=step - 1) == step
    # An older code inside the window cannot be used after a newer one.
    older = totp.code_at(RFC_SECRET, now - 30)
    assert totp.verify(RFC_SECRET, older, now, last_step=step) is None


@pytest.mark.parametrize("typed", ["050 471", "050-471", " 050471 "])
def test_typed_codes_with_spaces_or_dashes_are_accepted(typed):
    assert totp.verify(RFC_SECRET, typed, 1111111111) is not None


@pytest.mark.parametrize("typed", ["", "05047", "0504711", "abcdef", "٠٥٠٤٧١", "050471x"])
def test_malformed_codes_are_refused(typed):
    assert totp.verify(RFC_SECRET, typed, 1111111111) is None


def test_provisioning_uri():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "rt.api-api.001", "Verivali Bontang")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert parts.path == "/Verivali%20Bontang:rt.api-api.001"
    query = parse_qs(parts.query)
    assert query["secret"] == ["JBSWY3DPEHPK3PXP"] and query["issuer"] == ["Verivali Bontang"]
    assert query["digits"] == ["6"] and query["period"] == ["30"] and query["algorithm"] == ["SHA1"]


def test_grouped_in_fours():
    assert totp.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


def test_recovery_codes_are_ten_readable_and_distinct():
    codes = totp.new_recovery_codes()
    assert len(codes) == 10 == len(set(codes))
    for code in codes:
        assert len(code) == 9 and code[4] == "-"
        assert not set(code.replace("-", "")) & set("01ilo")
        assert totp.normalise_recovery_code(code) == code


@pytest.mark.parametrize("typed, stored", [
    ("K7MQ-3XTP", "k7mq-3xtp"),
    ("k7mq 3xtp", "k7mq-3xtp"),
    (" k7mq3xtp ", "k7mq-3xtp"),
    ("k7mq-3xt", None),
    ("k7mq-3xtpp", None),
    ("k0mq-3xtp", None),  # 0 is not in the alphabet
    ("", None),
    ("123456", None),
])
def test_recovery_code_normalisation(typed, stored):
    assert totp.normalise_recovery_code(typed) == stored


def test_recovery_code_hash_depends_on_user_and_code():
    h = totp.hash_recovery_code(7, "k7mq-3xtp")
    assert h.startswith("s1$") and len(h) == 3 + 64
    assert h == totp.hash_recovery_code(7, "k7mq-3xtp")  # deterministic: the UPDATE finds the row by it
    assert h != totp.hash_recovery_code(8, "k7mq-3xtp")
    assert h != totp.hash_recovery_code(7, "k7mq-3xtq")


def test_recovery_code_hash_is_slow_scrypt_not_sha256():
    """40-bit codes: a fast hash of a dump is searched offline in minutes; scrypt at n=2**14 is not."""
    code = "k7mq-3xtp"
    h = totp.hash_recovery_code(7, code)
    fast = {hashlib.sha256(v.encode()).hexdigest() for v in (code, f"7:{code}", f"{code}:7")}
    assert h.removeprefix("s1$") not in fast
    assert h == "s1$" + hashlib.scrypt(code.encode(), salt=b"bontang-recovery:7", n=2**14, r=8, p=1,
                                       dklen=32).hex()


def test_legacy_sha256_form_is_still_known():
    code = "k7mq-3xtp"
    legacy = hashlib.sha256(f"7:{code}".encode()).hexdigest()  # how rows were stored before migration 0013
    assert totp.legacy_recovery_hash(7, code) == legacy
    assert totp.recovery_hashes(7, code) == (totp.hash_recovery_code(7, code), legacy)
