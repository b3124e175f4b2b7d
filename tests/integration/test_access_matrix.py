"""Every route x every role, plus anonymous and a user of the same role in another area.

The matrix is built from app.url_map: a new route that is not listed in ROUTES fails
`test_every_route_is_in_the_matrix`, so nobody can add a page without deciding who may open it.
Expected: anonymous -> login page; other roles -> 403; own role, own area -> 200 (GET);
own role, another area -> 404 (we never reveal that the object exists).
"""
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Area, User
from tests.conftest import Visitor

PUBLIC, SIGNED_IN = "public", "signed-in"

# Which demo account acts for each role, and which account of the same role lives in another area.
ACTORS = {
    "rt": ("rt.api-api.001", "rt.kanaan.001"),
    "kelurahan": ("lurah.api-api", "lurah.kanaan"),
    "kecamatan": ("camat.bontang-utara", "camat.bontang-barat"),
    "dinsos": ("dinsos", None),
    "admin": ("admin", None),
}


def _area(code):
    return {"area_id": db.session.scalar(select(Area.id).where(Area.code == code))}


def _user(username):
    return {"user_id": db.session.scalar(select(User.id).where(User.username == username))}


def _asset(app):
    return {"filename": app.extensions["assets"]["portal.css"].hashed_name}


# endpoint -> (who may use it, URL arguments inside the acting user's area)
ROUTES = {
    "main.index": (PUBLIC, None),
    "main.healthz": (PUBLIC, None),
    "auth.login": (PUBLIC, None),
    "assets.serve": (PUBLIC, _asset),
    "auth.logout": (SIGNED_IN, None),
    "auth.change_password": (SIGNED_IN, None),
    "rt.home": ("rt", None),
    "kelurahan.home": ("kelurahan", None),
    "kelurahan.rt_detail": ("kelurahan", lambda app: _area("64.74.01.1006.001")),
    "kecamatan.home": ("kecamatan", None),
    "kecamatan.kelurahan_detail": ("kecamatan", lambda app: _area("64.74.01.1006")),
    "dinsos.home": ("dinsos", None),
    "admin.home": ("admin", None),
    "admin.users": ("admin", None),
    "admin.user_new": ("admin", None),
    "admin.user_detail": ("admin", lambda app: _user("rt.api-api.001")),
    "admin.user_status": ("admin", lambda app: _user("rt.api-api.001")),
    "admin.user_reset_password": ("admin", lambda app: _user("rt.api-api.001")),
    "admin.areas": ("admin", None),
    "admin.kelurahan_rts": ("admin", lambda app: _area("64.74.01.1006")),
    "admin.rt_edit": ("admin", lambda app: _area("64.74.01.1006.001")),
}


def _rules(app):
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()}


def _url(app, endpoint):
    from flask import url_for

    _, args = ROUTES[endpoint]
    with app.test_request_context():
        return url_for(endpoint, **(args(app) if args else {}))


def _methods(app, endpoint):
    return sorted(_rules(app)[endpoint].methods - {"HEAD", "OPTIONS"})


@pytest.fixture(scope="module")
def visitors(shared_app):
    signed_in = {}
    for role, (own, foreign) in ACTORS.items():
        for username in filter(None, (own, foreign)):
            v = Visitor(shared_app)
            assert v.login(username).status_code == 200
            signed_in[username] = v
    return signed_in


def _call(visitor, method, url):
    if method == "GET":
        return visitor.get(url)
    # Forbidden POSTs carry a valid CSRF token, so the refusal we see is the access rule, not CSRF.
    return visitor.post(url, {})


def test_every_route_is_in_the_matrix(shared_app):
    assert set(_rules(shared_app)) == set(ROUTES), "add new routes to ROUTES with who may use them"


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_anonymous(shared_app, endpoint):
    who, _ = ROUTES[endpoint]
    for method in _methods(shared_app, endpoint):
        response = _call(Visitor(shared_app), method, _url(shared_app, endpoint))
        if who == PUBLIC:
            assert response.status_code in (200, 302, 422), (method, response.status_code)
            assert not response.headers.get("Location", "").startswith("/login?next")
        else:
            assert response.status_code == 302, (method, response.status_code)
            assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", sorted(ACTORS))
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_role_in_own_area(shared_app, visitors, endpoint, role):
    who, _ = ROUTES[endpoint]
    visitor = visitors[ACTORS[role][0]]
    url = _url(shared_app, endpoint)
    for method in _methods(shared_app, endpoint):
        if who in (role, PUBLIC, SIGNED_IN):
            if method == "GET":  # allowed writes are exercised by the feature tests
                response = visitor.get(url)
                expected = (200,) if who == role else (200, 302, 303)
                assert response.status_code in expected, (method, url, response.status_code)
        else:
            response = _call(visitor, method, url)
            assert response.status_code == 403, (method, url, response.status_code)
            assert "Akses ditolak" in response.data.decode()


# Routes that take an object of an area, for roles that have a same-role user in another area.
FOREIGN_CASES = sorted((endpoint, who) for endpoint, (who, args) in ROUTES.items()
                       if args and who in ACTORS and ACTORS[who][1])


@pytest.mark.parametrize("endpoint, role", FOREIGN_CASES)
def test_same_role_other_area_gets_404(shared_app, visitors, endpoint, role):
    visitor = visitors[ACTORS[role][1]]
    url = _url(shared_app, endpoint)
    for method in _methods(shared_app, endpoint):
        response = _call(visitor, method, url)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "Halaman tidak ditemukan" in response.data.decode()
