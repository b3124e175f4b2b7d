"""Dates typed into report filters: accepted when ISO and in range, otherwise the default with a reason."""
from datetime import date

import pytest

from portal.domain.report_dates import EARLIEST, LATEST, filter_date

DEFAULT = date(2026, 1, 1)


def test_an_iso_date_in_range_is_taken():
    assert filter_date("2026-11-27", DEFAULT) == (date(2026, 11, 27), "")
    assert filter_date(EARLIEST.isoformat(), DEFAULT) == (EARLIEST, "")
    assert filter_date(LATEST.isoformat(), DEFAULT) == (LATEST, "")


def test_nothing_typed_is_the_default_without_a_message():
    assert filter_date("", DEFAULT) == (DEFAULT, "")


@pytest.mark.parametrize("raw", ["kemarin", "27-11-2026", "2026-02-30", "<b>x</b>"])
def test_what_is_not_a_date_falls_back_and_says_so(raw):
    day, message = filter_date(raw, DEFAULT)
    assert day == DEFAULT and "tidak dikenali" in message and "01-01-2026" in message


@pytest.mark.parametrize("raw", ["1999-12-31", "2101-01-01", "0001-01-01", "9999-12-31"])
def test_a_date_out_of_range_falls_back_and_says_so(raw):
    day, message = filter_date(raw, DEFAULT)
    assert day == DEFAULT and "di luar jangkauan" in message
