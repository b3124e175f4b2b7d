"""Signing in and out: role homes, generic failures, server-side sessions, throttling of failed attempts."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, User, UserSession
from portal.models.types import utcnow
from portal.services import accounts
from tests.conftest import DEMO_PASSWORD, Visitor

LOGIN_FAILED = "Nama pengguna atau kata sandi salah."
COOKIE = "verivali_session"


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
    """Failed attempts are limited per username and per address; successful sign-ins never count."""

    def test_five_failures_lock_the_username_even_for_the_right_password(self, visitor):
        visitor.get("/login")
        for _ in range(5):
            assert visitor.post("/login", {"username": "lurah.kanaan", "password": "salah-salah-1"}).status_code == 422
        blocked = visitor.post("/login", {"username": "lurah.kanaan", "password": DEMO_PASSWORD})
        assert blocked.status_code == 429
        assert "Terlalu banyak percobaan" in blocked.data.decode()
        # Another account from the same address is not affected.
        ok = visitor.post("/login", {"username": "lurah.belimbing", "password": DEMO_PASSWORD})
        assert ok.status_code == 303

    def test_many_failures_from_one_address_block_that_address(self, app):
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
