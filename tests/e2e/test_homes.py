"""Signing in, the role homes and htmx in a real browser (Chromium, 360x640 phone screen).

Covers what the Flask test client cannot: that htmx really runs under our Content-Security-Policy,
that the pages fit a phone screen, that everything also works with JavaScript off, and that an
expired session during an htmx request sends the user to the login page instead of a dead click.
"""
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import User
from portal.services import sessions
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

LOGIN_FAILED = "Nama pengguna atau kata sandi salah."
CSP_ERROR = re.compile(r"content[ -]security[ -]policy", re.IGNORECASE)

# username, home path, h1 of the home, how the home names the user's area
ROLES = [
    ("admin", "/admin/", "Beranda Admin", "Kota Bontang"),
    ("dinsos", "/dinsos/", "Beranda Dinas Sosial", "Kota Bontang"),
    ("camat.bontang-utara", "/kecamatan/", "Beranda Kecamatan", "Kecamatan Bontang Utara"),
    ("lurah.api-api", "/kelurahan/", "Beranda Kelurahan", "Kelurahan Api-Api"),
    ("rt.api-api.001", "/rt/", "Beranda Ketua RT", "Kelurahan Api-Api"),
]
ROLE_IDS = [r[0] for r in ROLES]


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    log_in_here(page, username, password)


def log_in_here(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Fills and sends the login form of the page already open."""
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def assert_fits_phone_width(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path_of(page)} scrolls sideways on a 360px phone (scrollWidth {width})"


def watch_errors(page: Page) -> list[str]:
    """Collects console errors and uncaught page errors from now on."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


@pytest.mark.parametrize("username, home, heading, area", ROLES, ids=ROLE_IDS)
def test_each_role_signs_in_to_its_home_on_a_phone(page, artifacts, username, home, heading, area):
    log_in(page, username)

    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page).to_have_url(re.compile(re.escape(home) + "$"))
    card = page.locator("main section.card", has_text="Wilayah Anda")
    expect(card).to_contain_text(area)
    if username.startswith("rt."):
        expect(card).to_contain_text("RT 001")
    assert_fits_phone_width(page)
    page.screenshot(path=artifacts / f"home-{username}.png", full_page=True)


@pytest.mark.parametrize("username, home, heading, area", ROLES, ids=ROLE_IDS)
def test_sign_in_and_out_work_without_javascript(nojs_page, username, home, heading, area):
    page = nojs_page
    log_in(page, username)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert path_of(page) == home
    expect(page.locator("main")).to_contain_text(area)
    assert_fits_phone_width(page)

    page.get_by_role("button", name="Keluar", exact=True).click()
    assert path_of(page) == "/login"
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    expect(page.locator(".flash")).to_contain_text("Anda telah keluar")

    page.goto(home)  # the session really ended: the home now sends us to the login form
    assert path_of(page).startswith("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")


def assert_no_csp_or_script_errors(errors: list[str]) -> None:
    assert not [e for e in errors if CSP_ERROR.search(e)], errors
    assert not [e for e in errors if e.startswith("pageerror")], errors


def test_htmx_boosts_sign_in_and_navigation_under_the_csp(page):
    """htmx really runs (the Content-Security-Policy does not block it) and boosts forms and links."""
    errors = watch_errors(page)
    page.goto("/login")
    page.evaluate("window.__marker = 1")

    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/login")) as login_request:
        log_in_here(page, "admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Beranda Admin")
    assert login_request.value.headers.get("hx-boosted") == "true"
    assert page.evaluate("window.__marker") == 1, "signing in reloaded the page: hx-boost is not active"
    expect(page).to_have_url(re.compile(r"/admin/$"))

    for link, heading, path in [("Pengguna", "Pengguna", "/admin/pengguna"), ("Wilayah", "Wilayah Kota Bontang",
                                                                            "/admin/wilayah")]:
        with page.expect_request(lambda r, path=path: r.url.endswith(path)) as nav_request:
            page.locator("header nav").get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        assert nav_request.value.headers.get("hx-boosted") == "true"
        expect(page.locator("header.top")).to_have_count(1)
    assert page.evaluate("window.__marker") == 1, "a boosted link reloaded the whole page"
    assert_no_csp_or_script_errors(errors)


def test_htmx_search_updates_the_results_in_place(page, live_app):
    app, _ = live_app
    with app.app_context():
        lurah_count = db.session.scalar(select(func.count()).select_from(User).where(User.username.like("lurah.%")))
    assert lurah_count > 0
    errors = watch_errors(page)

    log_in(page, "admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Beranda Admin")
    page.goto("/admin/pengguna")
    usernames = page.locator("#results tbody tr td:first-child")
    expect(usernames.first).to_have_text("admin")  # the unfiltered list starts with the admin account
    page.evaluate("window.__marker = 1")

    with page.expect_response(lambda r: "/admin/pengguna?" in r.url
                              and r.request.headers.get("hx-request") == "true") as info:
        page.locator("#q").press_sequentially("lurah")
    assert info.value.status == 200

    expect(usernames).to_have_count(lurah_count)
    assert all(name.startswith("lurah.") for name in usernames.all_inner_texts()), usernames.all_inner_texts()
    expect(page.locator("#results")).to_contain_text(f"{lurah_count} akun ditemukan.")
    assert page.evaluate("window.__marker") == 1, "the search reloaded the whole page instead of swapping #results"
    expect(page.locator("header.top")).to_have_count(1)  # a fragment was swapped in, not a whole page
    expect(page.locator("#results h1")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/admin/pengguna\?q=lurah"))  # hx-push-url keeps the search bookmarkable
    assert_no_csp_or_script_errors(errors)


def test_wrong_password_shows_the_generic_message(page, artifacts):
    page.goto("/login")
    assert_fits_phone_width(page)
    page.screenshot(path=artifacts / "login.png", full_page=True)

    log_in(page, "lurah.api-api", "wrong-password-123")

    expect(page.get_by_role("alert")).to_have_text(LOGIN_FAILED)
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    assert path_of(page).startswith("/login")
    assert_fits_phone_width(page)
    page.screenshot(path=artifacts / "login-failed.png", full_page=True)


def _clear_cookies(context, app):
    context.clear_cookies()


def _end_sessions_on_server(context, app):
    with app.app_context():
        sessions.end_all(db.session.scalar(select(User).where(User.username == "admin")), "test")
        db.session.commit()


@pytest.mark.parametrize("end_session", [_clear_cookies, _end_sessions_on_server],
                         ids=["cookies-cleared", "session-ended-on-server"])
def test_expired_session_during_htmx_request_goes_to_login(page, context, live_app, end_session):
    app, _ = live_app
    log_in(page, "admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Beranda Admin")
    page.goto("/admin/pengguna")
    expect(page.locator("#q")).to_be_visible()

    end_session(context, app)
    page.locator("#q").press_sequentially("lurah")

    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    expect(page.locator(".flash")).to_contain_text("Silakan masuk untuk melanjutkan.")
    expect(page.locator('input[name="username"]')).to_be_visible()


def test_a_role_cannot_open_another_roles_page(page):
    log_in(page, "rt.api-api.001")
    expect(page.get_by_role("heading", level=1)).to_have_text("Beranda Ketua RT")

    response = page.goto("/admin/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")
    expect(page.locator("main")).not_to_contain_text("Beranda Admin")
