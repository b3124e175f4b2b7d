"""Two-factor login (TOTP): enrolment, the code step after the password, replay, recovery codes, expiry,
throttling, switching it off, and roles that must use it."""
import hashlib
import importlib.util
import logging
import re
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql

import config
from config import ProductionConfig, roles_from_env
from portal.blueprints.auth import two_factor as two_factor_views
from portal.domain import totp
from portal.extensions import db
from portal.models import AuditEvent, RecoveryCode, User, UserSession
from portal.services import secret_box
from portal.services import two_factor as service
from tests.conftest import DEMO_PASSWORD, Visitor
from tests.pages import errors, flashes, text, visible

T0 = 1_800_000_000.0  # a fixed "now" (2027-01-15) so a code never crosses a 30-second boundary mid-test
CODE_PAGE = "/login/kode"


class Clock:
    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The clock the TOTP service and the half-login expiry read."""
    c = Clock(T0)
    monkeypatch.setattr(service, "time", c)
    monkeypatch.setattr(two_factor_views, "time", c)
    return c


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def enrol(app, clock, username: str) -> tuple[str, list[str]]:
    """Switch two-factor login on for a demo account (as the page does); returns (secret, recovery codes)."""
    with app.app_context():
        user = _user(username)
        secret = service.start_enrolment(user)
        codes = service.confirm_enrolment(user, totp.code_at(secret, clock.now))
        db.session.commit()
    clock.now += 30  # the enrolment code's step is spent; sign-ins use the next ones
    return secret, codes


def stored_secret(username: str) -> str | None:
    """users.totp_secret as the database holds it (raw SQL: what a dump or a backup would show)."""
    return db.session.execute(sql("SELECT totp_secret FROM users WHERE username = :u"), {"u": username}).scalar()


def password_step(app, username: str, next_url: str | None = None) -> Visitor:
    v = Visitor(app)
    v.get("/login")
    response = v.post("/login" + (f"?next={next_url}" if next_url else ""),
                      {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == CODE_PAGE
    v.get(CODE_PAGE)
    return v


def audit_actions(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_enrol_through_the_page(app, login, clock):
    v = login("rt.api-api.001")
    page = v.get("/akun/keamanan")
    assert "Belum aktif" in visible(page) and 'name="csrf_token"' in text(page)
    assert v.post("/akun/keamanan/mulai").status_code == 303
    page = v.get("/akun/keamanan")
    with app.app_context():
        secret = service.pending_secret(_user("rt.api-api.001"))
        assert secret and not _user("rt.api-api.001").two_factor_enabled
        assert stored_secret("rt.api-api.001").startswith("v1:")
    assert totp.grouped(secret) in text(page)  # typed by hand: groups of four
    assert "<svg" in text(page) and "otpauth://totp/Verivali%20Bontang:rt.api-api.001?secret=" + secret in text(page)
    assert 'action="/akun/keamanan/konfirmasi"' in text(page)

    good = totp.code_at(secret, T0)
    wrong = v.post("/akun/keamanan/konfirmasi", {"code": f"{(int(good) + 1) % 1_000_000:06d}"})
    assert wrong.status_code == 422 and service.WRONG_CODE in errors(wrong)
    with app.app_context():
        assert not _user("rt.api-api.001").two_factor_enabled

    shown = v.post("/akun/keamanan/konfirmasi", {"code": good})
    assert shown.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4})</code>", text(shown))
    assert len(codes) == 10
    with app.app_context():
        user = _user("rt.api-api.001")
        assert user.two_factor_enabled
        stored = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
        assert stored == {totp.hash_recovery_code(user.id, c) for c in codes}  # only hashes are kept
    assert len(audit_actions(app, "two_factor.enable")) == 1
    page = v.get("/akun/keamanan")
    assert "Aktif" in visible(page) and "Sisa kode pemulihan: 10" in visible(page)
    assert codes[0] not in text(page)  # shown once only


def test_login_needs_the_code_and_starts_no_session_before_it(app, clock):
    secret, _ = enrol(app, clock, "lurah.api-api")
    with app.app_context():
        sessions_before = db.session.scalar(select(func.count()).select_from(UserSession))
    v = password_step(app, "lurah.api-api", next_url="/kelurahan/antrian")
    page = v.get(CODE_PAGE)
    assert 'name="code"' in text(page) and 'autocomplete="one-time-code"' in text(page)
    assert v.get("/kelurahan/").status_code == 302  # half signed in is not signed in
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == sessions_before

    response = v.post(CODE_PAGE, {"code": totp.code_at(secret, clock.now)})
    assert response.status_code == 303 and response.headers["Location"] == "/kelurahan/antrian"
    assert v.get("/kelurahan/").status_code == 200
    login_event = audit_actions(app, "auth.login")[-1]
    assert login_event.detail == {"method": "totp"}


def test_wrong_code_is_refused_and_audited(app, clock):
    secret, _ = enrol(app, clock, "dinsos")
    v = password_step(app, "dinsos")
    good = totp.code_at(secret, clock.now)
    response = v.post(CODE_PAGE, {"code": f"{(int(good) + 1) % 1_000_000:06d}"})
    assert response.status_code == 422 and service.WRONG_CODE in errors(response)
    assert v.get("/dinsos/").status_code == 302
    events = audit_actions(app, "auth.two_factor_failed")
    with app.app_context():
        assert [e.actor_id for e in events] == [_user("dinsos").id]


def test_the_same_code_cannot_be_used_twice(app, clock):
    secret, _ = enrol(app, clock, "dinsos")
    code = totp.code_at(secret, clock.now)
    first = password_step(app, "dinsos")
    assert first.post(CODE_PAGE, {"code": code}).status_code == 303
    second = password_step(app, "dinsos")  # someone who watched the code being typed
    response = second.post(CODE_PAGE, {"code": code})
    assert response.status_code == 422 and second.get("/dinsos/").status_code == 302
    # An older code still inside the window is refused too; the next step's code works.
    assert second.post(CODE_PAGE, {"code": totp.code_at(secret, clock.now - 30)}).status_code == 422
    assert second.post(CODE_PAGE, {"code": totp.code_at(secret, clock.now + 30)}).status_code == 303


def test_a_recovery_code_signs_in_once(app, clock):
    _, codes = enrol(app, clock, "camat.bontang-utara")
    typed = codes[3].upper().replace("-", " ")  # read from paper, typed loosely
    v = password_step(app, "camat.bontang-utara")
    assert v.post(CODE_PAGE, {"code": typed}).status_code == 303
    assert v.get("/kecamatan/").status_code == 200
    assert audit_actions(app, "auth.login")[-1].detail == {"method": "recovery"}
    again = password_step(app, "camat.bontang-utara")
    assert again.post(CODE_PAGE, {"code": codes[3]}).status_code == 422
    with app.app_context():
        assert service.remaining_recovery_codes(_user("camat.bontang-utara")) == 9


def test_few_recovery_codes_left_sends_the_user_to_make_new_ones(app, clock):
    _, codes = enrol(app, clock, "camat.bontang-utara")
    for code in codes[:7]:
        v = password_step(app, "camat.bontang-utara")
        response = v.post(CODE_PAGE, {"code": code})
    assert response.headers["Location"] == "/akun/keamanan"
    assert "Sisa kode pemulihan: 3" in " ".join(flashes(v.get("/akun/keamanan")))


def test_half_login_expires_after_five_minutes(app, clock):
    secret, _ = enrol(app, clock, "lurah.api-api")
    v = password_step(app, "lurah.api-api")
    clock.now += 301
    response = v.post(CODE_PAGE, {"code": totp.code_at(secret, clock.now)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Waktu untuk memasukkan kode sudah habis" in " ".join(flashes(v.get("/login")))
    assert v.get("/kelurahan/").status_code == 302
    # And the code page without a password step just goes back to the login form.
    assert Visitor(app).get(CODE_PAGE).headers["Location"] == "/login"


def test_wrong_codes_are_throttled_per_account(app, clock):
    secret, _ = enrol(app, clock, "lurah.api-api")
    good = totp.code_at(secret, clock.now)
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    for _ in range(5):
        v = password_step(app, "lurah.api-api")  # starting again does not reset the count
        assert v.post(CODE_PAGE, {"code": bad}).status_code == 422
    blocked = v.post(CODE_PAGE, {"code": good})
    assert blocked.status_code == 429 and "Terlalu banyak percobaan" in text(blocked)
    assert len(audit_actions(app, "auth.two_factor_failed")) == 5
    # Another account is not affected.
    other_secret, _ = enrol(app, clock, "dinsos")
    other = password_step(app, "dinsos")
    assert other.post(CODE_PAGE, {"code": totp.code_at(other_secret, clock.now)}).status_code == 303


def test_disable_needs_password_and_code(app, clock):
    secret, _ = enrol(app, clock, "rt.api-api.001")
    v = password_step(app, "rt.api-api.001")
    assert v.post(CODE_PAGE, {"code": totp.code_at(secret, clock.now)}).status_code == 303
    v.get("/akun/keamanan")  # a new session: the forms carry its CSRF token
    clock.now += 30
    wrong_password = v.post("/akun/keamanan/matikan", {"password": "bukan-sandi-saya",
                                                       "code": totp.code_at(secret, clock.now)})
    assert wrong_password.status_code == 422 and "Kata sandi salah." in errors(wrong_password)
    wrong_code = v.post("/akun/keamanan/matikan", {"password": DEMO_PASSWORD, "code": "12345"})
    assert wrong_code.status_code == 422 and service.WRONG_CODE in errors(wrong_code)
    with app.app_context():
        assert _user("rt.api-api.001").two_factor_enabled
    done = v.post("/akun/keamanan/matikan", {"password": DEMO_PASSWORD, "code": totp.code_at(secret, clock.now)})
    assert done.status_code == 303
    with app.app_context():
        user = _user("rt.api-api.001")
        assert (user.totp_secret, user.totp_enabled_at) == (None, None)
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)
                                 .where(RecoveryCode.user_id == user.id)) == 0
    assert len(audit_actions(app, "two_factor.disable")) == 1
    assert Visitor(app).login("rt.api-api.001").request.path == "/rt/"  # password alone again


def test_new_recovery_codes_replace_the_old_ones(app, clock):
    secret, old = enrol(app, clock, "rt.api-api.001")
    v = password_step(app, "rt.api-api.001")
    assert v.post(CODE_PAGE, {"code": totp.code_at(secret, clock.now)}).status_code == 303
    v.get("/akun/keamanan")
    refused = v.post("/akun/keamanan/kode-pemulihan", {"password": "bukan-sandi-saya"})
    assert refused.status_code == 422 and "Kata sandi salah." in errors(refused)
    shown = v.post("/akun/keamanan/kode-pemulihan", {"password": DEMO_PASSWORD})
    new = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4})</code>", text(shown))
    assert len(new) == 10 and not set(new) & set(old)
    assert password_step(app, "rt.api-api.001").post(CODE_PAGE, {"code": old[0]}).status_code == 422
    assert password_step(app, "rt.api-api.001").post(CODE_PAGE, {"code": new[0]}).status_code == 303


def test_a_known_device_still_needs_the_code(app, clock):
    """The device cookie lets the owner past the failed-login throttle, never past the second factor."""
    secret, _ = enrol(app, clock, "lurah.api-api")
    half = password_step(app, "lurah.api-api")
    assert half.client.get_cookie("verivali_device") is None  # a password alone makes no known device
    owner = password_step(app, "lurah.api-api")
    assert owner.post(CODE_PAGE, {"code": totp.code_at(secret, clock.now)}).status_code == 303
    owner.get("/kelurahan/")
    assert owner.post("/logout").headers["Location"] == "/login"
    attacker = Visitor(app, remote_addr="10.6.6.6")
    attacker.get("/login")
    for _ in range(5):
        attacker.post("/login", {"username": "lurah.api-api", "password": "salah-salah-1"})
    owner.get("/login")
    response = owner.post("/login", {"username": "lurah.api-api", "password": DEMO_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == CODE_PAGE
    assert owner.get("/kelurahan/").status_code == 302  # not signed in before the code
    clock.now += 30
    owner.get(CODE_PAGE)
    assert owner.post(CODE_PAGE, {"code": totp.code_at(secret, clock.now)}).headers["Location"] == "/kelurahan/"


def test_required_role_must_enrol_before_anything_else(app, clock):
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset({"admin"})
    v = Visitor(app)
    page = v.login("admin")
    assert page.request.path == "/akun/keamanan"
    assert v.get("/admin/").headers["Location"] == "/akun/keamanan"
    assert v.get("/akun/sesi").headers["Location"] == "/akun/keamanan"
    assert v.post("/akun/keamanan/mulai").status_code == 303
    with app.app_context():
        secret = service.pending_secret(_user("admin"))
    assert v.post("/akun/keamanan/konfirmasi", {"code": totp.code_at(secret, clock.now)}).status_code == 200
    assert v.get("/admin/").status_code == 200
    # It cannot be switched off while the role requires it.
    clock.now += 30
    page = v.get("/akun/keamanan")
    assert "tidak dapat dimatikan" in visible(page) and "/akun/keamanan/matikan" not in text(page)
    refused = v.post("/akun/keamanan/matikan", {"password": DEMO_PASSWORD, "code": totp.code_at(secret, clock.now)})
    assert refused.status_code == 422
    # Other roles are not affected.
    assert Visitor(app).login("dinsos").request.path == "/dinsos/"


def _fresh_config_module():
    """config.py read again, as a new production process reads it under the current environment."""
    spec = importlib.util.spec_from_file_location("config_fresh", config.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_production_requires_two_factor_for_admin_and_dinas_sosial_by_default(monkeypatch):
    """Dinas Sosial exports full NIKs and data-subject exports (issue 15 item 5); still configurable."""
    monkeypatch.delenv("TWO_FACTOR_REQUIRED_ROLES", raising=False)
    assert _fresh_config_module().ProductionConfig.TWO_FACTOR_REQUIRED_ROLES == {"admin", "dinsos"}
    monkeypatch.setenv("TWO_FACTOR_REQUIRED_ROLES", "admin")
    assert _fresh_config_module().ProductionConfig.TWO_FACTOR_REQUIRED_ROLES == {"admin"}


def test_required_roles_setting():
    assert roles_from_env("X", "admin", environ={}) == {"admin"}
    assert roles_from_env("X", "admin", environ={"X": " Admin, dinsos "}) == {"admin", "dinsos"}
    assert roles_from_env("X", "admin", environ={"X": ""}) == frozenset()
    with pytest.raises(RuntimeError, match="adm1n"):
        roles_from_env("X", "", environ={"X": "adm1n"})


def test_demo_accounts_sign_in_without_a_code_in_tests(app):
    assert app.config["TWO_FACTOR_REQUIRED_ROLES"] == frozenset()
    assert Visitor(app).login("admin").request.path == "/admin/"


def test_forms_are_plain_posts_with_csrf(app, login, clock):
    secret, _ = enrol(app, clock, "rt.api-api.001")
    v = password_step(app, "rt.api-api.001")
    page = text(v.get(CODE_PAGE))
    assert '<form method="post"' in page and 'name="csrf_token"' in page
    no_token = Visitor(app)
    no_token.get("/login")
    no_token.post("/login", {"username": "rt.api-api.001", "password": DEMO_PASSWORD})
    assert no_token.post(CODE_PAGE, {"code": totp.code_at(secret, clock.now)}, csrf=False).status_code == 400
    other = login("rt.kanaan.001")
    page = text(other.get("/akun/keamanan"))
    assert page.count('name="csrf_token"') >= 2  # logout and the start form
    assert other.post("/akun/keamanan/mulai", csrf=False).status_code == 400


def test_pages_fit_the_2g_budget(app, login, clock):
    """The code step and the enrolment page with its QR code: <= 14 KB as a phone on 2G receives them."""
    import brotli

    def weight(response) -> int:
        body = response.get_data()
        return len(body) if response.headers.get("Content-Encoding") == "br" else len(brotli.compress(body))

    v = login("rt.kanaan.001")
    v.post("/akun/keamanan/mulai")
    enrol_page = v.client.get("/akun/keamanan", headers={"Accept-Encoding": "br"})
    assert "<svg" in brotli.decompress(enrol_page.get_data()).decode()
    secret, _ = enrol(app, clock, "dinsos")
    code_page = password_step(app, "dinsos").client.get(CODE_PAGE, headers={"Accept-Encoding": "br"})
    sizes = [weight(r) for r in (enrol_page, code_page)]
    for response in (enrol_page, code_page):
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert max(sizes) <= 14 * 1024, sizes
    print("2G weight (br) of the enrolment page and the code page:", sizes)


def test_an_admin_resets_two_factor_for_a_lost_phone(app, login, clock):
    enrol(app, clock, "lurah.api-api")
    lurah = Visitor(app)
    lurah.get("/login")
    lurah.post("/login", {"username": "lurah.api-api", "password": DEMO_PASSWORD})
    with app.app_context():
        user_id = _user("lurah.api-api").id
        admin_id = _user("admin").id
    admin = login("admin")
    page = admin.get(f"/admin/pengguna/{user_id}")
    assert "Atur ulang verifikasi dua langkah" in visible(page)
    response = admin.post(f"/admin/pengguna/{user_id}/dua-langkah", {}, follow_redirects=True)
    assert "Verifikasi dua langkah lurah.api-api diatur ulang; semua sesinya diakhiri." in flashes(response)
    with app.app_context():
        user = _user("lurah.api-api")
        assert not user.two_factor_enabled and user.totp_secret is None
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)
                                 .where(RecoveryCode.user_id == user_id)) == 0
        assert db.session.scalar(select(func.count()).select_from(UserSession).where(
            UserSession.user_id == user_id, UserSession.ended_at.is_(None))) == 0
    assert [e.actor_id for e in audit_actions(app, "two_factor.reset")] == [admin_id]
    assert login("lurah.api-api").get("/kelurahan/").status_code == 200  # password alone again, no code step
    again = admin.post(f"/admin/pengguna/{user_id}/dua-langkah", {}, follow_redirects=True)
    assert "Verifikasi dua langkah akun ini memang belum aktif." in flashes(again)


def test_only_an_admin_resets_two_factor(app, login, clock):
    enrol(app, clock, "lurah.api-api")
    with app.app_context():
        user_id = _user("lurah.api-api").id
    dinsos = login("dinsos")
    assert dinsos.post(f"/admin/pengguna/{user_id}/dua-langkah", {}).status_code == 403
    with app.app_context():
        assert _user("lurah.api-api").two_factor_enabled


# --- secrets at rest (issue 10) --------------------------------------------------------------------------------

def test_the_database_never_holds_the_secret_or_the_recovery_codes(app, login, clock):
    v = login("rt.api-api.001")
    v.post("/akun/keamanan/mulai")
    with app.app_context():
        secret = service.pending_secret(_user("rt.api-api.001"))
        pending = stored_secret("rt.api-api.001")
    assert pending.startswith("v1:") and secret not in pending and secret.lower() not in pending.lower()
    shown = v.post("/akun/keamanan/konfirmasi", {"code": totp.code_at(secret, clock.now)})
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4})</code>", text(shown))
    with app.app_context():
        user_id = _user("rt.api-api.001").id
        stored = stored_secret("rt.api-api.001")
        hashes = set(db.session.execute(sql("SELECT code_hash FROM recovery_codes WHERE user_id = :u"),
                                        {"u": user_id}).scalars())
    assert stored.startswith("v1:") and secret not in stored
    assert len(codes) == len(hashes) == 10 and all(h.startswith("s1$") for h in hashes)
    for code in codes:  # neither the code nor any fast hash of it is stored
        fast = {hashlib.sha256(f"{user_id}:{code}".encode()).hexdigest(), hashlib.sha256(code.encode()).hexdigest()}
        assert not any(code in h or h in fast or h.removeprefix("s1$") in fast for h in hashes)


def test_a_legacy_plaintext_secret_still_signs_in_and_is_then_sealed(app, clock):
    secret, _ = enrol(app, clock, "lurah.api-api")
    with app.app_context():  # as the row was before migration 0013
        db.session.execute(sql("UPDATE users SET totp_secret = :s WHERE username = 'lurah.api-api'"), {"s": secret})
        db.session.commit()
    v = password_step(app, "lurah.api-api")
    assert v.post(CODE_PAGE, {"code": totp.code_at(secret, clock.now)}).status_code == 303
    with app.app_context():
        stored = stored_secret("lurah.api-api")
        assert stored.startswith("v1:") and secret not in stored
        assert secret_box.unseal(stored, _user("lurah.api-api").id) == secret
    clock.now += 30
    again = password_step(app, "lurah.api-api")
    assert again.post(CODE_PAGE, {"code": totp.code_at(secret, clock.now)}).status_code == 303


def test_a_legacy_plaintext_secret_is_sealed_after_a_recovery_code_too(app, clock):
    secret, codes = enrol(app, clock, "lurah.api-api")
    with app.app_context():
        db.session.execute(sql("UPDATE users SET totp_secret = :s WHERE username = 'lurah.api-api'"), {"s": secret})
        db.session.commit()
    assert password_step(app, "lurah.api-api").post(CODE_PAGE, {"code": codes[0]}).status_code == 303
    with app.app_context():
        assert stored_secret("lurah.api-api").startswith("v1:")


def _tamper(app, username: str) -> None:
    with app.app_context():
        stored = stored_secret(username)
        flipped = stored[:10] + ("A" if stored[10] != "A" else "B") + stored[11:]
        db.session.execute(sql("UPDATE users SET totp_secret = :s WHERE username = :u"), {"s": flipped, "u": username})
        db.session.commit()


def _wrong_key(app, username: str) -> None:
    app.config["TOTP_ENCRYPTION_KEY"] = "a different key of well over thirty-two characters"


@pytest.mark.parametrize("spoil", [_tamper, _wrong_key], ids=["tampered", "wrong-key"])
def test_a_secret_that_does_not_open_refuses_the_code_and_is_logged(app, clock, caplog, spoil):
    secret, codes = enrol(app, clock, "dinsos")
    spoil(app, "dinsos")
    v = password_step(app, "dinsos")
    with caplog.at_level(logging.ERROR, logger="portal.services.two_factor"):
        response = v.post(CODE_PAGE, {"code": totp.code_at(secret, clock.now)})
    assert response.status_code == 422 and service.WRONG_CODE in errors(response)
    assert v.get("/dinsos/").status_code == 302
    assert [r for r in caplog.records if r.levelno == logging.ERROR and "does not open" in r.getMessage()]
    assert secret not in caplog.text
    assert len(audit_actions(app, "auth.two_factor_failed")) == 1
    # Recovery codes do not depend on the key: the user gets in, and can switch it off and enrol again.
    assert v.post(CODE_PAGE, {"code": codes[0]}).status_code == 303
    v.get("/akun/keamanan")
    off = v.post("/akun/keamanan/matikan", {"password": DEMO_PASSWORD, "code": codes[1]})
    assert off.status_code == 303
    assert v.post("/akun/keamanan/mulai").status_code == 303
    with app.app_context():
        assert service.pending_secret(_user("dinsos"))


def test_a_pending_secret_that_does_not_open_lets_the_user_start_again(app, login, clock):
    v = login("rt.kanaan.001")
    v.post("/akun/keamanan/mulai")
    _tamper(app, "rt.kanaan.001")
    page = v.get("/akun/keamanan")
    assert page.status_code == 200 and 'action="/akun/keamanan/mulai"' in text(page)
    refused = v.post("/akun/keamanan/konfirmasi", {"code": "123456"})
    assert refused.status_code == 422 and "Mulai lagi pengaktifan" in visible(refused)
    assert v.post("/akun/keamanan/mulai").status_code == 303
    with app.app_context():
        assert service.pending_secret(_user("rt.kanaan.001"))


def test_a_legacy_sha256_recovery_code_still_signs_in_once(app, clock):
    _, codes = enrol(app, clock, "camat.bontang-utara")
    with app.app_context():  # one row as it was stored before migration 0013
        user_id = _user("camat.bontang-utara").id
        legacy = hashlib.sha256(f"{user_id}:{codes[2]}".encode()).hexdigest()
        db.session.execute(sql("UPDATE recovery_codes SET code_hash = :h WHERE code_hash = :c"),
                           {"h": legacy, "c": totp.hash_recovery_code(user_id, codes[2])})
        db.session.commit()
    assert password_step(app, "camat.bontang-utara").post(CODE_PAGE, {"code": codes[2]}).status_code == 303
    assert password_step(app, "camat.bontang-utara").post(CODE_PAGE, {"code": codes[2]}).status_code == 422
    with app.app_context():
        assert service.remaining_recovery_codes(_user("camat.bontang-utara")) == 9


def test_two_requests_with_the_same_recovery_code_at_once_sign_in_once(app, clock):
    _, codes = enrol(app, clock, "camat.bontang-utara")
    visitors = [password_step(app, "camat.bontang-utara") for _ in range(2)]
    barrier = threading.Barrier(2)
    answers = [None, None]

    def go(i):
        barrier.wait(timeout=30)
        answers[i] = visitors[i].post(CODE_PAGE, {"code": codes[5]}).status_code

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [303, 422]
    with app.app_context():
        assert service.remaining_recovery_codes(_user("camat.bontang-utara")) == 9


def test_production_needs_its_own_totp_encryption_key():
    from portal import create_app

    strong = "s" * 48
    for key in ("", "t" * 31, strong):
        with pytest.raises(RuntimeError, match="TOTP_ENCRYPTION_KEY"):
            create_app(ProductionConfig, SECRET_KEY=strong, TOTP_ENCRYPTION_KEY=key)
