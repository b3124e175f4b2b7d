"""HTTP basics: security headers, hashed and pre-compressed static files, compression, error pages,
redirects to the login page, the health check and open-redirect protection."""
import gzip
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import brotli
import pytest
from sqlalchemy import select

from portal.assets import STATIC_DIR
from portal.extensions import db
from portal.models import User
from tests.conftest import DEMO_PASSWORD

IMMUTABLE = "public, max-age=31536000, immutable"
SCRIPT_SRC = re.compile(r'<script src="(/static/htmx-2\.0\.11\.min\.([0-9a-f]{12})\.js)"')
STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/static/portal\.([0-9a-f]{12})\.css)">')


@pytest.fixture
def app(shared_app):
    """These tests change nothing another test here looks at, so the module shares one database copy."""
    return shared_app


def html(response) -> str:
    return response.get_data(as_text=True)


def asset_links(client, path="/login") -> dict[str, str]:
    """source file name -> hashed URL, as a page links them."""
    page = html(client.get(path))
    script, style = SCRIPT_SRC.search(page), STYLESHEET.search(page)
    assert script and style, page[:800]
    return {"htmx-2.0.11.min.js": script.group(1), "portal.css": style.group(1)}


def sha12(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


# --- security headers ----------------------------------------------------------------------------

@pytest.mark.parametrize("path, login_as", [("/login", None), ("/admin/pengguna", "admin"), ("/rt/", "rt.api-api.001")])
def test_security_headers_on_pages(visitor, login, path, login_as):
    client = login(login_as) if login_as else visitor
    response = client.get(path)
    assert response.status_code == 200
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert "HX-Request" in headers["Vary"]


def test_pages_have_no_inline_script_or_style(visitor):
    """The CSP forbids inline code, so a page relying on it would break in the browser."""
    page = html(visitor.get("/login"))
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert "<style" not in page and " style=" not in page and " onclick=" not in page


def test_error_pages_also_carry_security_headers(visitor):
    response = visitor.get("/tidak-ada")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


# --- static assets -------------------------------------------------------------------------------

def test_pages_link_assets_by_content_hash(visitor):
    links = asset_links(visitor)
    for name, url in links.items():
        assert sha12(name) in url


@pytest.mark.parametrize("name, mimetype", [("htmx-2.0.11.min.js", "text/javascript"), ("portal.css", "text/css")])
@pytest.mark.parametrize("accept, coding", [
    ("br, gzip, deflate", "br"),
    ("gzip, deflate, br;q=0", "gzip"),
    ("gzip", "gzip"),
    ("deflate", None),
    (None, None),
])
def test_static_asset_encoding_and_caching(visitor, name, mimetype, accept, coding):
    url = asset_links(visitor)[name]
    response = visitor.client.get(url, headers={"Accept-Encoding": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers.get("Content-Encoding") == coding
    body = response.get_data()
    decoded = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda b: b}[coding](body)
    assert decoded == (STATIC_DIR / name).read_bytes()
    if coding:
        assert len(body) < len(decoded)


def test_static_asset_revalidation_gives_304(visitor):
    url = asset_links(visitor)["portal.css"]
    first = visitor.client.get(url, headers={"Accept-Encoding": "br"})
    etag = first.headers["ETag"]
    again = visitor.client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    # A different encoding is a different representation: no 304 with the brotli ETag.
    other = visitor.client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert other.status_code == 200 and other.headers["Content-Encoding"] == "gzip"


@pytest.mark.parametrize("path", [
    "/static/portal.css",
    "/static/htmx-2.0.11.min.js",
    "/static/portal.000000000000.css",
    "/static/../config.py",
    "/static/",
])
def test_unhashed_or_unknown_static_names_are_404(visitor, path):
    response = visitor.client.get(path)
    assert response.status_code == 404


def test_assets_load_for_a_user_who_must_change_password(app, login):
    """The password-change page must still get its CSS and htmx."""
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "rt.bontang-kuala.003")).must_change_password = True
        db.session.commit()
    v = login("rt.bontang-kuala.003")
    for url in asset_links(v.client, "/akun/kata-sandi").values():
        assert v.client.get(url).status_code == 200


# --- compression of pages ------------------------------------------------------------------------

@pytest.mark.parametrize("accept, coding, decompress", [
    ("br, gzip", "br", brotli.decompress),
    ("gzip", "gzip", gzip.decompress),
])
def test_html_pages_are_compressed(visitor, accept, coding, decompress):
    response = visitor.client.get("/login", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in response.headers["Vary"]
    page = decompress(response.get_data()).decode()
    assert "<h1>Masuk</h1>" in page


def test_html_pages_are_plain_without_accept_encoding(visitor):
    response = visitor.client.get("/login")
    assert "Content-Encoding" not in response.headers
    assert "<h1>Masuk</h1>" in html(response)


# --- error pages ---------------------------------------------------------------------------------

def test_unknown_url_is_a_404_page_in_bahasa(visitor):
    response = visitor.get("/halaman/yang/tidak/ada")
    assert response.status_code == 404
    page = html(response)
    assert '<html lang="id">' in page
    assert "<h1>Halaman tidak ditemukan</h1>" in page
    assert "Halaman yang Anda cari tidak ada atau tidak dapat Anda buka." in page
    assert "Not Found" not in page


def test_get_on_logout_is_405(visitor):
    response = visitor.get("/logout")
    assert response.status_code == 405
    assert "<h1>Tindakan tidak diizinkan</h1>" in html(response)
    assert "Method Not Allowed" not in html(response)


def test_post_without_csrf_token_is_400_formulir_kedaluwarsa(visitor):
    visitor.get("/login")
    response = visitor.post("/login", {"username": "admin", "password": DEMO_PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "<h1>Formulir kedaluwarsa</h1>" in html(response)
    assert "Muat ulang halaman, lalu kirim lagi." in html(response)
    assert "HX-Retarget" not in response.headers
    # Not signed in.
    assert urlsplit(visitor.get("/").headers["Location"]).path == "/login"


def test_post_with_a_wrong_csrf_token_is_400(visitor):
    visitor.get("/login")
    response = visitor.post("/login", {"username": "admin", "password": DEMO_PASSWORD, "csrf_token": "palsu"})
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in html(response)


def test_htmx_post_without_csrf_token_is_shown_to_the_user(login):
    admin = login("admin")
    response = admin.post("/logout", csrf=False, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "body"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "Formulir kedaluwarsa" in html(response)
    assert admin.get("/admin/").status_code == 200  # the logout did not happen


def test_htmx_post_with_csrf_header_is_accepted(login):
    """htmx sends the token in the X-CSRFToken header (hx-headers on <body>), not in the form."""
    admin = login("admin")
    response = admin.client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": admin.csrf})
    assert response.status_code == 303
    assert urlsplit(admin.get("/admin/").headers["Location"]).path == "/login"


# --- unauthenticated access ----------------------------------------------------------------------

def test_unauthenticated_htmx_request_gets_hx_redirect_to_login(visitor):
    response = visitor.get("/rt/", headers={"HX-Request": "true"})
    assert "Location" not in response.headers
    target = urlsplit(response.headers["HX-Redirect"])
    assert target.path == "/login"
    assert parse_qs(target.query) == {"next": ["/rt/"]}


def test_unauthenticated_get_redirects_to_login_with_next(visitor):
    response = visitor.get("/rt/")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/login"
    assert parse_qs(target.query) == {"next": ["/rt/"]}
    page = visitor.get(response.headers["Location"])
    assert "Silakan masuk untuk melanjutkan." in html(page)

    # Signing in from there goes back to the page that was asked for.
    landed = visitor.post(response.headers["Location"], {"username": "rt.api-api.001", "password": DEMO_PASSWORD})
    assert landed.status_code == 303 and landed.headers["Location"] == "/rt/"


def test_next_keeps_the_query_string(visitor):
    response = visitor.get("/admin/pengguna?q=kanaan&role=rt")
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {"next": ["/admin/pengguna?q=kanaan&role=rt"]}


def test_root_sends_anonymous_visitors_to_login(visitor):
    response = visitor.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_healthz(visitor):
    response = visitor.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


# --- open redirects ------------------------------------------------------------------------------

@pytest.mark.parametrize("next_url", [
    "//evil.example",
    "https://evil.example",
    "https://evil.example/admin/wilayah",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "admin/wilayah",
])
def test_login_ignores_next_that_leaves_the_site(visitor, next_url):
    visitor.get("/login")
    response = visitor.client.post("/login", query_string={"next": next_url},
                                   data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": visitor.csrf})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("next_url", ["///evil.example", "/\t/evil.example", "/%2F/evil.example"])
def test_login_never_redirects_to_a_scheme_relative_url(visitor, next_url):
    """Browsers read '//host' and '///host' (and '/<tab>/host') as another site."""
    visitor.get("/login")
    response = visitor.client.post("/login", query_string={"next": next_url},
                                   data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": visitor.csrf})
    assert response.status_code == 303
    location = response.headers["Location"]
    cleaned = re.sub(r"[\t\n\r]", "", location)
    assert cleaned.startswith("/") and not re.match(r"[/\\]{2}", cleaned)
    assert urlsplit(cleaned).netloc == ""


def test_login_honours_a_same_site_next(visitor):
    visitor.get("/login")
    response = visitor.post("/login?next=/admin/wilayah", {"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/wilayah"
    assert "Wilayah Kota Bontang" in html(visitor.get("/admin/wilayah"))
