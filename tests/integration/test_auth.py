"""Signing in and out: role homes, generic failures, server-side sessions, throttling of failed attempts."""
import re
import time
from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from portal.blueprints.auth import known_device
from portal.extensions import db
from portal.models import AuditEvent, User, UserSession
from portal.models.types import utcnow
from portal.services import accounts
from tests.conftest import DEMO_PASSWORD, Visitor

LOGIN_FAILED = "Nama pengguna atau kata sandi salah."
COOKIE = "verivali_session"
DEVICE_COOKIE = "verivali_device"


@pytest.mark.parametrize("username, home, heading", [
    ("admin", "/admin/", "Beranda Admin"),
    ("dinsos", "/dinsos/", "Beranda Dinas Sosial"),
    ("camat.bontang-selatan", "/kecamatan/", "Beranda Kecamatan"),
    ("lurah.tanjung-laut-indah", "/kelurahan/", "Beranda Kelurahan"),
    ("rt.api-api.001", "/rt/", "Beranda Ketua RT"),
])
def test_each_role_lands_on_its_home(visitor, username, home, heading):
    visitor.get("/login")
    response = visitor.post("/login", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == home
    assert heading in visitor.get("/").data.decode() or heading in visitor.get(home).data.decode()
    assert visitor.get("/").headers["Location"] == home


def test_login_page_has_the_agreed_fields(visitor):
    page = visitor.get("/login").data.decode()
    for name in ('name="username"', 'name="password"', 'name="csrf_token"'):
        assert name in page


def test_username_is_case_and_space_insensitive(visitor):
    visitor.get("/login")
    response = visitor.post("/login", {"username": "  Lurah.Api-Api ", "password": DEMO_PASSWORD})
    assert response.headers["Location"] == "/kelurahan/"


@pytest.mark.parametrize("username, password", [
    ("lurah.api-api", "wrong-password-123"),
    ("no.such.user", DEMO_PASSWORD),
])
def test_failures_get_one_generic_message(visitor, username, password):
    visitor.get("/login")
    response = visitor.post("/login", {"username": username, "password": password})
    assert response.status_code == 422
    assert LOGIN_FAILED in response.data.decode()
    assert visitor.get("/rt/").status_code == 302  # still not signed in


def test_failed_login_is_audited(app, visitor):
    visitor.get("/login")
    visitor.post("/login", {"username": "dinsos", "password": "wrong-password-123"})
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login_failed"))
        assert event.detail["username"] == "dinsos"


def test_empty_fields_are_reported_next_to_the_field(visitor):
    visitor.get("/login")
    response = visitor.post("/login", {"username": "", "password": ""})
    assert response.status_code == 422
    assert response.data.decode().count("Wajib diisi.") == 2


def test_inactive_user_cannot_log_in(app, visitor):
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "rt.kanaan.002")).active = False
        db.session.commit()
    visitor.get("/login")
    response = visitor.post("/login", {"username": "rt.kanaan.002", "password": DEMO_PASSWORD})
    assert response.status_code == 422
    assert "Akun ini tidak aktif" in response.data.decode()


def test_logout_is_post_only_and_ends_the_session_everywhere(app, login):
    v = login("lurah.api-api")
    stolen = v.client.get_cookie(COOKIE).value
    assert v.get("/logout").status_code == 405
    response = v.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    # A copy of the cookie taken before logout no longer opens anything.
    other = Visitor(app)
    other.client.set_cookie(COOKIE, stolen)
    assert other.get("/kelurahan/").status_code == 302
    with app.app_context():
        row = db.session.scalar(select(UserSession).order_by(UserSession.id.desc()))
        assert row.end_reason == "logout"


def test_password_change_ends_other_sessions_but_keeps_this_one(app, login):
    phone = login("rt.api-api.001")
    laptop = login("rt.api-api.001")
    new = "sapu-lidi-pantai-77"
    response = laptop.post("/akun/kata-sandi", {"current_password": DEMO_PASSWORD, "new_password": new,
                                                "confirm": new})
    assert response.status_code == 303
    assert laptop.get("/rt/").status_code == 200
    assert phone.get("/rt/").status_code == 302
    assert Visitor(app).login("rt.api-api.001", DEMO_PASSWORD).request.path == "/login"
    assert Visitor(app).login("rt.api-api.001", new).request.path == "/rt/"


@pytest.mark.parametrize("data, message", [
    ({"current_password": "not-my-password", "new_password": "sapu-lidi-pantai-77", "confirm": "sapu-lidi-pantai-77"},
     "Kata sandi saat ini salah."),
    ({"current_password": DEMO_PASSWORD, "new_password": "password123", "confirm": "password123"}, "terlalu umum"),
    ({"current_password": DEMO_PASSWORD, "new_password": "sapu-lidi-pantai-77", "confirm": "lain-lagi-sekali"},
     "Kedua kata sandi baru tidak sama."),
    ({"current_password": DEMO_PASSWORD, "new_password": DEMO_PASSWORD, "confirm": DEMO_PASSWORD},
     "harus berbeda"),
])
def test_password_change_errors(app, login, data, message):
    v = login("dinsos")
    response = v.post("/akun/kata-sandi", data)
    assert response.status_code == 422
    assert message in response.data.decode()
    assert Visitor(app).login("dinsos").request.path == "/dinsos/"  # old password still works


@pytest.mark.parametrize("column, age, config_key", [
    ("last_seen_at", timedelta(minutes=31), "idle"),
    ("created_at", timedelta(hours=13), "absolute"),
])
def test_sessions_expire(app, login, column, age, config_key):
    v = login("camat.bontang-barat")
    with app.app_context():
        row = db.session.scalar(select(UserSession).order_by(UserSession.id.desc()))
        setattr(row, column, utcnow() - age)
        if column == "created_at":
            row.last_seen_at = utcnow()
        db.session.commit()
    response = v.get("/kecamatan/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.scalar(select(UserSession).order_by(UserSession.id.desc())).end_reason == config_key


def test_account_created_by_admin_must_change_password_first(app, visitor):
    with app.app_context():
        accounts.create_user(None, "rt.kanaan.baru", "Ketua RT Baru", "rt", "64.74.03.1003.001",
                             "sementara-123-abc")
        db.session.commit()
    page = visitor.login("rt.kanaan.baru", "sementara-123-abc")
    assert page.request.path == "/akun/kata-sandi"
    assert visitor.get("/rt/").headers["Location"] == "/akun/kata-sandi"
    visitor.post("/akun/kata-sandi", {"current_password": "sementara-123-abc",
                                      "new_password": "perahu-nelayan-42", "confirm": "perahu-nelayan-42"})
    assert visitor.get("/rt/").status_code == 200


class TestThrottling:
    """Failed attempts from unknown browsers are limited per username and per address; successful sign-ins
    never count (known browsers: TestKnownDevices)."""

    def test_five_failures_hold_back_unknown_browsers_for_that_username(self, visitor):
        visitor.get("/login")
        for _ in range(5):
            assert visitor.post("/login", {"username": "lurah.kanaan", "password": "salah-salah-1"}).status_code == 422
        blocked = visitor.post("/login", {"username": "lurah.kanaan", "password": DEMO_PASSWORD})
        assert blocked.status_code == 429
        assert "Terlalu banyak percobaan" in blocked.data.decode()
        # Another account from the same address is not affected.
        ok = visitor.post("/login", {"username": "lurah.belimbing", "password": DEMO_PASSWORD})
        assert ok.status_code == 303

    def test_many_failures_from_one_address_hold_back_unknown_browsers_there(self, app):
        v = Visitor(app, remote_addr="10.9.8.7")
        v.get("/login")
        for i in range(30):
            v.post("/login", {"username": f"tebak{i}", "password": "salah-salah-1"})
        assert v.post("/login", {"username": "dinsos", "password": DEMO_PASSWORD}).status_code == 429
        elsewhere = Visitor(app, remote_addr="10.9.8.8")
        assert elsewhere.login("dinsos").request.path == "/dinsos/"

    def test_a_hundred_users_behind_one_address_all_sign_in(self, app):
        with app.app_context():
            for i in range(100):
                accounts.create_user(None, f"operator{i:03d}", f"Operator {i}", "kelurahan", "64.74.01.1006",
                                     "kantor-kelurahan-2026", must_change_password=False)
            db.session.commit()
        for i in range(100):
            v = Visitor(app, remote_addr="10.1.1.1")
            v.get("/login")
            response = v.post("/login", {"username": f"operator{i:03d}", "password": "kantor-kelurahan-2026"})
            assert response.status_code == 303, f"operator{i:03d} was refused"


ATTACKER = "10.6.6.6"
WAIT = re.compile(r"Terlalu banyak percobaan masuk\. Coba lagi dalam (\d+) menit\.")


def known_browser(app, username: str, remote_addr: str = "10.0.0.1") -> Visitor:
    """A browser in which `username` signed in once before and signed out again: it keeps its device cookie."""
    browser = Visitor(app, remote_addr=remote_addr)
    browser.login(username)
    browser.post("/logout")
    return browser


def fail(browser: Visitor, username: str, times: int) -> list[int]:
    browser.get("/login")
    return [browser.post("/login", {"username": username, "password": "salah-salah-1"}).status_code
            for _ in range(times)]


class TestKnownDevices:
    """OWASP's device cookie: nobody can lock the right person out by failing on purpose (issue 15 item 2)."""

    def test_the_owner_signs_in_at_once_after_an_attack_on_their_name(self, app):
        owner = known_browser(app, "rt.kanaan.001")
        assert fail(Visitor(app, remote_addr=ATTACKER), "rt.kanaan.001", 6) == [422] * 5 + [429]
        assert owner.login("rt.kanaan.001").request.path == "/rt/"

    def test_a_colleague_signs_in_at_once_after_many_failures_from_the_office_address(self, app):
        office = "10.9.8.7"
        colleague = known_browser(app, "lurah.kanaan", remote_addr=office)
        stranger = Visitor(app, remote_addr=office)
        answers = [fail(stranger, f"tebak{i}", 1)[0] for i in range(31)]
        assert answers == [422] * 30 + [429]
        assert colleague.login("lurah.kanaan").request.path == "/kelurahan/"

    def test_the_owners_own_typos_do_not_count_against_the_name(self, app):
        owner = known_browser(app, "rt.kanaan.001")
        assert fail(owner, "rt.kanaan.001", 6) == [422] * 6
        assert Visitor(app, remote_addr="10.0.0.9").login("rt.kanaan.001").request.path == "/rt/"

    def test_an_unknown_browser_is_told_plainly_how_long_to_wait(self, app):
        fail(Visitor(app, remote_addr=ATTACKER), "rt.kanaan.001", 5)
        newcomer = Visitor(app, remote_addr="10.0.0.2")
        page = newcomer.login("rt.kanaan.001")  # the right password, from a browser the owner never used
        assert page.status_code == 429
        wait = WAIT.search(page.get_data(as_text=True))
        assert wait and 1 <= int(wait.group(1)) <= 15
        assert 'name="password"' in page.get_data(as_text=True)  # the form stays, to try again later
        assert newcomer.get("/rt/").status_code == 302

    def _owner(self, app) -> User:
        return db.session.scalar(select(User).where(User.username == "rt.kanaan.001"))

    def _forged_cookie(self, app) -> str:
        """What an attacker who knows the cookie's layout but not SECRET_KEY can make."""
        with app.app_context():
            owner = self._owner(app)
            entry = {"u": owner.id, "p": known_device._fingerprint(owner), "n": "guess", "t": int(time.time())}
        return URLSafeSerializer("not-the-secret-key", salt="known-device").dumps([entry])

    @pytest.mark.parametrize("source", ["another user's browser", "forged cookie", "before a password reset"])
    def test_cookies_that_do_not_belong_to_the_owner_do_not_bypass(self, app, source):
        password = DEMO_PASSWORD
        if source == "another user's browser":
            browser = known_browser(app, "rt.kanaan.002")
        elif source == "forged cookie":
            browser = Visitor(app, remote_addr="10.0.0.3")
            browser.client.set_cookie(DEVICE_COOKIE, self._forged_cookie(app))
        else:
            browser = known_browser(app, "rt.kanaan.001")
            password = "perahu-nelayan-42"
            with app.app_context():
                admin = db.session.scalar(select(User).where(User.username == "admin"))
                accounts.reset_password(admin, self._owner(app), password)
                db.session.commit()
        assert browser.client.get_cookie(DEVICE_COOKIE) is not None
        fail(Visitor(app, remote_addr=ATTACKER), "rt.kanaan.001", 5)
        response = browser.login("rt.kanaan.001", password)
        assert response.status_code == 429 and WAIT.search(response.get_data(as_text=True))

    def test_a_password_change_keeps_this_browser_known_and_voids_the_others(self, app):
        phone = known_browser(app, "rt.kanaan.001", remote_addr="10.0.0.4")
        laptop = Visitor(app, remote_addr="10.0.0.5")
        laptop.login("rt.kanaan.001")
        new = "sapu-lidi-pantai-77"
        changed = laptop.post("/akun/kata-sandi", {"current_password": DEMO_PASSWORD, "new_password": new,
                                                   "confirm": new})
        assert changed.status_code == 303
        laptop.get("/rt/")
        laptop.post("/logout")
        fail(Visitor(app, remote_addr=ATTACKER), "rt.kanaan.001", 5)
        assert laptop.login("rt.kanaan.001", new).request.path == "/rt/"
        assert phone.login("rt.kanaan.001", new).status_code == 429

    def test_a_stolen_device_cookie_buys_only_a_few_guesses(self, app):
        owner = known_browser(app, "rt.kanaan.001")
        thief = Visitor(app, remote_addr=ATTACKER)
        thief.client.set_cookie(DEVICE_COOKIE, owner.client.get_cookie(DEVICE_COOKIE).value)
        # 10 failures on the device's own budget, then it is an unknown browser: 5 more, then the wait.
        assert fail(thief, "rt.kanaan.001", 16) == [422] * 15 + [429]

    def test_one_browser_remembers_each_colleague_who_signs_in_on_it(self, app):
        office_pc = known_browser(app, "lurah.kanaan")
        office_pc.login("rt.kanaan.001")
        office_pc.post("/logout")
        attacker = Visitor(app, remote_addr=ATTACKER)
        fail(attacker, "lurah.kanaan", 5)
        fail(attacker, "rt.kanaan.001", 5)
        assert office_pc.login("lurah.kanaan").request.path == "/kelurahan/"
        office_pc.post("/logout")
        assert office_pc.login("rt.kanaan.001").request.path == "/rt/"

    @pytest.mark.parametrize("secure", [False, True])
    def test_the_device_cookie_is_http_only_lax_long_lived_and_secure_where_sessions_are(self, app, secure):
        app.config["SESSION_COOKIE_SECURE"] = secure  # True in ProductionConfig
        browser = Visitor(app)
        browser.client.environ_base["wsgi.url_scheme"] = "https"
        browser.get("/login")
        response = browser.post("/login", {"username": "rt.kanaan.001", "password": DEMO_PASSWORD})
        header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(DEVICE_COOKIE + "="))
        assert "HttpOnly" in header and "SameSite=Lax" in header and "Max-Age=31536000" in header
        assert ("Secure" in header) is secure
        assert "rt.kanaan" not in header and DEMO_PASSWORD not in header
        stranger = Visitor(app)
        assert fail(stranger, "rt.kanaan.001", 1) == [422]
        assert stranger.client.get_cookie(DEVICE_COOKIE) is None  # a failure makes no known device
