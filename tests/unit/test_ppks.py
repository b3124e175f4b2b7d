from datetime import date

import pytest

from portal.domain.errors import DomainError
from portal.domain.ppks import age_on, categories, check_category_for

TODAY = date(2026, 11, 27)


def test_twenty_six_categories_with_unique_codes():
    assert len(categories()) == 26
    assert categories()["LUT"].name == "Lanjut Usia Terlantar"


def test_age_on_birthday_boundary():
    assert age_on(date(1966, 11, 27), TODAY) == 60
    assert age_on(date(1966, 11, 28), TODAY) == 59


@pytest.mark.parametrize("code, born, ok", [
    ("LUT", date(1966, 11, 27), True),     # 60 today
    ("LUT", date(1966, 11, 28), False),    # 59
    ("ABT", date(2021, 11, 28), True),     # 4
    ("ABT", date(2020, 11, 27), False),    # 6: no longer a balita
    ("AT", date(2008, 11, 28), True),      # 17
    ("PD", date(1950, 1, 1), True),        # no band
    ("PD", None, True),                    # unknown birth date: no age check
])
def test_age_bands(code, born, ok):
    if ok:
        assert check_category_for(code, born, TODAY).code == code
    else:
        with pytest.raises(DomainError, match="usia"):
            check_category_for(code, born, TODAY)


def test_unknown_category():
    with pytest.raises(DomainError, match="tidak dikenal"):
        check_category_for("XYZ", None, TODAY)
