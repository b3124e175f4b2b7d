"""Every POST route of app.url_map refuses a form without a valid CSRF token, with the "Formulir kedaluwarsa" page.

The POST is sent by a signed-in user of the role the route is for (tests/integration/test_access_matrix.py ROUTES
gives the role and URL arguments inside that user's area), so a refusal can only be the CSRF check's: a view made
`csrf.exempt` would run and answer its own 303, 422 or 200 instead. The routes are read from the url map, so a new
POST route is checked here as soon as it exists (and fails until the access matrix lists its role and arguments).
"""
import pytest
from flask import url_for

from portal import create_app
from config import TestConfig
from tests.conftest import Visitor
from tests.integration.test_access_matrix import ACTORS, PUBLIC, ROUTES, SIGNED_IN

CSRF_PAGE = "Formulir kedaluwarsa"


def _post_endpoints() -> list[str]:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")  # the url map only, no database
    return sorted(rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods)


def _account(endpoint: str) -> str | None:
    """A demo account allowed to use the route (None: anonymous, for the public forms)."""
    who, _ = ROUTES[endpoint]
    if who == PUBLIC:
        return None
    return ACTORS["dinsos" if who == SIGNED_IN else who][0]


@pytest.fixture(scope="module")
def visitors(shared_app):
    """One signed-in browser per acting account, each holding its own valid token (never sent here)."""
    signed_in = {None: Visitor(shared_app)}
    signed_in[None].get("/login")
    for account in {own for own, _ in ACTORS.values()}:
        visitor = Visitor(shared_app)
        assert visitor.login(account).status_code == 200, account
        signed_in[account] = visitor
    return signed_in


def _url(app, endpoint: str) -> str:
    assert endpoint in ROUTES, f"{endpoint}: add it to ROUTES in tests/integration/test_access_matrix.py"
    _, args = ROUTES[endpoint]
    with app.app_context(), app.test_request_context():
        return url_for(endpoint, **(args(app) if args else {}))


def test_the_url_map_has_post_routes():
    assert len(_post_endpoints()) > 50  # the enumeration below is not silently empty


@pytest.mark.parametrize("token", ["none", "another session's"])
@pytest.mark.parametrize("endpoint", _post_endpoints())
def test_post_without_a_valid_token_is_refused(shared_app, visitors, endpoint, token):
    url = _url(shared_app, endpoint)
    visitor = visitors[_account(endpoint)]
    data = {}
    if token != "none":
        other = visitors[None if _account(endpoint) else ACTORS["admin"][0]]
        data["csrf_token"] = other.csrf
    response = visitor.post(url, data, csrf=False)
    assert response.status_code == 400, (url, response.status_code, response.headers.get("Location"))
    assert CSRF_PAGE in response.get_data(as_text=True)
