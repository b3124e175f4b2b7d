"""Admin account management: list, search, paging, htmx fragments, create, (de)activate, reset password."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, User, UserSession
from tests.conftest import DEMO_PASSWORD, Visitor

DEMO_USER_COUNT = 65  # admin, dinsos, 3 camat, 15 lurah, 45 RT
NEW_PASSWORD = "Sementara-Bontang-77"
USERNAME_LINK = re.compile(r'<a href="/admin/pengguna/\d+">([^<]+)</a>')

AREA_UNKNOWN = "Kode wilayah tidak dikenal atau tidak aktif."
USERNAME_TAKEN = "Nama pengguna ini sudah dipakai."
USERNAME_RULE = "Nama pengguna 3–64 karakter: huruf kecil, angka, titik, tanda hubung atau garis bawah."
PASSWORD_SHORT = "Kata sandi minimal 10 karakter."
PASSWORD_COMMON = "Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain."
PASSWORD_HAS_USERNAME = "Kata sandi tidak boleh memuat nama pengguna."
ACCOUNT_INACTIVE = "Akun ini tidak aktif. Hubungi admin Dinas Sosial."
LOGIN_FAILED = "Nama pengguna atau kata sandi salah."


# --- helpers -------------------------------------------------------------------------------------

def html(response) -> str:
    return response.get_data(as_text=True)


def listed_usernames(response) -> list[str]:
    return USERNAME_LINK.findall(html(response))


def field_errors(response, field: str) -> list[str]:
    """The messages shown right under one form field (see _macros/forms.html)."""
    return re.findall(rf'<p class="error" id="{field}-err">([^<]*)</p>', html(response))


def flashes(response) -> list[str]:
    return re.findall(r'<p class="flash [a-z]+" role="(?:status|alert)">([^<]*)</p>', html(response))


def path_of(response) -> str:
    return urlsplit(response.headers["Location"]).path


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def get_user(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge_all()
        return user


def user_id(app, username: str) -> int:
    return get_user(app, username).id


def new_user_form(**overrides) -> dict:
    data = {"username": "operator.kanaan", "full_name": "Operator Cadangan Kanaan", "role": "kelurahan",
            "area_code": "64.74.03.1003", "password": NEW_PASSWORD}
    data.update(overrides)
    return data


@pytest.fixture
def admin(login):
    return login("admin")


# --- list, search, paging ------------------------------------------------------------------------

def test_user_list_shows_accounts_and_total(admin):
    response = admin.get("/admin/pengguna")
    assert response.status_code == 200
    assert f"{DEMO_USER_COUNT} akun ditemukan." in html(response)
    names = listed_usernames(response)
    assert len(names) == 25
    assert names == sorted(names)
    assert "admin" in names and "camat.bontang-barat" in names
    assert "Halaman 1 dari 3" in html(response)


def test_search_by_q_filters_on_username_and_full_name(admin):
    response = admin.get("/admin/pengguna?q=kanaan")
    assert response.status_code == 200
    assert "4 akun ditemukan." in html(response)
    assert listed_usernames(response) == ["lurah.kanaan", "rt.kanaan.001", "rt.kanaan.002", "rt.kanaan.003"]

    by_full_name = admin.get("/admin/pengguna?q=VERIFIKATOR")  # full name, any case
    assert listed_usernames(by_full_name) == ["dinsos"]

    nothing = admin.get("/admin/pengguna?q=tidak-ada-yang-cocok")
    assert "0 akun ditemukan." in html(nothing)
    assert "Tidak ada akun yang cocok." in html(nothing)


def test_role_filter(admin):
    response = admin.get("/admin/pengguna?role=kecamatan")
    assert "3 akun ditemukan." in html(response)
    assert listed_usernames(response) == ["camat.bontang-barat", "camat.bontang-selatan", "camat.bontang-utara"]

    combined = admin.get("/admin/pengguna?role=rt&q=api-api")
    assert listed_usernames(combined) == ["rt.api-api.001", "rt.api-api.002", "rt.api-api.003"]

    # An unknown role is ignored rather than an error.
    unknown = admin.get("/admin/pengguna?role=superuser")
    assert unknown.status_code == 200
    assert f"{DEMO_USER_COUNT} akun ditemukan." in html(unknown)


def test_pagination_covers_every_account_once(admin):
    pages = [admin.get(f"/admin/pengguna?page={n}") for n in (1, 2, 3)]
    assert all(p.status_code == 200 for p in pages)
    assert "Halaman 2 dari 3" in html(pages[1])
    names = [name for p in pages for name in listed_usernames(p)]
    assert [len(listed_usernames(p)) for p in pages] == [25, 25, 15]
    assert len(names) == len(set(names)) == DEMO_USER_COUNT
    # Page 2 links back to 1 and on to 3.
    assert "page=1" in html(pages[1]) and "page=3" in html(pages[1])


def test_pager_links_keep_the_filters(admin):
    response = admin.get("/admin/pengguna?role=rt")  # 45 RT accounts -> 2 pages
    assert "45 akun ditemukan." in html(response)
    link = re.search(r'<a href="([^"]+)">Berikutnya', html(response)).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query) == {"page": ["2"], "role": ["rt"]}
    second = admin.get(link)
    assert all(name.startswith("rt.") for name in listed_usernames(second))
    assert len(listed_usernames(second)) == 20


@pytest.mark.parametrize("page", ["99", "0", "-1", "abc"])
def test_out_of_range_or_bad_page_is_not_an_error(admin, page):
    response = admin.get(f"/admin/pengguna?page={page}")
    assert response.status_code == 200
    assert f"{DEMO_USER_COUNT} akun ditemukan." in html(response)


def test_targeted_htmx_request_gets_only_the_results_fragment(admin):
    response = admin.get("/admin/pengguna?q=kanaan", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = html(response)
    assert "<html" not in body and "<header" not in body and "<form" not in body
    assert "4 akun ditemukan." in body
    assert "rt.kanaan.001" in body


def test_boosted_htmx_request_gets_the_full_page(admin):
    response = admin.get("/admin/pengguna?q=kanaan", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 200
    body = html(response)
    assert "<html" in body and "<header" in body
    assert 'id="results"' in body
    assert "4 akun ditemukan." in body


# --- create --------------------------------------------------------------------------------------

def test_create_user_success_and_first_login_forces_password_change(app, admin):
    assert admin.get("/admin/pengguna/baru").status_code == 200
    before = user_count(app)
    response = admin.post("/admin/pengguna/baru", new_user_form())
    assert response.status_code == 303
    created = get_user(app, "operator.kanaan")
    assert created is not None
    assert path_of(response) == f"/admin/pengguna/{created.id}"
    assert user_count(app) == before + 1
    assert created.must_change_password is True
    assert created.active is True
    assert created.role == "kelurahan"
    assert created.full_name == "Operator Cadangan Kanaan"

    detail = admin.get(response.headers["Location"])
    assert "Akun operator.kanaan dibuat." in flashes(detail)
    assert "wajib ganti kata sandi saat masuk" in html(detail)
    assert "Kelurahan Kanaan" in html(detail)

    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.create",
                                                             AuditEvent.target_id == created.id)).all()
        assert len(events) == 1
        assert events[0].actor_id == admin_id
        assert events[0].detail["username"] == "operator.kanaan"
        assert events[0].detail["area"] == "64.74.03.1003"

    # The new user signs in and is held on the password-change page.
    newcomer = Visitor(app)
    landed = newcomer.login("operator.kanaan", NEW_PASSWORD)
    assert landed.status_code == 200
    assert landed.request.path == "/akun/kata-sandi"
    assert "Silakan ganti kata sandi sementara Anda sebelum melanjutkan." in flashes(landed)
    blocked = newcomer.get("/kelurahan/")
    assert blocked.status_code == 302 and path_of(blocked) == "/akun/kata-sandi"

    changed = newcomer.post("/akun/kata-sandi", {"current_password": NEW_PASSWORD,
                                                  "new_password": "Pilihan-Sendiri-2026",
                                                  "confirm": "Pilihan-Sendiri-2026"})
    assert changed.status_code == 303
    home = newcomer.get("/kelurahan/")
    assert home.status_code == 200
    assert "Kata sandi berhasil diganti. Sesi di perangkat lain telah diakhiri." in flashes(home)
    assert get_user(app, "operator.kanaan").must_change_password is False


def test_create_user_normalises_username_case(app, admin):
    response = admin.post("/admin/pengguna/baru", new_user_form(username="  Operator.Kanaan "))
    assert response.status_code == 303
    assert get_user(app, "operator.kanaan") is not None


@pytest.mark.parametrize("overrides, field, message", [
    pytest.param({"username": "rt.kanaan.001"}, "username", USERNAME_TAKEN, id="duplicate-username"),
    pytest.param({"username": "ADMIN"}, "username", USERNAME_TAKEN, id="duplicate-username-other-case"),
    pytest.param({"area_code": "64.74.09.9999"}, "area_code", AREA_UNKNOWN, id="unknown-area"),
    pytest.param({"area_code": ""}, "area_code", "Wajib diisi.", id="missing-area"),
    pytest.param({"password": "pendek-1"}, "password", PASSWORD_SHORT, id="password-too-short"),
    pytest.param({"password": "password123"}, "password", PASSWORD_COMMON, id="password-common"),
    pytest.param({"password": "operator.kanaan-2026"}, "password", PASSWORD_HAS_USERNAME,
                 id="password-contains-username"),
    pytest.param({"role": "rt", "area_code": "64.74.03.1003"}, "area_code",
                 "Peran Ketua RT harus terikat pada wilayah tingkat rt.", id="rt-role-on-kelurahan"),
    pytest.param({"role": "admin", "area_code": "64.74.03"}, "area_code",
                 "Peran Admin harus terikat pada wilayah tingkat kota.", id="admin-role-on-kecamatan"),
    pytest.param({"role": "raja"}, "role", "Peran tidak dikenal.", id="unknown-role"),
    pytest.param({"username": "operator kanaan"}, "username", USERNAME_RULE, id="username-space"),
    pytest.param({"username": "<b>kanaan</b>"}, "username", USERNAME_RULE, id="username-markup"),
    pytest.param({"username": "op"}, "username", USERNAME_RULE, id="username-too-short"),
    pytest.param({"username": ".kanaan"}, "username", USERNAME_RULE, id="username-leading-dot"),
    pytest.param({"full_name": "Al"}, "full_name", "Nama lengkap 3–120 karakter.", id="full-name-too-short"),
])
def test_create_user_rejects_bad_input_and_saves_nothing(app, admin, overrides, field, message):
    admin.get("/admin/pengguna/baru")
    before = user_count(app)
    with app.app_context():
        audit_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = admin.post("/admin/pengguna/baru", new_user_form(**overrides))
    assert response.status_code == 422
    assert field_errors(response, field) == [message]
    # The message is tied to its input for screen readers.
    assert re.search(rf'<input[^>]*aria-describedby="{field}-err"[^>]*aria-invalid="true"[^>]*id="{field}"',
                     html(response)) or re.search(rf'<select[^>]*aria-invalid="true"[^>]*id="{field}"', html(response))
    assert user_count(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before
    # The typed values come back so the admin only fixes the wrong one (never the password).
    if field != "full_name":
        assert 'value="Operator Cadangan Kanaan"' in html(response)
    assert NEW_PASSWORD not in html(response)


def test_untouched_form_fields_are_not_marked_invalid(admin):
    page = html(admin.get("/admin/pengguna/baru"))
    inputs = re.findall(r"<(?:input|select)[^>]*>", page)
    assert any('id="username"' in tag for tag in inputs)
    assert not [tag for tag in inputs if '="None"' in tag]
    assert "aria-invalid" not in page


def test_hostile_full_name_is_stored_as_typed_and_shown_escaped(app, admin):
    hostile = "<script>alert(1)</script>"
    response = admin.post("/admin/pengguna/baru", new_user_form(full_name=hostile))
    assert response.status_code == 303
    assert get_user(app, "operator.kanaan").full_name == hostile

    for page in (admin.get(response.headers["Location"]), admin.get("/admin/pengguna?q=operator")):
        body = html(page)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "<script>alert" not in body


# --- deactivate / reactivate ---------------------------------------------------------------------

def test_deactivated_user_cannot_log_in_and_open_session_ends(app, admin):
    rt_session = Visitor(app)
    assert rt_session.login("rt.kanaan.001").request.path == "/rt/"
    assert rt_session.get("/rt/").status_code == 200

    uid = user_id(app, "rt.kanaan.001")
    admin.get(f"/admin/pengguna/{uid}")
    response = admin.post(f"/admin/pengguna/{uid}/status", {"active": "0"})
    assert response.status_code == 303 and path_of(response) == f"/admin/pengguna/{uid}"
    detail = admin.get(response.headers["Location"])
    assert "Akun rt.kanaan.001 dinonaktifkan." in flashes(detail)
    assert '<span class="badge">Nonaktif</span>' in html(detail)
    assert "Aktifkan kembali" in html(detail)
    assert get_user(app, "rt.kanaan.001").active is False
    with app.app_context():  # every session of the user is ended at once, not only when next used
        reasons = db.session.scalars(select(UserSession.end_reason).where(UserSession.user_id == uid)).all()
        assert reasons == ["deactivated"]

    # The open session is logged out on its very next request.
    after = rt_session.get("/rt/")
    assert after.status_code == 302
    assert path_of(after) == "/login"
    assert rt_session.get("/rt/", headers={"HX-Request": "true"}).headers["HX-Redirect"].startswith("/login")

    # A new sign-in is refused with the inactive-account message, even with the right password.
    refused = Visitor(app).login("rt.kanaan.001")
    assert refused.status_code == 422
    assert ACCOUNT_INACTIVE in html(refused)

    # The account is still listed (nothing is deleted), marked inactive.
    listing = admin.get("/admin/pengguna?q=rt.kanaan.001")
    assert listed_usernames(listing) == ["rt.kanaan.001"]
    assert "Nonaktif" in html(listing)


def test_session_of_a_user_made_inactive_elsewhere_ends_on_next_request(app):
    """Second line of defence: the session loader itself refuses inactive users."""
    rt_session = Visitor(app)
    rt_session.login("rt.kanaan.001")
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "rt.kanaan.001")).active = False
        db.session.commit()
    response = rt_session.get("/rt/")
    assert response.status_code == 302 and path_of(response) == "/login"


def test_reactivated_user_can_log_in_again(app, admin):
    uid = user_id(app, "rt.kanaan.002")
    admin.get(f"/admin/pengguna/{uid}")
    assert admin.post(f"/admin/pengguna/{uid}/status", {"active": "0"}).status_code == 303
    assert Visitor(app).login("rt.kanaan.002").status_code == 422

    response = admin.post(f"/admin/pengguna/{uid}/status", {"active": "1"})
    assert response.status_code == 303
    assert "Akun rt.kanaan.002 diaktifkan kembali." in flashes(admin.get(response.headers["Location"]))
    assert get_user(app, "rt.kanaan.002").active is True
    back = Visitor(app).login("rt.kanaan.002")
    assert back.status_code == 200 and back.request.path == "/rt/"
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == uid,
                                                                     AuditEvent.target_type == "User")
                                     .where(AuditEvent.action.like("user.%"))).all()
    assert actions.count("user.deactivate") == 1 and actions.count("user.activate") == 1


def test_admin_cannot_deactivate_themselves(app, admin):
    uid = user_id(app, "admin")
    own_page = admin.get(f"/admin/pengguna/{uid}")
    assert "Nonaktifkan akun" not in html(own_page)  # the button is not even offered

    response = admin.post(f"/admin/pengguna/{uid}/status", {"active": "0"})
    assert response.status_code == 303
    page = admin.get(response.headers["Location"])
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in flashes(page)
    assert get_user(app, "admin").active is True
    assert admin.get("/admin/").status_code == 200  # still signed in


def test_status_change_needs_csrf_token(app, admin):
    uid = user_id(app, "rt.kanaan.003")
    response = admin.post(f"/admin/pengguna/{uid}/status", {"active": "0"}, csrf=False)
    assert response.status_code == 400
    assert get_user(app, "rt.kanaan.003").active is True


# --- reset password ------------------------------------------------------------------------------

def test_reset_password_forces_change_and_old_password_stops_working(app, admin):
    rt_session = Visitor(app)
    rt_session.login("rt.kanaan.003")
    uid = user_id(app, "rt.kanaan.003")
    admin.get(f"/admin/pengguna/{uid}")
    response = admin.post(f"/admin/pengguna/{uid}/kata-sandi", {"new_password": NEW_PASSWORD})
    assert response.status_code == 303 and path_of(response) == f"/admin/pengguna/{uid}"
    detail = admin.get(response.headers["Location"])
    assert ("Kata sandi rt.kanaan.003 diatur ulang. Sampaikan kata sandi sementara secara langsung."
            in flashes(detail))
    assert "wajib ganti kata sandi saat masuk" in html(detail)
    assert get_user(app, "rt.kanaan.003").must_change_password is True

    # The session that was open is ended; the old password no longer works.
    assert path_of(rt_session.get("/rt/")) == "/login"
    old = Visitor(app).login("rt.kanaan.003", DEMO_PASSWORD)
    assert old.status_code == 422 and LOGIN_FAILED in html(old)

    fresh = Visitor(app)
    landed = fresh.login("rt.kanaan.003", NEW_PASSWORD)
    assert landed.request.path == "/akun/kata-sandi"
    assert path_of(fresh.get("/rt/")) == "/akun/kata-sandi"


@pytest.mark.parametrize("password, message", [
    ("pendek", PASSWORD_SHORT),
    ("password123", PASSWORD_COMMON),
    ("RT.Kanaan.003-baru", PASSWORD_HAS_USERNAME),
])
def test_reset_password_rejects_weak_password(app, admin, password, message):
    uid = user_id(app, "rt.kanaan.003")
    hash_before = get_user(app, "rt.kanaan.003").password_hash
    admin.get(f"/admin/pengguna/{uid}")
    response = admin.post(f"/admin/pengguna/{uid}/kata-sandi", {"new_password": password})
    assert response.status_code == 422
    assert field_errors(response, "new_password") == [message]
    user = get_user(app, "rt.kanaan.003")
    assert user.password_hash == hash_before and user.must_change_password is False
    assert Visitor(app).login("rt.kanaan.003").request.path == "/rt/"


# --- nothing is hard-deleted ---------------------------------------------------------------------

def test_no_route_accepts_delete(app, admin):
    deleting = [rule.rule for rule in app.url_map.iter_rules() if "DELETE" in rule.methods]
    assert deleting == []
    uid = user_id(app, "rt.kanaan.001")
    response = admin.client.delete(f"/admin/pengguna/{uid}", headers={"X-CSRFToken": admin.csrf})
    assert response.status_code == 405
    assert get_user(app, "rt.kanaan.001") is not None
