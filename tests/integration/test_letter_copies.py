"""Reader's copies of letters (issue 15 item 1): a reader above or beside the issuing office gets a separate
rendering with only its own area's rows in full; the stored, hashed original is never changed and goes as it is
to the issuing office and the offices above it.

The demo's Berita Acara is Kelurahan Bontang Kuala's; every proposal in it comes from its RT 001.
"""
import hashlib

import pytest
from sqlalchemy import select

from portal.domain.disclosure import HIDDEN
from portal.domain.nik import mask
from portal.extensions import db
from portal.models import AuditEvent, Letter, User
from portal.services.letter_copies import NOTICE, NOTICE_NO_NUMBERS
from tests.conftest import Visitor
from tests.integration.letters_support import page_texts, squeeze

RT_IN_MINUTES, RT_BESIDE = "rt.bontang-kuala.001", "rt.bontang-kuala.002"
PURPOSE = {"keperluan": "musyawarah"}


def stored(app, kind: str) -> dict:
    with app.app_context():
        letter = db.session.scalar(select(Letter).where(Letter.kind == kind).order_by(Letter.id))
        return {"id": letter.id, "pdf": bytes(letter.pdf), "sha": letter.pdf_sha256, "number": letter.number,
                "rows": letter.data.get("rows", []), "token": letter.verify_token, "person": letter.data.get("person")}


def download(app, username: str, letter_id: int):
    visitor = Visitor(app)
    assert visitor.login(username).status_code == 200
    response = visitor.get(f"/surat/{letter_id}/unduh", query_string=PURPOSE)
    assert response.status_code == 200 and response.data.startswith(b"%PDF"), (username, response.status_code)
    return response


def last_download(app, username: str) -> dict:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == username))
        return db.session.scalar(select(AuditEvent).where(AuditEvent.action == "letter.download",
                                                          AuditEvent.actor_id == user_id)
                                 .order_by(AuditEvent.id.desc())).detail


@pytest.fixture(scope="module")
def minutes(shared_app):
    found = stored(shared_app, "berita_acara")
    assert found["rows"] and {r["rt"] for r in found["rows"]} == {"001"}, "the demo minutes list RT 001's people"
    return found


def assert_a_readers_copy(response, letter: dict, notice: str = NOTICE) -> str:
    """The answer is not the verified letter, says so on every page, and carries no way to verify it."""
    assert response.data != letter["pdf"]
    assert response.headers["Content-Disposition"].startswith('attachment; filename="salinan-')
    pages = page_texts(response.data)
    assert len(pages) >= 2 and all(notice in page for page in pages), pages[0][:300]
    text = " ".join(pages)
    assert letter["number"] in text
    assert "Pindai" not in text and "/v/" not in text and letter["token"] not in squeeze(text)
    return text


def test_an_rt_beside_the_one_in_the_minutes_gets_a_copy_with_every_person_masked(shared_app, minutes):
    response = download(shared_app, RT_BESIDE, minutes["id"])
    text = assert_a_readers_copy(response, minutes)
    assert "BARU 1 0 0" in text and "DAFTAR HADIR" in text  # the summary and the attendance list stay
    squeezed = squeeze(text)
    for row in minutes["rows"]:
        assert row["nik"] not in squeezed and row["no_kk"] not in squeezed and row["birth_date"] not in text
        assert mask(row["nik"]) in squeezed and squeeze(row["name"]) in squeezed
    names = {squeeze(row["name"]) for row in minutes["rows"]}
    mothers = {squeeze(row["mother_name"]) for row in minutes["rows"]} - names  # a mother may be listed herself
    assert mothers and not [m for m in mothers if m in squeezed]
    assert squeezed.count(squeeze(HIDDEN)) == 2 * len(minutes["rows"])
    assert last_download(shared_app, RT_BESIDE) == {
        "number": minutes["number"], "reason": "Bahan musyawarah kelurahan / rapat", "masked": True}


def test_the_rt_whose_households_are_in_the_minutes_sees_its_own_rows_in_full(shared_app, minutes):
    response = download(shared_app, RT_IN_MINUTES, minutes["id"])
    squeezed = squeeze(assert_a_readers_copy(response, minutes))
    for row in minutes["rows"]:
        assert row["nik"] in squeezed and row["no_kk"] in squeezed and squeeze(row["mother_name"]) in squeezed


@pytest.mark.parametrize("username", ["lurah.bontang-kuala", "camat.bontang-utara", "dinsos"])
def test_the_issuing_office_and_those_above_it_get_the_stored_letter(shared_app, minutes, username):
    response = download(shared_app, username, minutes["id"])
    assert response.data == minutes["pdf"]
    assert hashlib.sha256(response.data).hexdigest() == minutes["sha"]
    assert "masked" not in last_download(shared_app, username)


def test_copies_never_change_the_stored_letter_or_its_verification(shared_app, minutes):
    for username in (RT_BESIDE, RT_IN_MINUTES):
        download(shared_app, username, minutes["id"])
    after = stored(shared_app, "berita_acara")
    assert after["pdf"] == minutes["pdf"] and after["sha"] == minutes["sha"]
    assert hashlib.sha256(after["pdf"]).hexdigest() == after["sha"]
    page = Visitor(shared_app).get(f"/v/{minutes['token']}").get_data(as_text=True)
    assert minutes["sha"] in page


@pytest.mark.parametrize("kind", ["usulan", "keterangan"])
def test_admin_has_no_use_for_full_numbers_and_gets_a_masked_copy(shared_app, kind):
    letter = stored(shared_app, kind)
    response = download(shared_app, "admin", letter["id"])
    squeezed = squeeze(" ".join(page_texts(response.data)))
    people = letter["rows"] or [letter["person"]]
    assert people
    for person in people:
        assert person["nik"] not in squeezed and mask(person["nik"]) in squeezed
    if kind == "usulan":
        assert_a_readers_copy(response, letter, NOTICE_NO_NUMBERS)
    else:  # one page: the notice is there all the same
        assert NOTICE_NO_NUMBERS in " ".join(page_texts(response.data)) and "Pindai" not in squeezed
    assert last_download(shared_app, "admin")["masked"] is True


@pytest.mark.parametrize("username, told", [(RT_BESIDE, True), ("admin", True), ("lurah.bontang-kuala", False)])
def test_the_purpose_page_tells_a_reader_it_gets_a_copy(shared_app, minutes, username, told):
    visitor = Visitor(shared_app)
    assert visitor.login(username).status_code == 200
    page = visitor.get(f"/surat/{minutes['id']}/unduh").get_data(as_text=True)
    assert ("Anda menerima salinan untuk pembaca" in page) is told
