"""Session list: User-Agent headers shortened to what a user recognises."""
import pytest

from portal.domain.user_agents import describe


@pytest.mark.parametrize("ua, expected", [
    ("Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/119.0.0.0 Mobile Safari/537.36", "Chrome di Android"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 "
     "Safari/537.36 Edg/119.0.2151.72", "Edge di Windows"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.1 Mobile/15E148 Safari/604.1", "Safari di iPhone"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", "Firefox di Linux"),
    ("Mozilla/5.0 (Linux; Android 12; SAMSUNG SM-A125F) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet di Android"),
    ("Werkzeug/3.1.3", "Werkzeug/3.1.3"),
    ("", "Perangkat tidak dikenal"),
    (None, "Perangkat tidak dikenal"),
])
def test_describe(ua, expected):
    assert describe(ua) == expected
