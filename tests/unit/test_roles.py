import pytest

from portal.domain.areas import Level
from portal.domain.errors import DomainError
from portal.domain.roles import AREA_LEVEL_OF_ROLE, Role, check_area_fits_role, parse_role


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("level", list(Level))
def test_each_role_is_bound_to_exactly_one_level(role, level):
    if AREA_LEVEL_OF_ROLE[role] == level:
        check_area_fits_role(role, level.value)
    else:
        with pytest.raises(DomainError) as error:
            check_area_fits_role(role, level.value)
        assert error.value.field == "area_code"


def test_city_roles_work_at_city_level():
    assert AREA_LEVEL_OF_ROLE[Role.DINSOS] == AREA_LEVEL_OF_ROLE[Role.ADMIN] == Level.KOTA


def test_parse_role_rejects_unknown():
    assert parse_role("rt") is Role.RT
    with pytest.raises(DomainError, match="Peran tidak dikenal"):
        parse_role("superuser")
