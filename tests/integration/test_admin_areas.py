"""Admin area screens: the kelurahan list with RT counts, adding, editing and deactivating RTs."""
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Area, AuditEvent, User

API_API = "64.74.01.1006"
KELURAHAN_ROW = re.compile(
    r'<tr><td>([0-9.]+)</td><td><a href="/admin/wilayah/(\d+)">([^<]+)</a></td>\s*'
    r'<td>([^<]+)</td><td class="num">(\d+)</td></tr>')
RT_ROW = re.compile(
    r'<tr><td>([0-9.]+)</td><td><a href="/admin/wilayah/rt/(\d+)">([^<]+)</a></td>\s*'
    r'<td>([^<]+)</td><td>(Aktif|<span class="badge">Nonaktif</span>)</td></tr>')
RT_NUMBER_RULE = "Nomor RT harus angka 1 sampai 999."
RW_RULE = "Nomor RW harus angka 1 sampai 999, atau dikosongkan."


def html(response) -> str:
    return response.get_data(as_text=True)


def field_errors(response, field: str) -> list[str]:
    return re.findall(rf'<p class="error" id="{field}-err">([^<]*)</p>', html(response))


def flashes(response) -> list[str]:
    return re.findall(r'<p class="flash [a-z]+" role="(?:status|alert)">([^<]*)</p>', html(response))


def rt_rows(response) -> dict[str, tuple[str, str, str]]:
    """code -> (name, RW, status) for each RT row of a kelurahan page."""
    return {code: (name, rw, "Nonaktif" if "Nonaktif" in status else "Aktif")
            for code, _id, name, rw, status in RT_ROW.findall(html(response))}


def area(app, code: str) -> Area:
    with app.app_context():
        found = db.session.scalar(select(Area).where(Area.code == code))
        db.session.expunge_all()
        return found


def area_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Area))


@pytest.fixture
def admin(login):
    return login("admin")


@pytest.fixture
def api_api(app):
    return area(app, API_API).id


def test_area_list_shows_all_kelurahan_with_rt_counts(admin):
    response = admin.get("/admin/wilayah")
    assert response.status_code == 200
    rows = KELURAHAN_ROW.findall(html(response))
    assert len(rows) == 15
    by_name = {name: (code, kec, int(count)) for code, _id, name, kec, count in rows}
    assert by_name["Api-Api"] == (API_API, "Bontang Utara", 3)
    assert by_name["Kanaan"] == ("64.74.03.1003", "Bontang Barat", 3)
    assert by_name["Tanjung Laut Indah"][1] == "Bontang Selatan"
    assert all(count == 3 for _code, _kec, count in by_name.values())
    assert [code for code, *_ in rows] == sorted(code for code, *_ in rows)


def test_kelurahan_page_lists_its_rts(admin, api_api):
    response = admin.get(f"/admin/wilayah/{api_api}")
    assert response.status_code == 200
    assert "RT di Kelurahan Api-Api" in html(response)
    assert rt_rows(response) == {
        f"{API_API}.001": ("RT 001", "001", "Aktif"),
        f"{API_API}.002": ("RT 002", "001", "Aktif"),
        f"{API_API}.003": ("RT 003", "002", "Aktif"),
    }


def test_add_rt(app, admin, api_api):
    admin.get(f"/admin/wilayah/{api_api}")
    response = admin.post(f"/admin/wilayah/{api_api}", {"number": "4", "rw": "2"})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == f"/admin/wilayah/{api_api}"
    page = admin.get(response.headers["Location"])
    assert "RT 004 / RW 002 ditambahkan." in flashes(page)
    assert rt_rows(page)[f"{API_API}.004"] == ("RT 004", "002", "Aktif")

    rt = area(app, f"{API_API}.004")
    assert (rt.level, rt.rw, rt.active, rt.parent_id) == ("rt", "002", True, api_api)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "area.add_rt", AuditEvent.target_id == rt.id)) == 1

    counts = {name: int(count) for _c, _i, name, _k, count in KELURAHAN_ROW.findall(html(admin.get("/admin/wilayah")))}
    assert counts["Api-Api"] == 4 and counts["Kanaan"] == 3


def test_add_rt_without_rw_and_with_leading_zeros(app, admin, api_api):
    admin.get(f"/admin/wilayah/{api_api}")
    response = admin.post(f"/admin/wilayah/{api_api}", {"number": "012", "rw": ""})
    assert response.status_code == 303
    page = admin.get(response.headers["Location"])
    assert "RT 012 ditambahkan." in flashes(page)
    assert rt_rows(page)[f"{API_API}.012"] == ("RT 012", "–", "Aktif")
    assert area(app, f"{API_API}.012").rw is None


def test_duplicate_rt_number_is_refused(app, admin, api_api):
    admin.get(f"/admin/wilayah/{api_api}")
    before = area_count(app)
    response = admin.post(f"/admin/wilayah/{api_api}", {"number": "001", "rw": "5"})
    assert response.status_code == 422
    assert field_errors(response, "number") == ["RT 001 sudah ada di Kelurahan Api-Api."]
    assert area_count(app) == before
    assert area(app, f"{API_API}.001").rw == "001"  # the existing RT is untouched


@pytest.mark.parametrize("number, rw, field", [
    ("0", "", "number"),
    ("abc", "", "number"),
    ("1000", "", "number"),
    ("-1", "", "number"),
    ("", "", "number"),
    ("٤", "", "number"),  # an Arabic-Indic digit is not an RT number
    ("5", "abc", "rw"),
    ("5", "0", "rw"),
])
def test_invalid_rt_numbers_are_refused_and_nothing_saved(app, admin, api_api, number, rw, field):
    admin.get(f"/admin/wilayah/{api_api}")
    before = area_count(app)
    response = admin.post(f"/admin/wilayah/{api_api}", {"number": number, "rw": rw})
    assert response.status_code == 422
    assert len(field_errors(response, field)) == 1
    assert area_count(app) == before
    assert len(rt_rows(response)) == 3


@pytest.mark.parametrize("number, rw, field, message", [
    ("0", "", "number", RT_NUMBER_RULE),
    ("abc", "", "number", RT_NUMBER_RULE),
    ("", "", "number", "Wajib diisi."),
    ("5", "abc", "rw", RW_RULE),
])
def test_invalid_rt_number_messages(admin, api_api, number, rw, field, message):
    admin.get(f"/admin/wilayah/{api_api}")
    response = admin.post(f"/admin/wilayah/{api_api}", {"number": number, "rw": rw})
    assert field_errors(response, field) == [message]


@pytest.mark.parametrize("number, rw, field, message", [
    ("1000", "", "number", RT_NUMBER_RULE),
    ("5", "1000", "rw", RW_RULE),
])
def test_too_long_rt_number_message_is_in_bahasa(admin, api_api, number, rw, field, message):
    admin.get(f"/admin/wilayah/{api_api}")
    response = admin.post(f"/admin/wilayah/{api_api}", {"number": number, "rw": rw})
    assert response.status_code == 422
    assert field_errors(response, field) == [message]


def test_edit_rt_rw_and_deactivate(app, admin, api_api):
    rt_id = area(app, f"{API_API}.002").id
    form = admin.get(f"/admin/wilayah/rt/{rt_id}")
    assert form.status_code == 200
    assert "RT 002 / RW 001, Kelurahan Api-Api" in html(form)
    assert 'value="001"' in html(form) and "checked" in html(form)

    response = admin.post(f"/admin/wilayah/rt/{rt_id}", {"rw": "7", "active": "y"})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == f"/admin/wilayah/{api_api}"
    page = admin.get(response.headers["Location"])
    assert "RT 002 / RW 007 diperbarui." in flashes(page)
    assert rt_rows(page)[f"{API_API}.002"] == ("RT 002", "007", "Aktif")

    # An unticked "Aktif" box deactivates the RT; it stays listed, marked inactive.
    response = admin.post(f"/admin/wilayah/rt/{rt_id}", {"rw": "7"})
    assert response.status_code == 303
    page = admin.get(response.headers["Location"])
    assert rt_rows(page)[f"{API_API}.002"] == ("RT 002", "007", "Nonaktif")
    rt = area(app, f"{API_API}.002")
    assert (rt.rw, rt.active) == ("007", False)

    # Reactivating and clearing the RW.
    assert admin.post(f"/admin/wilayah/rt/{rt_id}", {"rw": "", "active": "y"}).status_code == 303
    rt = area(app, f"{API_API}.002")
    assert (rt.rw, rt.active) == (None, True)


def test_edit_rt_with_invalid_rw_is_refused(app, admin, api_api):
    rt_id = area(app, f"{API_API}.001").id
    admin.get(f"/admin/wilayah/rt/{rt_id}")
    response = admin.post(f"/admin/wilayah/rt/{rt_id}", {"rw": "x1", "active": "y"})
    assert response.status_code == 422
    assert field_errors(response, "rw") == [RW_RULE]
    assert area(app, f"{API_API}.001").rw == "001"


def test_deactivated_rt_cannot_be_given_to_a_new_user(app, admin, api_api):
    rt_id = area(app, f"{API_API}.003").id
    admin.get(f"/admin/wilayah/rt/{rt_id}")
    assert admin.post(f"/admin/wilayah/rt/{rt_id}", {"rw": "2"}).status_code == 303
    assert area(app, f"{API_API}.003").active is False

    with app.app_context():
        users_before = db.session.scalar(select(func.count()).select_from(User))
    admin.get("/admin/pengguna/baru")
    response = admin.post("/admin/pengguna/baru", {
        "username": "rt.api-api.003b", "full_name": "Pengganti Ketua RT", "role": "rt",
        "area_code": f"{API_API}.003", "password": "Sementara-Bontang-77"})
    assert response.status_code == 422
    assert field_errors(response, "area_code") == ["Kode wilayah tidak dikenal atau tidak aktif."]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == users_before

    # The same form works for an active RT, so it was the deactivation that blocked it.
    ok = admin.post("/admin/pengguna/baru", {
        "username": "rt.api-api.003b", "full_name": "Pengganti Ketua RT", "role": "rt",
        "area_code": f"{API_API}.001", "password": "Sementara-Bontang-77"})
    assert ok.status_code == 303


@pytest.mark.parametrize("code", ["64.74", "64.74.01", f"{API_API}.001"])
def test_kelurahan_page_for_other_levels_is_404(app, admin, code):
    area_id = area(app, code).id
    before = area_count(app)
    response = admin.get(f"/admin/wilayah/{area_id}")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in html(response)
    assert admin.post(f"/admin/wilayah/{area_id}", {"number": "9", "rw": ""}).status_code == 404
    assert area_count(app) == before


@pytest.mark.parametrize("code", ["64.74", "64.74.01", API_API])
def test_rt_edit_page_for_other_levels_is_404(app, admin, code):
    area_id = area(app, code).id
    assert admin.get(f"/admin/wilayah/rt/{area_id}").status_code == 404
    assert admin.post(f"/admin/wilayah/rt/{area_id}", {"rw": "9", "active": "y"}).status_code == 404
    assert area(app, code).rw is None


def test_unknown_area_id_is_404(admin):
    assert admin.get("/admin/wilayah/999999").status_code == 404
    assert admin.get("/admin/wilayah/rt/999999").status_code == 404
