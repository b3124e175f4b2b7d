import pytest

from portal.domain.errors import DomainError
from portal.domain.usernames import normalise_username


@pytest.mark.parametrize("text, expected", [
    ("rt.api-api.001", "rt.api-api.001"), ("  Lurah.Kanaan ", "lurah.kanaan"), ("admin_2", "admin_2"),
])
def test_accepts(text, expected):
    assert normalise_username(text) == expected


@pytest.mark.parametrize("text", ["", "ab", "a b", "<script>", "ädmin", ".hidden", "x" * 65, "rt/../admin"])
def test_rejects(text):
    with pytest.raises(DomainError) as error:
        normalise_username(text)
    assert error.value.field == "username"
