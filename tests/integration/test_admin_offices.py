"""Admin office settings: the list of issuing offices, editing kop/numbering/signer/tembusan, the live number
preview, refusals next to their field with nothing saved, and the next issued letter using the new settings."""
import html as html_lib
import io
import re
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import Area, AuditEvent, Letter, Office, Proposal, User
from portal.services import letters

KOTA, KECAMATAN, API_API = "64.74", "64.74.01", "64.74.01.1006"
OFFICE_ROW = re.compile(
    r'<tr><td>([0-9.]+)</td><td><a href="/admin/kantor/(\d+)">([^<]+)</a></td>\s*'
    r'<td>([^<]*)</td><td>([^<]*)<br><small>([^<]*)</small></td></tr>')
NEW_NIP = "196805122000031002"


def html(response) -> str:
    return response.get_data(as_text=True)


def field_errors(response, field: str) -> list[str]:
    return [html_lib.unescape(m) for m in re.findall(rf'<p class="error" id="{field}-err">([^<]*)</p>', html(response))]


def all_field_errors(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for field, message in re.findall(r'<p class="error" id="([a-z_]+)-err">([^<]*)</p>', html(response)):
        found.setdefault(field, []).append(html_lib.unescape(message))
    return found


def flashes(response) -> list[str]:
    return re.findall(r'<p class="flash [a-z]+" role="(?:status|alert)">([^<]*)</p>', html(response))


def area_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Area.id).where(Area.code == code))


def stored_settings(app, code: str) -> dict | None:
    """The raw JSON of the office of that area (None when the office does not exist yet)."""
    with app.app_context():
        office = db.session.scalar(select(Office).join(Office.area).where(Area.code == code))
        return None if office is None else dict(office.settings)


def audit_count(app, action: str = "office.update") -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def dinsos_values(**changes) -> dict:
    """A complete, valid form for Dinas Sosial, different from the defaults."""
    values = {
        "government": "PEMERINTAH KOTA BONTANG",
        "name": "Dinas Sosial dan Pemberdayaan Masyarakat Kota Bontang",
        "address": "Jl. Bessai Berinta, Gedung Graha Taman Praja Blok III, Bontang Lestari 75325",
        "phone": "(0548) 3030123",
        "email": "dinsospm@bontangkota.go.id",
        "website": "dinsospm.bontangkota.go.id",
        "unit": "DSPM",
        "pattern": "{klasifikasi}/{nomor:03}/{unit}/{bulan_romawi}/{tahun}",
        "classification_usulan": "400.9.2.1",
        "classification_pengantar": "400.9.2",
        "classification_berita_acara": "400.9",
        "classification_keterangan": "470",
        "signer_prefix": "Plt.",
        "signer_title": "Kepala Dinas Sosial dan Pemberdayaan Masyarakat",
        "signer_name": "Drs. Bahtiar Mahmud, M.Si.",
        "signer_rank": "Pembina Tingkat I (IV/b)",
        "signer_nip": "19680512 200003 1 002",
        "tembusan": "Gubernur Kalimantan Timur\r\n\r\nWali Kota Bontang\r\n3. Arsip;\r\n",
    }
    values.update(changes)
    return values


@pytest.fixture
def admin(login):
    return login("admin")


@pytest.fixture
def kota_id(app):
    return area_id(app, KOTA)


def edit(admin, area: int, values: dict):
    admin.get(f"/admin/kantor/{area}")
    return admin.post(f"/admin/kantor/{area}", values)


def test_office_list_shows_dinas_sosial_kecamatan_and_kelurahan(app, admin):
    response = admin.get("/admin/kantor")
    assert response.status_code == 200
    assert '<a href="/admin/kantor" aria-current="page">Kantor</a>' in html(response)
    rows = OFFICE_ROW.findall(html(response))
    assert len(rows) == 1 + 3 + 15
    labels = [label for _code, _id, label, *_ in rows]
    assert labels[0] == "Dinas Sosial"
    assert sum(label.startswith("Kecamatan ") for label in labels) == 3
    assert sum(label.startswith("Kelurahan ") for label in labels) == 15
    by_label = {label: (code, name, title, signer) for code, _id, label, name, title, signer in rows}
    assert by_label["Dinas Sosial"] == (KOTA, "DINAS SOSIAL DAN PEMBERDAYAAN MASYARAKAT",
                                        "Kepala Dinas Sosial dan Pemberdayaan Masyarakat", "(nama Kepala Dinas)")
    assert by_label["Kelurahan Api-Api"] == (API_API, "KELURAHAN API-API", "Lurah Api-Api", "(nama pejabat)")
    assert by_label["Kecamatan Bontang Utara"][:3] == (KECAMATAN, "KECAMATAN BONTANG UTARA", "Camat Bontang Utara")
    assert [code for code, *_ in rows] == sorted(code for code, *_ in rows)
    with app.app_context():  # every office exists now, with its defaults (nothing stored yet means "defaults")
        assert db.session.scalar(select(func.count()).select_from(Office)) == 19
    assert OFFICE_ROW.findall(html(admin.get("/admin/kantor"))) == rows  # a second visit creates nothing new


def test_edit_form_shows_the_current_settings_and_a_sample_number(admin, kota_id):
    response = admin.get(f"/admin/kantor/{kota_id}")
    assert response.status_code == 200
    page = html(response)
    assert "Pengaturan kantor: Dinas Sosial" in page
    assert 'value="DINAS SOSIAL DAN PEMBERDAYAAN MASYARAKAT"' in page
    assert 'value="197001012000031001"' in page
    assert "Gubernur Kalimantan Timur\nKepala Dinas Sosial Provinsi Kalimantan Timur\nArsip</textarea>" in page
    assert f"Contoh nomor: 400.9.2/0001/Dinsos/{clock.today().year}" in page
    for kind in ("usulan", "pengantar", "berita_acara", "keterangan"):
        assert f'id="classification_{kind}"' in page


def test_kelurahan_sample_number_uses_its_own_unit(admin, app):
    response = admin.get(f"/admin/kantor/{area_id(app, API_API)}")
    assert f"Contoh nomor: 400.9.2/0001/KelApi-Api/{clock.today().year}" in html(response)


def test_live_preview_follows_the_typed_values_and_saves_nothing(app, admin, kota_id):
    before = stored_settings(app, KOTA)
    headers = {"HX-Request": "true"}
    response = admin.get(f"/admin/kantor/{kota_id}", headers=headers, query_string={
        "pattern": "{klasifikasi}/{nomor}/{unit}/{bulan_romawi}/{tahun}", "unit": "DSPM",
        "classification_usulan": "470"})
    assert response.status_code == 200
    year, month = clock.today().year, ("I II III IV V VI VII VIII IX X XI XII".split())[clock.today().month - 1]
    assert html(response).strip() == f"Contoh nomor: 470/0001/DSPM/{month}/{year}"
    broken = admin.get(f"/admin/kantor/{kota_id}", headers=headers,
                       query_string={"pattern": "{klasifikasi}/{unit}", "unit": "X", "classification_usulan": "470"})
    assert "pola nomor belum lengkap" in html(broken) and "<form" not in html(broken)
    assert stored_settings(app, KOTA) == before
    assert audit_count(app) == 0


def test_edit_saves_and_the_next_letter_uses_the_new_settings(app, admin, kota_id):
    response = edit(admin, kota_id, dinsos_values())
    assert response.status_code == 303, all_field_errors(response)
    assert urlsplit(response.headers["Location"]).path == "/admin/kantor"
    page = admin.get(response.headers["Location"])
    assert "Pengaturan Dinas Sosial disimpan." in flashes(page)
    row = next(r for r in OFFICE_ROW.findall(html(page)) if r[2] == "Dinas Sosial")
    assert row[3:] == ("Dinas Sosial dan Pemberdayaan Masyarakat Kota Bontang",
                       "Plt. Kepala Dinas Sosial dan Pemberdayaan Masyarakat", "Drs. Bahtiar Mahmud, M.Si.")

    saved = stored_settings(app, KOTA)
    assert saved["signer"] == {"prefix": "Plt.", "title": "Kepala Dinas Sosial dan Pemberdayaan Masyarakat",
                               "name": "Drs. Bahtiar Mahmud, M.Si.", "rank": "Pembina Tingkat I (IV/b)",
                               "nip": NEW_NIP}
    assert saved["tembusan"] == ["Gubernur Kalimantan Timur", "Wali Kota Bontang", "Arsip"]
    assert saved["classifications"] == {"usulan": "400.9.2.1", "pengantar": "400.9.2", "berita_acara": "400.9",
                                        "keterangan": "470", "rekap_verivali": "400.9.2"}  # left as it was
    assert (saved["unit"], saved["email"]) == ("DSPM", "dinsospm@bontangkota.go.id")

    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "office.update"))
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
        office = db.session.scalar(select(Office).join(Office.area).where(Area.code == KOTA))
        assert (event.actor_id, event.target_type, event.target_id) == (admin_id, "Office", office.id)
        assert event.detail["area"] == KOTA and "signer" in event.detail["changed"]
        assert office.updated_by_id == admin_id

        dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
        ready = db.session.scalar(select(Proposal.id).where(Proposal.status == "disetujui_dinsos")
                                  .order_by(Proposal.id))
        letter = letters.issue_usulan(dinsos, [ready])
        db.session.commit()
        number, sequence, pdf = letter.number, letter.sequence, letter.pdf
        snapshot = letter.data["office"]
        first_number = db.session.scalar(select(Letter.number).order_by(Letter.id))

    today = clock.today()
    month = "I II III IV V VI VII VIII IX X XI XII".split()[today.month - 1]
    assert number == f"400.9.2.1/{sequence:03d}/DSPM/{month}/{today.year}"
    assert first_number.endswith(f"/Dinsos/{today.year}")  # the letter issued before the change keeps its number
    assert snapshot["signer"]["name"] == "Drs. Bahtiar Mahmud, M.Si."
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "DINAS SOSIAL DAN PEMBERDAYAAN MASYARAKAT KOTA BONTANG" in text
    assert "Drs. Bahtiar Mahmud, M.Si." in text
    assert "Plt. KEPALA DINAS SOSIAL DAN PEMBERDAYAAN MASYARAKAT" in text
    assert "Pembina Tingkat I (IV/b)" in text
    assert NEW_NIP in text.replace(" ", "")
    assert "197001012000031001" not in text.replace(" ", "")  # the old NIP is gone
    assert number in text
    assert "Wali Kota Bontang" in text and "dinsospm@bontangkota.go.id" in text


def test_kelurahan_office_can_be_saved_without_email_and_tembusan(app, admin):
    kel = area_id(app, API_API)
    values = dinsos_values(name="Kelurahan Api-Api", unit="Kel.AA", email="", website="", tembusan="",
                           signer_prefix="", signer_title="Lurah Api-Api", signer_rank="")
    response = edit(admin, kel, values)
    assert response.status_code == 303, all_field_errors(response)
    saved = stored_settings(app, API_API)
    assert (saved["email"], saved["website"], saved["tembusan"], saved["signer"]["rank"]) == ("", "", [], "")
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.area_id == kel))
        effective = letters.settings_of(office)
        assert (effective.unit, effective.email, effective.tembusan) == ("Kel.AA", "", [])


BAD_INPUTS = [
    ("signer_nip", "19680512200003100", "NIP harus 18 digit angka (terisi 17 digit)."),
    ("signer_nip", "196802302000031002",
     "NIP tidak valid: tanggal lahir (digit 1–8, tahun-bulan-tanggal) tidak ada di kalender."),
    ("signer_nip", "", "Wajib diisi."),
    ("pattern", "{klasifikasi}/{unit}/{tahun}", "Pola nomor surat harus memuat {nomor} (nomor urut surat)."),
    ("pattern", "{klasifikasi}/{nomor}/{kode}", "Pola nomor surat memuat isian yang tidak dikenal: {kode}. "
                                                "Yang boleh dipakai: {klasifikasi}, {nomor}, {unit}, {tahun}, "
                                                "{bulan_romawi}."),
    ("pattern", "{klasifikasi}/{nomor:04}/{unit}/{tahun}" + "/" * 45,
     "Pola nomor surat maksimal 80 karakter (terisi 84)."),
    ("email", "dinsos@bontang", "Alamat pos-el tidak valid, contoh: dinsos@bontangkota.go.id."),
    ("email", "dinsos bontangkota.go.id", "Alamat pos-el tidak valid, contoh: dinsos@bontangkota.go.id."),
    ("email", "", "Wajib diisi."),
    ("tembusan", "\n".join(f"Penerima {i}" for i in range(1, 12)),
     "Tembusan paling banyak 10 baris (terisi 11 baris)."),
    ("tembusan", "Arsip\n" + "K" * 121, "Baris tembusan ke-2 terlalu panjang: maksimal 120 karakter (terisi 121)."),
    ("classification_usulan", "400.9.2.1.5", "Kode klasifikasi harus berupa angka seperti 400.9.2: tiga digit, lalu "
                                             "paling banyak tiga bagian bertitik (masing-masing 1–3 digit)."),
    ("classification_keterangan", "40", "Kode klasifikasi harus berupa angka seperti 400.9.2: tiga digit, lalu "
                                        "paling banyak tiga bagian bertitik (masing-masing 1–3 digit)."),
    ("classification_pengantar", "400/9", "Kode klasifikasi harus berupa angka seperti 400.9.2: tiga digit, lalu "
                                          "paling banyak tiga bagian bertitik (masing-masing 1–3 digit)."),
    ("signer_prefix", "Pj.", "Pilih awalan penanda tangan: tanpa awalan, a.n., u.b., Plt. atau Plh."),
    ("unit", "Dinsos/PM", "Kode unit hanya boleh berisi huruf, angka, titik dan tanda hubung (tanpa spasi atau garis "
                          "miring), contoh: Dinsos."),
    ("name", "   ", "Wajib diisi."),
    ("name", "D" * 151, "Nama kantor maksimal 150 karakter (terisi 151)."),
    ("phone", "0" * 61, "Telepon maksimal 60 karakter (terisi 61)."),
    ("website", "dinsos .bontangkota.go.id",
     "Alamat laman tidak boleh memuat spasi, contoh: dinsos.bontangkota.go.id."),
    ("signer_name", "Nama\x00Palsu", "Nama penanda tangan memuat karakter yang tidak dapat dicetak."),
]


@pytest.mark.parametrize("field, value, message", BAD_INPUTS, ids=[f"{f}-{i}" for i, (f, _v, _m) in
                                                                   enumerate(BAD_INPUTS)])
def test_bad_input_is_refused_next_to_its_field_and_nothing_saved(app, admin, kota_id, field, value, message):
    admin.get("/admin/kantor")  # the offices exist with their defaults
    before = stored_settings(app, KOTA)
    response = edit(admin, kota_id, dinsos_values(**{field: value}))
    assert response.status_code == 422
    assert all_field_errors(response) == {field: [message]}
    assert "Contoh nomor:" in html(response)
    assert stored_settings(app, KOTA) == before
    assert audit_count(app) == 0


def test_every_broken_field_is_reported_at_once(app, admin, kota_id):
    response = edit(admin, kota_id, dinsos_values(signer_nip="123", pattern="{tahun}", email="x@",
                                                  classification_usulan="9", tembusan="\n".join("abcdefghijk")))
    assert response.status_code == 422
    assert set(all_field_errors(response)) == {"signer_nip", "pattern", "email", "classification_usulan",
                                               "tembusan"}
    assert 'value="123"' in html(response)  # what the admin typed stays in the form
    assert "Contoh nomor: <span class=\"warn\">pola nomor belum lengkap</span>" in html(response)
    assert stored_settings(app, KOTA) in (None, {})
    assert audit_count(app) == 0


def test_a_number_too_long_for_the_register_is_refused(app, admin, kota_id):
    response = edit(admin, kota_id, dinsos_values(pattern="{klasifikasi}/{nomor}/{unit}/" + "X" * 50, unit="U" * 30))
    assert response.status_code == 422
    assert all_field_errors(response) == {"pattern": [
        "Nomor surat yang dihasilkan terlalu panjang (96 karakter, maksimal 80). "
        "Perpendek pola, kode klasifikasi atau kode unit."]}
    assert stored_settings(app, KOTA) in (None, {})


def test_nip_with_spaces_is_stored_without_them(app, admin, kota_id):
    assert edit(admin, kota_id, dinsos_values(signer_nip=" 19680512 200003 1 002 ")).status_code == 303
    assert stored_settings(app, KOTA)["signer"]["nip"] == NEW_NIP


@pytest.mark.parametrize("username", ["rt.api-api.001", "lurah.api-api", "camat.bontang-utara", "dinsos"])
def test_other_roles_are_refused(app, login, username, kota_id):
    visitor = login(username)
    before = stored_settings(app, KOTA)
    for url in ("/admin/kantor", f"/admin/kantor/{kota_id}", f"/admin/kantor/{area_id(app, API_API)}"):
        response = visitor.get(url)
        assert response.status_code == 403 and "Akses ditolak" in html(response)
    response = visitor.post(f"/admin/kantor/{kota_id}", dinsos_values())
    assert response.status_code == 403
    assert stored_settings(app, KOTA) == before
    assert audit_count(app) == 0


def test_anonymous_is_sent_to_login(app, visitor, kota_id):
    response = visitor.get(f"/admin/kantor/{kota_id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_rt_and_unknown_areas_have_no_office(app, admin):
    rt = area_id(app, f"{API_API}.001")
    assert admin.get(f"/admin/kantor/{rt}").status_code == 404
    assert admin.post(f"/admin/kantor/{rt}", dinsos_values()).status_code == 404
    assert admin.get("/admin/kantor/999999").status_code == 404
    assert stored_settings(app, f"{API_API}.001") is None


def test_a_logo_is_checked_by_content_and_printed_in_the_kop(app, login):
    import io

    from PIL import Image
    from pypdf import PdfReader
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Area, Office, Proposal, User
    from portal.services import letters

    admin = login("admin")
    with app.app_context():
        kota_id = db.session.scalar(select(Area.id).where(Area.code == "64.74"))
    admin.get(f"/admin/kantor/{kota_id}")
    fake = admin.client.post(f"/admin/kantor/{kota_id}/logo", data={"csrf_token": admin.csrf,
                             "logo": (io.BytesIO(b"MZ\x90\x00not an image"), "logo.png")},
                             content_type="multipart/form-data", follow_redirects=True)
    assert "Logo harus berupa gambar PNG atau JPG." in fake.data.decode()
    buffer = io.BytesIO()
    Image.new("RGB", (120, 120), "navy").save(buffer, "PNG")
    buffer.seek(0)
    ok = admin.client.post(f"/admin/kantor/{kota_id}/logo", data={"csrf_token": admin.csrf,
                           "logo": (buffer, "logo.png")}, content_type="multipart/form-data")
    assert ok.status_code == 303
    with app.app_context(), app.test_request_context():
        office = db.session.scalar(select(Office).where(Office.area_id == kota_id))
        assert office.settings["logo"].startswith("data:image/png;base64,")
        dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
        ready = db.session.scalar(select(Proposal.id).where(Proposal.status == "disetujui_dinsos"))
        letter = letters.issue_usulan(dinsos, [ready])
        first_page = PdfReader(io.BytesIO(letter.pdf)).pages[0]
        assert first_page["/Resources"]["/XObject"]  # the logo is drawn as an image on the kop
