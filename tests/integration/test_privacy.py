"""The public privacy notice (/privasi): open without signing in, linked from the login page and the footer,
naming what is collected, why, the legal basis, who sees what, retention, rights and the office's contact."""
import brotli
from sqlalchemy import select

from portal.extensions import db
from portal.models import Area, Office
from portal.services import letters
from tests.conftest import Visitor
from tests.database import write
from tests.pages import visible

URL = "/privasi"


def test_anyone_can_read_it_and_it_covers_every_topic(app):
    response = Visitor(app).get(URL)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = visible(response)
    for heading in ("Data yang dikumpulkan", "Tujuan", "Dasar hukum", "Siapa yang dapat melihat",
                    "Lama penyimpanan", "Hak Anda", "Kontak"):
        assert heading in text
    for phrase in ("NIK", "No. KK", "14 kriteria BPS", "PPKS", "Bukti", "DTKS", "DTSEN",
                   "Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi",
                   "Undang-Undang Nomor 13 Tahun 2011 tentang Penanganan Fakir Miskin",
                   "Peraturan Menteri Sosial tentang Data Terpadu Kesejahteraan Sosial",
                   "rumah tangga di RT-nya sendiri"):
        assert phrase in text, phrase
    assert "Pasal" not in text  # legal sources are cited generally, no invented article numbers


def test_retention_periods_come_from_the_settings(app):
    app.config["RETENTION_ENDED_SESSIONS_DAYS"] = 45
    text = visible(Visitor(app).get(URL))
    assert "sesi masuk yang sudah berakhir: setelah 45 hari" in text
    assert "draf usulan yang tidak pernah diajukan, beserta berkas buktinya: setelah 180 hari" in text


def test_contact_is_the_office_as_the_admin_set_it(app):
    text = visible(Visitor(app).get(URL))
    assert "Dinas Sosial dan Pemberdayaan Masyarakat" in text and "Jl. Moh. Roem No. 1, Bontang 75311" in text

    def _edit():
        city = db.session.scalar(select(Area).where(Area.level == "kota"))
        office = letters.office_for(city)
        office.settings = {**letters.settings_of(office).to_dict(), "address": "Jl. Uji Privasi No. 9, Bontang",
                           "email": "privasi@bontangkota.go.id"}
    write(app, _edit)
    text = visible(Visitor(app).get(URL))
    assert "Jl. Uji Privasi No. 9, Bontang" in text and "privasi@bontangkota.go.id" in text


def test_reading_it_creates_no_office_row(app):
    def offices():
        return db.session.query(Office).count()
    with app.app_context():
        before = offices()
    Visitor(app).get(URL)
    with app.app_context():
        assert offices() == before


def test_linked_from_the_login_page_and_every_page_footer(app, login):
    assert f'href="{URL}"' in Visitor(app).get("/login").get_data(as_text=True)
    page = login("rt.api-api.001").get("/rt/").get_data(as_text=True)
    assert f'<a href="{URL}">Privasi</a>' in page


def test_within_the_page_budget(app):
    body = Visitor(app).get(URL).get_data()
    assert len(brotli.compress(body)) <= 14 * 1024
