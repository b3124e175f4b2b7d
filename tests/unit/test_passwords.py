import pytest

from portal.domain.errors import DomainError
from portal.domain.passwords import MIN_LENGTH, check_password, common_passwords


def test_demo_password_passes_policy():
    check_password("demo-bontang-2026", "rt.api-api.001")


@pytest.mark.parametrize("password, fragment", [
    ("pendek123", "minimal 10"),             # 9 characters: the boundary
    ("password123", "terlalu umum"),
    ("PASSWORD123", "terlalu umum"),           # case does not help
    ("bontang2026", "terlalu umum"),           # a local addition to the list
    ("x" * 129, "maksimal"),
    ("budi.santoso-rahasia", "nama pengguna"),
])
def test_weak_passwords_are_refused(password, fragment):
    with pytest.raises(DomainError) as error:
        check_password(password, "budi.santoso")
    assert fragment in error.value.message
    assert error.value.field == "password"


def test_minimum_length_boundary():
    check_password("k" * (MIN_LENGTH - 3) + "Q7!", "")
    with pytest.raises(DomainError):
        check_password("k" * (MIN_LENGTH - 4) + "Q7!", "")


def test_common_list_is_bundled_and_large():
    words = common_passwords()
    assert len(words) > 1500
    assert all(len(w) >= MIN_LENGTH for w in words)


def test_field_name_is_passed_through():
    with pytest.raises(DomainError) as error:
        check_password("short", field="new_password")
    assert error.value.field == "new_password"
