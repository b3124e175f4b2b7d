"""Details of two-factor codes and NIK warnings a user reads or types (portal/domain/totp.py, nik.py)."""
from datetime import date

import pytest

from portal.domain import totp
from portal.domain.nik import nik_warnings, parse_nik

TODAY = date(2026, 11, 27)


def test_nik_warning_names_the_sex_the_nik_says():
    man = parse_nik("6474011203900001", TODAY)
    assert nik_warnings(man, "P", date(1990, 3, 12)) == [
        "Jenis kelamin menurut NIK adalah laki-laki, berbeda dengan yang diisi."]
    woman = parse_nik("6474015203900001", TODAY)
    assert nik_warnings(woman, "L", date(1990, 3, 12)) == [
        "Jenis kelamin menurut NIK adalah perempuan, berbeda dengan yang diisi."]


@pytest.mark.parametrize("typed, ok", [("123456", True), ("123 456", True), ("12-34-56", True), ("\t123456", True),
                                       ("12345", False), ("1234567", False), ("12345a", False), ("١٢٣٤٥٦", False),
                                       ("", False), (None, False)])
def test_what_looks_like_an_authenticator_code(typed, ok):
    assert totp.looks_like_totp(typed) is ok


def test_typed_codes_lose_spaces_dashes_and_tabs_only():
    assert totp.normalise_code(" 12-3\t4 56 ") == "123456"
    assert totp.normalise_code("12.34x") == "12.34x"
    assert totp.normalise_code(None) == ""


def test_recovery_code_typed_with_tabs_or_nothing():
    assert totp.normalise_recovery_code("K7MQ\t3XTP") == "k7mq-3xtp"
    assert totp.normalise_recovery_code(None) is None
    assert totp.normalise_recovery_code("k7mq_3xtp") is None


def test_a_secret_typed_without_its_padding_gives_the_same_codes():
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEH"  # 26 characters: base32 needs 6 "=" the user never types
    assert totp.code_for_step(secret, 1) == totp.code_for_step(secret + "======", 1)
    assert totp.code_for_step(secret.lower(), 1) == totp.code_for_step(secret, 1)


def test_new_secrets_have_no_padding():
    assert all("=" not in totp.new_secret() for _ in range(5))


def test_provisioning_uri_spells_spaces_and_at_signs_as_apps_expect():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "siti@kantor", "Verivali Bontang")
    assert uri == ("otpauth://totp/Verivali%20Bontang:siti@kantor?secret=JBSWY3DPEHPK3PXP&issuer=Verivali%20Bontang"
                   "&algorithm=SHA1&digits=6&period=30")
