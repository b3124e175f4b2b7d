import pytest

from portal.domain.areas import is_within, normalise_rw, parse_rt_number, rt_code, slugify
from portal.domain.errors import DomainError


@pytest.mark.parametrize("code, ancestor, expected", [
    ("64.74.01.1006.001", "64.74.01.1006", True),
    ("64.74.01.1006", "64.74.01.1006", True),
    ("64.74.01.1006", "64.74", True),
    ("64.74.01.1006.001", "64.74.02", False),
    ("64.74.01.10061", "64.74.01.1006", False),  # a prefix of digits is not a parent
    ("64.74", "64.74.01", False),
])
def test_is_within(code, ancestor, expected):
    assert is_within(code, ancestor) is expected


@pytest.mark.parametrize("name, slug", [
    ("Api-Api", "api-api"), ("Tanjung Laut Indah", "tanjung-laut-indah"), ("Bontang Utara", "bontang-utara"),
    ("  Lok  Tuan ", "lok-tuan"),
])
def test_slugify(name, slug):
    assert slugify(name) == slug


@pytest.mark.parametrize("text, number", [("1", 1), ("007", 7), (" 12 ", 12), ("999", 999)])
def test_parse_rt_number_accepts(text, number):
    assert parse_rt_number(text) == number


@pytest.mark.parametrize("text", ["", "0", "1000", "-1", "1a", "RT1", "١٢"])
def test_parse_rt_number_rejects_with_field_message(text):
    with pytest.raises(DomainError) as error:
        parse_rt_number(text)
    assert error.value.field == "number"
    assert "Nomor RT" in error.value.message


def test_normalise_rw():
    assert normalise_rw("") is None
    assert normalise_rw(None) is None
    assert normalise_rw("2") == "002"
    with pytest.raises(DomainError):
        normalise_rw("abc")


def test_rt_code_pads_number():
    assert rt_code("64.74.01.1006", 7) == "64.74.01.1006.007"
