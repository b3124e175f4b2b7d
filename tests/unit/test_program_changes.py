"""A PROGRAM proposal in the words the review list shows, and the refusals of one that changes nothing or says
no reason (portal/domain/programs.py)."""
import pytest

from portal.domain.errors import DomainError
from portal.domain.programs import check_change, clean_identifier, describe


@pytest.mark.parametrize("change, shown", [
    ({"action": "usul", "program": "pkh", "reason": "anak putus sekolah karena biaya"},
     "Usul PKH: anak putus sekolah karena biaya"),
    ({"action": "hentikan", "program": "bpnt", "reason": "sudah mampu"},
     "Hentikan Rastra / BPNT / Sembako: sudah mampu"),
    ({"action": "usul", "program": "pbi_jk"}, "Usul PBI-JK"),
    ({"action": "hentikan", "program": "kks", "reason": ""}, "Hentikan KKS"),
    ({"program": "pkh"}, "PKH"),
    ({"action": "usul"}, "Usul"),
    ({}, ""),
])
def test_describe(change, shown):
    assert describe(change) == shown


def _refusal(*args) -> tuple[str, str]:
    with pytest.raises(DomainError) as caught:
        check_change(*args)
    return caught.value.message, caught.value.field


def test_an_unknown_action_is_refused_first():
    assert _refusal("tambah", "x", False, "") == ("Pilih: usulkan atau hentikan.", "action")


def test_an_unknown_program():
    assert _refusal("usul", "bansos", False, "alasan yang panjang") == ("Pilih program bantuan.", "program")


def test_a_change_must_change_something():
    assert _refusal("usul", "pkh", True, "alasan yang panjang") == (
        "Sudah tercatat sebagai penerima PKH.", "program")
    assert _refusal("hentikan", "pbi_jk", False, "alasan yang panjang") == (
        "Belum tercatat sebagai penerima PBI-JK.", "program")


@pytest.mark.parametrize("reason", ["", None, "123456789", "  1234   5678  "])
def test_a_reason_of_fewer_than_ten_characters_is_refused(reason):
    assert _refusal("usul", "kks", False, reason) == ("Tuliskan alasannya (minimal 10 karakter).", "reason")


def test_a_reason_of_ten_characters_passes():
    check_change("usul", "kks", False, "1234567890")
    check_change("hentikan", "kks", True, "12345 67890")


def test_identifiers_accept_letters_of_either_case_and_are_upper_cased():
    assert clean_identifier("abcd-1234") == "ABCD1234"
    assert clean_identifier("AbCd") == "ABCD"
