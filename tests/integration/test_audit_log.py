"""The audit log viewer of Dinas Sosial and admin: listing, filters, order, paging, NIK masking, htmx, access."""
import html as html_lib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, User
from tests.conftest import Visitor
from tests.pages import get_counting_statements

VIEWERS = {"dinsos": "/dinsos/audit", "admin": "/admin/audit"}
NIK = "6474014508900001"
MASKED_NIK = "647401******0001"
ROW = re.compile(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*"
                 r"<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td class=\"hash\">(.*?)</td>\s*</tr>", re.S)
SMALL = re.compile(r"<small>(.*?)</small>")
DATE_INVALID = "Dari tanggal tidak valid (tulis seperti 27-11-2026), jadi tidak dipakai."


# --- helpers -------------------------------------------------------------------------------------

def html(response) -> str:
    return response.get_data(as_text=True)


def _main_and_small(cell: str) -> tuple[str, str]:
    small = SMALL.search(cell)
    main = re.sub(r"<[^>]+>", "", SMALL.sub("", cell)).strip()
    return html_lib.unescape(main), html_lib.unescape(small.group(1)) if small else ""


def rows(response) -> list[dict]:
    """The events shown, top to bottom: username, area code, action code and label, target, ip, detail."""
    shown = []
    for waktu, user, role, area, action, target, ip, detail in ROW.findall(html(response)):
        username = _main_and_small(user)[0] if "<small>" in user else ""
        label, code = _main_and_small(action)
        shown.append({"waktu": waktu, "username": username, "role": role, "area_code": _main_and_small(area)[1],
                      "action": code or label, "label": label, "target": target, "ip": ip,
                      "detail": html_lib.unescape(detail.replace("<br>", "\n"))})
    return shown


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def add_events(app, action: str, ats, username: str | None = "dinsos", **detail) -> None:
    """Events recorded directly (as a service would), at chosen instants; detail gets n = 0, 1, ..."""
    actor = user_id(app, username) if username else None
    with app.app_context():
        for n, at in enumerate(ats):
            db.session.add(AuditEvent(at=at, actor_id=actor, action=action, target_type="Proposal", target_id=n,
                                      ip="10.0.0.9", detail={"n": n, **detail}))
        db.session.commit()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(params=sorted(VIEWERS))
def viewer(request, app, login):
    """(signed-in Dinas Sosial or admin, their audit URL, username): every viewing test runs for both."""
    return login(request.param), VIEWERS[request.param], request.param


@pytest.fixture
def dinsos(login):
    return login("dinsos")


# --- listing -------------------------------------------------------------------------------------

def test_lists_logins_and_failed_logins_newest_first(app, login, viewer):
    login("lurah.api-api")
    assert Visitor(app).login("lurah.api-api", "bukan-kata-sandinya").status_code == 422
    assert Visitor(app).login("tidak.ada", "bukan-kata-sandinya").status_code == 422
    visitor, url, username = viewer
    response = visitor.get(url)
    assert response.status_code == 200
    page = html(response)
    assert "<title>Log audit" in page and "<h1>Log audit</h1>" in page
    shown = rows(response)
    assert len(shown) == 25
    # Newest first: the failed attempts, lurah's login, then the viewer's own (the fixture signed in first).
    # A failed login has no actor (nobody signed in); the name that was typed is in its detail.
    assert [(r["username"], r["action"], r["detail"]) for r in shown[:4]] == [
        ("", "auth.login_failed", "nama pengguna: tidak.ada"),
        ("", "auth.login_failed", "nama pengguna: lurah.api-api"),
        ("lurah.api-api", "auth.login", ""), (username, "auth.login", "")]
    failed_row, login_row = shown[1:3]
    assert login_row["label"] == "Masuk" and login_row["role"] == "Kelurahan"
    assert login_row["area_code"] == "64.74.01.1006" and login_row["ip"] == "127.0.0.1"
    assert login_row["target"] == f"User #{user_id(app, 'lurah.api-api')}"
    assert failed_row["label"] == "Gagal masuk"
    assert "tamu (tanpa akun)" in page
    assert all(r["waktu"].endswith(" WITA") for r in shown)


def test_events_are_newest_first_across_days(app, dinsos):
    add_events(app, "uji.urutan", [utc(2026, 3, 2, 8), utc(2026, 3, 1, 8), utc(2026, 3, 3, 8), utc(2026, 3, 2, 9)])
    shown = rows(dinsos.get("/dinsos/audit?aksi=uji.urutan"))
    assert [r["detail"] for r in shown] == ["n: 2", "n: 3", "n: 0", "n: 1"]
    assert [r["waktu"] for r in shown] == ["3 Maret 2026 16.00 WITA", "2 Maret 2026 17.00 WITA",
                                           "2 Maret 2026 16.00 WITA", "1 Maret 2026 16.00 WITA"]


def test_unknown_actions_are_shown_raw_and_details_as_pairs(app, dinsos):
    add_events(app, "uji.lain", [utc(2026, 3, 1)], kind="baru", catatan="<b>tebal</b>")
    response = dinsos.get("/dinsos/audit?aksi=uji.lain")
    (row,) = rows(response)
    assert row["label"] == "uji.lain" and row["action"] == "uji.lain"
    assert row["detail"] == "n: 0\njenis: baru\ncatatan: <b>tebal</b>"
    assert "catatan: &lt;b&gt;tebal&lt;/b&gt;" in html(response)  # escaped, never markup
    assert row["target"] == "Proposal #0"


def test_a_nik_in_a_detail_is_shown_masked(app, viewer):
    visitor, url, _ = viewer
    with app.app_context():
        db.session.add(AuditEvent(action="uji.nik", detail={"nik": NIK, "catatan": f"NIK {NIK} dicek",
                                                            "angka": int(NIK)}))
        db.session.commit()
    response = visitor.get(url)
    page = html(response)
    assert NIK not in page
    assert f"nik: {MASKED_NIK}" in page and f"catatan: NIK {MASKED_NIK} dicek" in page
    assert f"angka: {MASKED_NIK}" in page


# --- filters -------------------------------------------------------------------------------------

def test_filter_by_username_exact_or_partial(app, login, viewer):
    for username in ("lurah.api-api", "rt.api-api.001", "lurah.kanaan"):
        login(username)
    visitor, url, _ = viewer
    exact = rows(visitor.get(f"{url}?pengguna=lurah.api-api"))
    assert exact and {r["username"] for r in exact} == {"lurah.api-api"}
    partial = rows(visitor.get(f"{url}?pengguna=API-API"))
    assert {"lurah.api-api", "rt.api-api.001"} <= {r["username"] for r in partial}
    assert all("api-api" in r["username"] for r in partial)
    assert not rows(visitor.get(f"{url}?pengguna=tidak.ada.siapa"))
    assert "Tidak ada kejadian yang cocok." in html(visitor.get(f"{url}?pengguna=tidak.ada.siapa"))
    # LIKE wildcards are taken literally.
    assert not rows(visitor.get(f"{url}?pengguna=%25"))


def test_filter_by_username_finds_failed_logins_by_the_name_typed(app, login, dinsos):
    Visitor(app).login("penyusup.01", "coba-coba-saja")
    shown = rows(dinsos.get("/dinsos/audit?pengguna=penyusup"))
    assert [(r["username"], r["action"], r["detail"]) for r in shown] == [
        ("", "auth.login_failed", "nama pengguna: penyusup.01")]
    Visitor(app).login("lurah.kanaan", "bukan-kata-sandinya")
    login("lurah.kanaan")
    shown = rows(dinsos.get("/dinsos/audit?pengguna=lurah.kanaan"))
    assert [(r["username"], r["action"]) for r in shown[:2]] == [
        ("lurah.kanaan", "auth.login"), ("", "auth.login_failed")]


def test_filter_by_area_prefix(app, login, viewer):
    login("lurah.api-api")
    login("lurah.kanaan")
    visitor, url, _ = viewer
    north = rows(visitor.get(f"{url}?wilayah=64.74.01&aksi=auth.login"))
    assert "lurah.api-api" in {r["username"] for r in north}
    assert "lurah.kanaan" not in {r["username"] for r in north}
    assert all(r["area_code"] == "64.74.01" or r["area_code"].startswith("64.74.01.") for r in north)
    west = rows(visitor.get(f"{url}?wilayah=64.74.03&aksi=auth.login"))
    assert {r["username"] for r in west} == {"lurah.kanaan"}
    kelurahan = rows(visitor.get(f"{url}?wilayah=64.74.01.1006"))
    assert kelurahan and all(r["area_code"].startswith("64.74.01.1006") for r in kelurahan)
    # A code is a whole segment: 64.74.0 is not a prefix of 64.74.01.
    assert not rows(visitor.get(f"{url}?wilayah=64.74.0"))


def test_an_invalid_area_code_is_explained_not_a_500(app, dinsos):
    response = dinsos.get("/dinsos/audit?wilayah=64.74%25")
    assert response.status_code == 422
    assert "Kode wilayah tidak valid (tulis seperti 64.74.01), jadi tidak dipakai." in html(response)
    assert len(rows(response)) == 25


def test_filter_by_action(app, login, viewer):
    login("lurah.api-api")
    Visitor(app).login("lurah.api-api", "bukan-kata-sandinya")
    visitor, url, _ = viewer
    failed = rows(visitor.get(f"{url}?aksi=auth.login_failed"))
    assert [r["action"] for r in failed] == ["auth.login_failed"]
    logins = rows(visitor.get(f"{url}?aksi=auth.login"))  # that action only, not auth.login_failed
    assert logins and {r["action"] for r in logins} == {"auth.login"}
    auth = {r["action"] for r in rows(visitor.get(f"{url}?aksi=auth."))}
    assert auth == {"auth.login", "auth.login_failed"}
    proposals = rows(visitor.get(f"{url}?aksi=proposal."))
    assert len(proposals) == 25 and all(r["action"].startswith("proposal.") for r in proposals)
    assert not rows(visitor.get(f"{url}?aksi=proposal.start_"))


def test_action_select_offers_recorded_actions_with_labels(app, dinsos):
    page = html(dinsos.get("/dinsos/audit?aksi=proposal."))
    assert '<option value="proposal." selected>Usulan: semua</option>' in page
    assert '<option value="user.create">Akun dibuat</option>' in page
    assert '<option value="auth.login">Masuk</option>' in page  # dinsos just signed in


# Around midnight in Bontang (WITA = UTC+8): 1 March 23:59, 2 March 00:00, 2 March 23:59:59, 3 March 00:00.
DAY_EDGES = [utc(2026, 3, 1, 15, 59), utc(2026, 3, 1, 16, 0), utc(2026, 3, 2, 15, 59, 59), utc(2026, 3, 2, 16, 0)]


@pytest.mark.parametrize("query, expected", [
    ("dari=2026-03-02&sampai=2026-03-02", ["n: 2", "n: 1"]),
    ("dari=02-03-2026&sampai=02/03/2026", ["n: 2", "n: 1"]),
    ("dari=2026-03-02", ["n: 3", "n: 2", "n: 1"]),
    ("sampai=2026-03-01", ["n: 0"]),
    ("dari=2026-03-04", []),
])
def test_filter_by_date_range_in_wita_inclusive(app, dinsos, query, expected):
    add_events(app, "uji.tanggal", DAY_EDGES)
    response = dinsos.get(f"/dinsos/audit?aksi=uji.tanggal&{query}")
    assert response.status_code == 200
    assert [r["detail"] for r in rows(response)] == expected


@pytest.mark.parametrize("query, message", [
    ("dari=2026-02-30", DATE_INVALID),
    ("dari=kemarin", DATE_INVALID),
    ("dari=0001-01-01", DATE_INVALID),
    ("sampai=9999-12-31", "Sampai tanggal tidak valid (tulis seperti 27-11-2026), jadi tidak dipakai."),
    ("dari=2026-03-03&sampai=2026-03-01", "Sampai tanggal tidak boleh sebelum dari tanggal."),
])
def test_an_invalid_date_is_explained_not_a_500(app, dinsos, query, message):
    add_events(app, "uji.tanggal", DAY_EDGES)
    response = dinsos.get(f"/dinsos/audit?aksi=uji.tanggal&{query}")
    assert response.status_code == 422
    assert f'<p class="flash error" role="alert">{message}</p>' in html(response)


def test_an_invalid_bound_is_ignored_and_the_valid_one_applies(app, dinsos):
    add_events(app, "uji.tanggal", DAY_EDGES)
    response = dinsos.get("/dinsos/audit?aksi=uji.tanggal&dari=2026-02-30&sampai=2026-03-01")
    assert DATE_INVALID in html(response)
    assert [r["detail"] for r in rows(response)] == ["n: 0"]


def test_filters_combine(app, login, dinsos):
    login("lurah.api-api")
    login("lurah.kanaan")
    today = datetime.now(UTC) + timedelta(hours=8)
    query = f"pengguna=lurah&wilayah=64.74.03&aksi=auth.login&dari={today:%Y-%m-%d}&sampai={today:%Y-%m-%d}"
    assert [r["username"] for r in rows(dinsos.get(f"/dinsos/audit?{query}"))] == ["lurah.kanaan"]


# --- paging and htmx -----------------------------------------------------------------------------

def test_paginated_by_25_and_the_pager_keeps_the_filters(app, dinsos):
    start = utc(2026, 4, 1)
    add_events(app, "uji.halaman", [start + timedelta(minutes=i) for i in range(30)])
    first = dinsos.get("/dinsos/audit?aksi=uji.halaman")
    assert [r["detail"] for r in rows(first)] == [f"n: {n}" for n in range(29, 4, -1)]
    assert "30 kejadian cocok dengan filter." in html(first)
    assert "Halaman 1 dari 2" in html(first)
    next_link = html_lib.unescape(re.search(r'<a href="([^"]+)">Berikutnya', html(first)).group(1))
    assert "aksi=uji.halaman" in next_link and "page=2" in next_link and "pengguna=" not in next_link
    second = dinsos.get(next_link)
    assert [r["detail"] for r in rows(second)] == [f"n: {n}" for n in range(4, -1, -1)]
    # The whole log pages too (the demo seed alone records hundreds of events).
    everything = html(dinsos.get("/dinsos/audit?page=3"))
    assert "Halaman 3 dari" in everything and len(rows(dinsos.get("/dinsos/audit?page=3"))) == 25


def test_targeted_htmx_request_gets_only_the_results(app, dinsos):
    add_events(app, "uji.htmx", [utc(2026, 5, 1)], nik=NIK)
    response = dinsos.get("/dinsos/audit?aksi=uji.htmx", headers={"HX-Request": "true", "HX-Target": "results"})
    assert response.status_code == 200
    fragment = html(response)
    assert "<html" not in fragment and "<form" not in fragment and "<h1>" not in fragment
    assert [r["action"] for r in rows(response)] == ["uji.htmx"]
    assert "1 kejadian cocok dengan filter." in fragment
    assert NIK not in fragment and MASKED_NIK in fragment
    # An invalid filter's message is inside the fragment, where htmx swaps it.
    invalid = dinsos.get("/dinsos/audit?dari=x", headers={"HX-Request": "true", "HX-Target": "results"})
    assert invalid.status_code == 422 and DATE_INVALID in html(invalid) and "<form" not in html(invalid)
    boosted = dinsos.get("/dinsos/audit?aksi=uji.htmx", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in html(boosted) and 'hx-target="#results"' in html(boosted)


def test_the_filter_form_works_without_javascript(dinsos):
    page = html(dinsos.get("/dinsos/audit?pengguna=lurah&wilayah=64.74.01&dari=2026-03-01&sampai=2026-03-02"))
    form = re.search(r"<form method=\"get\" action=\"/dinsos/audit\".*?</form>", page, re.S).group(0)
    for name in ("pengguna", "wilayah", "aksi", "dari", "sampai"):
        assert f'name="{name}"' in form
    assert 'value="lurah"' in form and 'value="64.74.01"' in form and 'value="2026-03-01"' in form
    assert '<option value="64.74.01">Kecamatan Bontang Utara</option>' in page  # area code suggestions


@pytest.mark.parametrize("role, url", [("dinsos", "/dinsos/audit"), ("admin", "/admin/audit")])
def test_nav_links_to_the_log(login, role, url):
    assert f'<a href="{url}">Log audit</a>' in html(login(role).get(f"/{role}/"))


# --- access --------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["rt.api-api.001", "lurah.api-api", "camat.bontang-utara"])
@pytest.mark.parametrize("url", sorted(VIEWERS.values()))
def test_other_roles_are_refused(login, username, url):
    response = login(username).get(url)
    assert response.status_code == 403 and "Akses ditolak" in html(response)
    assert "Log audit" not in html(login(username).get("/"))


def test_dinsos_and_admin_only_reach_their_own_url(login):
    assert login("dinsos").get("/admin/audit").status_code == 403
    assert login("admin").get("/dinsos/audit").status_code == 403


@pytest.mark.parametrize("url", sorted(VIEWERS.values()))
def test_anonymous_is_sent_to_login(visitor, url):
    response = visitor.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- performance ---------------------------------------------------------------------------------

def _statements_for(app, visitor, url: str) -> tuple[int, int]:
    """(SQL statements run, rows shown) for one GET of `url`."""
    statements, response = get_counting_statements(app, visitor, url)
    return statements, len(rows(response))


def test_query_count_does_not_grow_with_the_events_shown(app, dinsos):
    # Many different actors, so a lazy load of a user or an area per row would show.
    with app.app_context():
        actors = db.session.scalars(select(User.id).order_by(User.id)).all()
        for n in range(25):
            db.session.add(AuditEvent(action="uji.banyak", actor_id=actors[n % len(actors)], detail={"n": n}))
        for n in range(5):
            db.session.add(AuditEvent(action="uji.sedikit", actor_id=actors[-1 - n], detail={"n": n}))
        db.session.commit()
    dinsos.get("/dinsos/audit")  # warm up (session touch, caches)
    few = _statements_for(app, dinsos, "/dinsos/audit?aksi=uji.sedikit")
    many = _statements_for(app, dinsos, "/dinsos/audit?aksi=uji.banyak")
    assert (few[1], many[1]) == (5, 25)
    assert many[0] == few[0]
