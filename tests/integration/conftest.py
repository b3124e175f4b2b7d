"""Fixtures of the Ketua RT wizard tests (test_rt_*.py)."""
import pytest

from tests.integration.rt_wizard import RT1, Rt


@pytest.fixture
def rt(login):
    """rt.api-api.001, driving the wizard like a browser."""
    return Rt(login(RT1))


@pytest.fixture
def pid(rt):
    """A BARU draft with its household saved, waiting for members."""
    pid = rt.start_baru()
    assert rt.household(pid).status_code == 303
    return pid
