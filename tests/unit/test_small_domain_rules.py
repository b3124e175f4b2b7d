"""Small domain rules checked to the letter: RW numbers, usernames, roles, the device names on the sessions page
and the audit detail values (areas, usernames, roles, user_agents, audit_labels)."""
import pytest

from portal.domain.areas import normalise_rw, parse_rt_number, slugify
from portal.domain.audit_labels import action_groups, detail_pairs
from portal.domain.errors import DomainError
from portal.domain.roles import parse_role
from portal.domain.user_agents import describe
from portal.domain.usernames import normalise_username


def _refusal(call, *args) -> tuple[str, str]:
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value.message, caught.value.field


@pytest.mark.parametrize("typed, stored", [("1", "001"), ("02", "002"), (" 999 ", "999"), ("", None), (None, None)])
def test_rw_from_1_to_999_stored_as_three_digits(typed, stored):
    assert normalise_rw(typed) == stored


@pytest.mark.parametrize("typed", ["0", "000", "1000", "x", "٣"])
def test_rw_outside_1_to_999_is_refused(typed):
    assert _refusal(normalise_rw, typed) == ("Nomor RW harus angka 1 sampai 999, atau dikosongkan.", "rw")


def test_rt_number_missing_is_refused():
    assert _refusal(parse_rt_number, None) == ("Nomor RT harus angka 1 sampai 999.", "number")


def test_slug_has_no_dash_at_either_end():
    assert slugify(" -Api Api- ") == "api-api"
    assert slugify("Tanjung Laut Indah!") == "tanjung-laut-indah"


def test_username_refusal_message():
    assert _refusal(normalise_username, "ab") == (
        "Nama pengguna 3–64 karakter: huruf kecil, angka, titik, tanda hubung atau garis bawah.", "username")


def test_unknown_role_is_refused_with_its_field():
    assert _refusal(parse_role, "lurah") == ("Peran tidak dikenal.", "role")


@pytest.mark.parametrize("agent, shown", [
    ("Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36", "Chrome di Android"),
    ("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/121.0", "Firefox di Linux"),
    ("curl/8.0 Firefox/1.0", "Firefox"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Windows"),
    ("python-requests/2.31", "python-requests/2.31"),
    ("  a   b  " + "c" * 50, "a b " + "c" * 36),
    ("", "Perangkat tidak dikenal"),
    (None, "Perangkat tidak dikenal"),
])
def test_device_names_on_the_sessions_page(agent, shown):
    assert describe(agent) == shown


def test_audit_detail_values_in_words():
    assert detail_pairs({"active": True, "masked": False, "note": None, "data": {"b": 1, "a": "é"}}) == [
        ("aktif", "ya"), ("NIK/No. KK disamarkan", "tidak"), ("note", "–"), ("data", '{"a": "é", "b": 1}')]


def test_action_groups_by_the_part_before_the_first_dot():
    groups = action_groups(["two_factor.recovery.used", "two_factor.on"])
    assert [(prefix, label, [action for action, _ in items]) for prefix, label, items in groups] == [
        ("two_factor.", "Verifikasi dua langkah", ["two_factor.on", "two_factor.recovery.used"])]
