"""The Surat Usulan to the ministry, end to end over HTTP: issuing, numbering, the PDF read back, immutable
downloads, refusals, revocation, the public verification page, access scoping and hostile input.

The demo seed issues one Surat Usulan (for the first approved proposal); the other approved proposals stay
ready for a letter. Numbers are checked against the database rather than hard-coded, so the tests keep
working if the seed issues more Dinas Sosial letters, but the rule is always the same: the next letter of
the office in the year is the previous one plus one, with no gaps.
"""
import copy
import hashlib
import html
import re
import secrets
import time
from datetime import UTC, date, datetime, time as dtime, timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.domain.errors import DomainError
from portal.domain.letter_numbers import format_nip
from portal.domain.terbilang import count_words, long_date, terbilang
from portal.extensions import db
from portal.models import Letter, Muskel, Office, Proposal, User
from portal.services import letters as letter_service
from portal.services import pdf as pdf_service
from portal.services import review
from tests.conftest import Visitor
from tests.integration.letters_support import (
    ISSUE_URL, NOT_FOUND, NUMBER_RE, audit_events, decoded_streams, dinsos_office, embedded_files, issue,
    kirim_decisions, letter, page_text, page_texts, pdf_text, people, reader, ready_ids, revoke, sequence_last,
    sequences, shown_sha, squeeze, statuses, text_positions, usulan_letters, visible, written_state)
from tests.integration.review_support import errors, flashes

MINISTRY = "Yth. Menteri Sosial Republik Indonesia"
OFFICE_NAME = "DINAS SOSIAL DAN PEMBERDAYAAN MASYARAKAT"
SUBJECT = "Usulan Perubahan Data Terpadu Kesejahteraan Sosial"
NOT_READY = "belum disetujui atau sudah dikirim"
NOT_IN_AREA = "Sebagian usulan tidak ditemukan di wilayah Anda."
PICK_ONE = "Pilih minimal satu usulan"
REVOKE_REASON = "Salah lampiran: BNBA memuat anggota yang sudah pindah."
HOSTILE_LINK = '<link rel="attachment" href="file:///etc/passwd">'
HOSTILE_IMG = '<img src="http://example.invalid/x.png">'
NIK_RE = re.compile(r"(?<!\d)\d{16}(?!\d)")


def today() -> date:
    return clock.today()


def issued_ok(dinsos: Visitor, ids, sifat: str = "Biasa") -> tuple[dict, str]:
    """Issue through HTTP and return the stored letter and the flash shown after the redirect."""
    response = issue(dinsos, ids, sifat)
    assert response.status_code == 303, errors(response) or response.status_code
    assert response.headers["Location"].endswith(ISSUE_URL)
    shown = flashes(dinsos.get(response.headers["Location"]))
    match = next(filter(None, (re.fullmatch(r"Surat (\S+) diterbitkan\.", m) for m in shown)), None)
    assert match, shown
    return letter(dinsos.app, number=match.group(1)), match.group(1)


@pytest.fixture
def dinsos(login):
    return login("dinsos")


@pytest.fixture
def ready(app):
    ids = ready_ids(app)
    assert len(ids) >= 2, "the demo seed should leave at least two approved proposals ready for a letter"
    return ids


@pytest.fixture
def demo_letter(app):
    """The Surat Usulan issued by the demo seed."""
    issued = usulan_letters(app)
    assert issued, "the demo seed should issue a Surat Usulan"
    return issued[0]


# --- issuing -----------------------------------------------------------------------------------------------

def test_the_demo_letter_is_the_first_number_of_the_year(app, demo_letter):
    year = today().year
    assert demo_letter["number"] == f"400.9.2/0001/Dinsos/{year}"
    assert (demo_letter["year"], demo_letter["sequence"], demo_letter["office_area"]) == (year, 1, "64.74")
    assert demo_letter["issued_by"] == "dinsos"
    assert statuses(app, demo_letter["proposals"]) == {pid: "dikirim_kementerian" for pid in demo_letter["proposals"]}


def test_dinsos_issues_a_surat_usulan_for_the_ready_proposals(app, dinsos, ready):
    office, year = dinsos_office(app), today().year
    before = sequences(app, office, year)
    assert before == list(range(1, len(before) + 1)), "the demo numbers themselves must be gapless"
    page = dinsos.get(ISSUE_URL)
    assert page.status_code == 200
    assert sorted(int(i) for i in re.findall(r'name="ids" value="(\d+)"', page_text(page))) == ready

    issued, number = issued_ok(dinsos, ready, "Segera")

    match = NUMBER_RE.fullmatch(number)
    assert match, number
    assert int(match.group(1)) == len(before) + 1 and int(match.group(2)) == year  # 0001 (demo), then 0002
    assert sequences(app, office, year) == list(range(1, len(before) + 2))
    assert sequence_last(app, office, year) == len(before) + 1
    assert (issued["kind"], issued["year"], issued["sequence"], issued["office_area"]) == \
        ("usulan", year, len(before) + 1, "64.74")
    assert issued["issued_by"] == "dinsos" and issued["subject"] == SUBJECT
    assert issued["proposals"] == ready
    # the proposals went to the ministry, each with its own "kirim" decision by Dinas Sosial
    assert statuses(app, ready) == {pid: "dikirim_kementerian" for pid in ready}
    assert kirim_decisions(app, ready) == {
        pid: [("kirim", "dinsos", "dinsos", "disetujui_dinsos", "dikirim_kementerian")] for pid in ready}
    # the stored letter: the data it was rendered from, the PDF and its hash
    data = issued["data"]
    assert data["number"] == number and data["date"] == today().isoformat() and data["sifat"] == "Segera"
    assert data["subject"] == SUBJECT and data["kind"] == "usulan"
    expected = people(app, ready)
    assert [(r["nik"], r["name"]) for r in data["rows"]] == [(p["nik"], p["name"]) for p in expected]
    assert issued["entries"] == data["entries"] == len(expected)
    assert issued["pdf"].startswith(b"%PDF-") and issued["pdf"].rstrip().endswith(b"%%EOF")
    assert hashlib.sha256(issued["pdf"]).hexdigest() == issued["sha"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{24,40}", issued["token"])
    assert data["verify_url"].endswith(f"/v/{issued['token']}")
    events = audit_events(app, "letter.issue", issued["id"])
    assert [(e["actor"], e["detail"]["number"], e["detail"]["entries"]) for e in events] == \
        [("dinsos", number, len(expected))]
    # the list shows it, and nothing is left to send
    listing = dinsos.get(ISSUE_URL)
    assert number in page_text(listing) and f"/v/{issued['token']}" in page_text(listing)
    assert "Belum ada usulan yang disetujui Dinas Sosial." in visible(listing)
    assert ready_ids(app) == []


def test_the_next_letter_takes_the_next_number(app, dinsos, ready):
    """Two letters one after the other: consecutive numbers (0002, 0003), each for its own proposal."""
    office, year = dinsos_office(app), today().year
    start = len(sequences(app, office, year))
    first, _ = issued_ok(dinsos, ready[:1])
    second, _ = issued_ok(dinsos, ready[1:2])
    assert (first["sequence"], second["sequence"]) == (start + 1, start + 2)
    assert first["number"] == f"400.9.2/{start + 1:04d}/Dinsos/{year}"
    assert second["number"] == f"400.9.2/{start + 2:04d}/Dinsos/{year}"
    assert first["token"] != second["token"]
    assert (first["proposals"], second["proposals"]) == (ready[:1], ready[1:2])


# --- the PDF read back ---------------------------------------------------------------------------------------

def assert_reads_as_surat_usulan(issued: dict, proposal_ids: list[int], persons: list[dict]) -> None:
    data, pdf = issued["pdf"], reader(issued["pdf"])
    pages = page_texts(data)
    text = " ".join(pages)
    squeezed = squeeze(text)
    number, n = issued["number"], len(proposal_ids)
    assert f"Nomor : {number}" in text
    assert f"Bontang, {long_date(date.fromisoformat(issued['data']['date']))}" in text
    assert MINISTRY in text
    assert "c.q. Kepala Pusat Data dan Informasi Kesejahteraan Sosial" in text
    assert f"Hal : {SUBJECT}" in text
    assert "Lampiran : 1 (satu) berkas" in text
    assert f"{count_words(n, 'usulan')} ({len(persons)} jiwa)" in text
    for person in persons:
        assert person["nik"] in text, person
        assert squeeze(person["name"]) in squeezed, person
        assert squeeze(person["mother_name"]) in squeezed, person
    assert "Tembusan:" in text and "Gubernur Kalimantan Timur" in text and "Arsip" in text
    assert f"NIP {format_nip(issued['data']['office']['signer']['nip'])}" in text  # 19700101 200003 1 001
    assert f"/v/{issued['token']}" in squeezed  # the short verification link under the QR code
    total = len(pages)
    for i, page in enumerate(pages, 1):
        assert f"Halaman {i} dari {total}" in page, (i, page[-200:])
    assert "DAFTAR NAMA DAN ALAMAT (BNBA) USULAN" in text and "NIK No. KK Nama" in text
    meta = pdf.metadata
    assert number in meta.title and meta.title == f"Surat Usulan {number}"
    assert meta.author == issued["data"]["office"]["name"] == OFFICE_NAME
    assert meta.subject == SUBJECT
    assert number in meta.get("/Keywords", "")
    assert embedded_files(data) == []


def test_the_issued_pdf_reads_back_with_number_date_recipient_counts_and_every_person(app, dinsos, ready):
    persons = people(app, ready)
    issued, _ = issued_ok(dinsos, ready)
    assert_reads_as_surat_usulan(issued, ready, persons)
    text = pdf_text(issued["pdf"])
    assert f"Bontang, {long_date(today())}" in text  # issued today, in Bontang's time zone
    if len(ready) == 2:
        assert "sebanyak 2 (dua) usulan" in text
    assert f"{len(ready)} ({terbilang(len(ready))}) usulan" in text
    assert "Sifat : Biasa" in text


def test_the_demo_letter_pdf_counts_one_proposal_in_words(app, demo_letter):
    persons = people(app, demo_letter["proposals"])
    assert len(demo_letter["proposals"]) == 1
    assert_reads_as_surat_usulan(demo_letter, demo_letter["proposals"], persons)
    assert "sebanyak 1 (satu) usulan" in pdf_text(demo_letter["pdf"])


# --- immutability and downloads ------------------------------------------------------------------------------

def download(visitor: Visitor, letter_id: int, keperluan: str | None = "arsip", **more):
    """GET the PDF as the inline form of a letter list sends it (a purpose, by default the office archive)."""
    query = {} if keperluan is None else {"keperluan": keperluan, **more}
    return visitor.get(f"/surat/{letter_id}/unduh", query_string=query)


def test_downloads_return_the_stored_bytes_every_time_and_are_audited(app, dinsos, ready):
    issued, number = issued_ok(dinsos, ready)
    first, second = download(dinsos, issued["id"]), download(dinsos, issued["id"])
    for response in (first, second):
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        match = re.fullmatch(r'attachment; filename="([^"/\\]+\.pdf)"', disposition)
        assert match, disposition
        assert "/" not in match.group(1) and ".." not in match.group(1)
        assert "no-store" in response.headers["Cache-Control"]
    assert first.data == second.data == issued["pdf"]
    sha = hashlib.sha256(first.data).hexdigest()
    assert sha == issued["sha"]
    verification = Visitor(app).get(f"/v/{issued['token']}")
    assert shown_sha(verification) == sha
    events = audit_events(app, "letter.download", issued["id"])
    assert [(e["actor"], e["detail"]["number"]) for e in events] == [("dinsos", number)] * 2


def test_changing_the_office_settings_later_does_not_change_an_issued_letter(app, dinsos, demo_letter):
    with app.app_context():
        office = db.session.get(Office, demo_letter["office_id"])
        office.settings = {**(office.settings or {}), "name": "DINAS YANG SUDAH BERGANTI NAMA",
                           "unit": "Baru", "signer": {"name": "Pejabat Baru"}}
        db.session.commit()
    response = download(dinsos, demo_letter["id"])
    assert response.data == demo_letter["pdf"]
    assert hashlib.sha256(response.data).hexdigest() == demo_letter["sha"]
    verification = visible(Visitor(app).get(f"/v/{demo_letter['token']}"))
    assert OFFICE_NAME in verification and "BERGANTI NAMA" not in verification
    assert letter(app, demo_letter["id"])["data"] == demo_letter["data"]


# --- refusals: clear message, nothing written ----------------------------------------------------------------

def assert_refused(app, dinsos, ids, message: str, sifat: str = "Biasa"):
    before = written_state(app)
    response = issue(dinsos, ids, sifat)
    assert response.status_code == 422, response.status_code
    shown = errors(response)
    assert any(message in m for m in shown), shown
    assert written_state(app) == before
    return shown


def test_issuing_with_no_proposal_selected_is_refused(app, dinsos, ready):
    assert_refused(app, dinsos, [], PICK_ONE)
    assert_refused(app, dinsos, ["abc", "-1", "", "１２", "3.5"], PICK_ONE)  # nothing that is an id
    assert ready_ids(app) == ready


def test_issuing_again_for_proposals_already_sent_is_refused_and_names_them(app, dinsos, ready):
    issued_ok(dinsos, ready)
    shown = assert_refused(app, dinsos, ready, NOT_READY)
    assert all(f"#{pid}" in " ".join(shown) for pid in ready), shown


def test_one_sent_proposal_among_ready_ones_refuses_the_whole_letter(app, dinsos, ready, demo_letter):
    sent = demo_letter["proposals"][0]
    shown = assert_refused(app, dinsos, [*ready, sent], NOT_READY)
    assert f"#{sent}" in " ".join(shown)
    assert not any(f"#{pid}," in m or f"#{pid}." in m for m in shown for pid in ready), shown
    assert ready_ids(app) == ready


def test_a_proposal_not_yet_approved_by_dinsos_is_refused(app, dinsos, ready):
    with app.app_context():
        waiting = db.session.scalar(select(Proposal.id).where(Proposal.status == "diverifikasi_kecamatan")
                                    .order_by(Proposal.id))
    assert waiting is not None
    assert_refused(app, dinsos, [waiting], NOT_READY)
    assert_refused(app, dinsos, [ready[0], waiting], NOT_READY)


def test_unknown_proposal_ids_are_refused(app, dinsos, ready):
    with app.app_context():
        missing = (db.session.scalar(select(Proposal.id).order_by(Proposal.id.desc())) or 0) + 1000
    assert_refused(app, dinsos, [missing], NOT_IN_AREA)
    assert_refused(app, dinsos, [*ready, missing], NOT_IN_AREA)
    assert ready_ids(app) == ready


def test_an_absurdly_large_proposal_id_is_refused_not_a_server_error(app, dinsos, ready):
    assert_refused(app, dinsos, ["99999999999999999999"], NOT_IN_AREA)


def test_proposals_outside_the_users_area_are_refused_by_the_service(app, ready):
    """Dinas Sosial covers the whole city, so the area rule is checked on the service with a kecamatan user:
    an approved proposal of another kecamatan is "not found in your area", and nothing is written."""
    with app.app_context():
        proposal = db.session.get(Proposal, ready[0])
        own_kecamatan = proposal.area.parent.parent
        outsider = db.session.scalar(select(User).join(User.area).where(
            User.role == "kecamatan", User.area_id != own_kecamatan.id).order_by(User.username))
        outsider_id = outsider.id
    before = written_state(app)
    with app.app_context():
        with pytest.raises(DomainError, match=NOT_IN_AREA):
            letter_service.issue_usulan(db.session.get(User, outsider_id), [ready[0]])
        db.session.rollback()
    assert written_state(app) == before


@pytest.mark.parametrize("username", ["admin", "camat.bontang-utara", "lurah.api-api", "rt.api-api.001"])
def test_other_roles_may_not_open_or_use_the_issuing_screen(app, login, ready, username):
    visitor = login(username)
    assert visitor.get(ISSUE_URL).status_code == 403
    before = written_state(app)
    response = visitor.post(ISSUE_URL, {"ids": [str(i) for i in ready], "sifat": "Biasa"})
    assert response.status_code == 403
    assert visitor.post(f"{ISSUE_URL}/1/cabut", {"reason": REVOKE_REASON}).status_code == 403
    assert written_state(app) == before


def test_signed_out_visitors_are_sent_to_the_login_page(app, ready, demo_letter):
    anonymous = Visitor(app)
    for url in (ISSUE_URL, f"/surat/{demo_letter['id']}/unduh"):
        response = anonymous.get(url)
        assert response.status_code in (302, 303) and "/login" in response.headers["Location"], url
    before = written_state(app)
    anonymous.post(ISSUE_URL, {"ids": [str(i) for i in ready]})
    assert written_state(app) == before


def test_an_unknown_sifat_is_not_printed_on_an_official_letter(app, dinsos, ready):
    """Sifat is one of Biasa / Segera / Sangat Segera / Rahasia; anything else is refused (or replaced)."""
    response = issue(dinsos, ready, "Sangat Rahasia Sekali <b>x</b>")
    if response.status_code == 303:
        issued = usulan_letters(app)[-1]
        assert issued["data"]["sifat"] in ("Biasa", "Segera", "Sangat Segera", "Rahasia")
    else:
        assert response.status_code == 422 and ready_ids(app) == ready


def test_a_rolled_back_issue_does_not_use_up_a_number(app, dinsos, ready, monkeypatch):
    """The issue fails after the number was taken (here: the KIRIM decision is refused); the transaction
    rolls back, so the next letter gets the number the failed one would have had."""
    office, year = dinsos_office(app), today().year
    start = len(sequences(app, office, year))

    def refuse(*args, **kwargs):
        raise DomainError("Usulan ini baru saja berubah. Muat ulang halaman lalu coba lagi.")

    with monkeypatch.context() as patched:
        patched.setattr(review, "decide", refuse)
        before = written_state(app)
        response = issue(dinsos, ready)
        assert response.status_code == 422
        assert "baru saja berubah" in " ".join(errors(response))
        assert written_state(app) == before
    issued, _ = issued_ok(dinsos, ready)
    assert issued["sequence"] == start + 1
    assert sequences(app, office, year) == list(range(1, start + 2))


def test_next_sequence_rolled_back_is_handed_out_again(app):
    year = today().year
    with app.app_context():
        office = db.session.get(Office, dinsos_office(app))
        taken = letter_service.next_sequence(office, year)
        db.session.rollback()
        office = db.session.get(Office, office.id)
        assert letter_service.next_sequence(office, year) == taken
        db.session.rollback()


def test_numbers_start_at_one_in_a_new_year_and_go_on_without_gaps(app):
    with app.app_context():
        office = db.session.get(Office, dinsos_office(app))
        assert [letter_service.next_sequence(office, 2099) for _ in range(3)] == [1, 2, 3]
        db.session.commit()
    assert sequence_last(app, dinsos_office(app), 2099) == 3
    assert sequence_last(app, dinsos_office(app), today().year) == len(sequences(app, dinsos_office(app),
                                                                                    today().year))


# --- revocation ----------------------------------------------------------------------------------------------

def test_revoking_needs_a_reason_of_ten_characters(app, dinsos, demo_letter):
    before = written_state(app)
    response = revoke(dinsos, demo_letter["id"], "  salah   ")
    assert response.status_code == 303
    assert written_state(app) == before
    assert letter(app, demo_letter["id"])["revoked_at"] is None
    assert "SAH." in visible(Visitor(app).get(f"/v/{demo_letter['token']}"))


def test_a_too_short_revocation_reason_is_explained(app, dinsos, demo_letter):
    response = revoke(dinsos, demo_letter["id"], "salah")
    shown = flashes(dinsos.get(response.headers["Location"]))
    assert any("minimal 10 karakter" in m for m in shown), shown


def test_a_revoked_letter_is_marked_dicabut_with_reason_and_date_and_keeps_its_bytes(app, dinsos, demo_letter):
    response = revoke(dinsos, demo_letter["id"], REVOKE_REASON)
    assert response.status_code == 303 and response.headers["Location"].endswith(ISSUE_URL)
    assert f"Surat {demo_letter['number']} dicabut." in flashes(dinsos.get(response.headers["Location"]))
    after = letter(app, demo_letter["id"])
    assert after["revoked_at"] is not None and after["reason"] == REVOKE_REASON
    assert (after["pdf"], after["sha"], after["number"], after["data"]) == \
        (demo_letter["pdf"], demo_letter["sha"], demo_letter["number"], demo_letter["data"])
    page = Visitor(app).get(f"/v/{demo_letter['token']}")
    assert page.status_code == 200
    text = visible(page)
    assert f"DICABUT pada {long_date(today())}: {REVOKE_REASON}" in text
    assert "SAH." not in text
    assert shown_sha(page) == demo_letter["sha"]
    download_ = download(dinsos, demo_letter["id"])
    assert download_.status_code == 200 and download_.data == demo_letter["pdf"]  # still there, unchanged
    assert [e["actor"] for e in audit_events(app, "letter.revoke", demo_letter["id"])] == ["dinsos"]
    listing = visible(dinsos.get(ISSUE_URL))
    assert "Dicabut" in listing and REVOKE_REASON in listing


def test_revoking_twice_is_refused_and_keeps_the_first_reason(app, dinsos, demo_letter):
    assert revoke(dinsos, demo_letter["id"], REVOKE_REASON).status_code == 303
    before = written_state(app)
    response = revoke(dinsos, demo_letter["id"], "Alasan lain yang cukup panjang untuk diterima.")
    assert response.status_code == 303
    assert "Surat ini sudah dicabut." in flashes(dinsos.get(response.headers["Location"]))
    assert written_state(app) == before
    assert letter(app, demo_letter["id"])["reason"] == REVOKE_REASON


def test_revoking_needs_the_csrf_token_and_an_existing_letter(app, dinsos, demo_letter):
    before = written_state(app)
    dinsos.get(ISSUE_URL)
    assert dinsos.post(f"{ISSUE_URL}/{demo_letter['id']}/cabut", {"reason": REVOKE_REASON},
                       csrf=False).status_code == 400
    assert revoke(dinsos, 987654, REVOKE_REASON).status_code == 404
    assert written_state(app) == before


def test_the_verification_page_shows_the_revocation_date_in_bontang_time(app, dinsos, demo_letter):
    """Revoked at 23:30 UTC is the next day in Bontang (WITA, UTC+8): the page shows the WITA date."""
    assert revoke(dinsos, demo_letter["id"], REVOKE_REASON).status_code == 303
    late = datetime.combine(today() - timedelta(days=3), dtime(23, 30), tzinfo=UTC)
    with app.app_context():
        db.session.get(Letter, demo_letter["id"]).revoked_at = late
        db.session.commit()
    text = visible(Visitor(app).get(f"/v/{demo_letter['token']}"))
    assert f"DICABUT pada {long_date(today() - timedelta(days=2))}:" in text, text


# --- the public verification page ----------------------------------------------------------------------------

def test_the_verification_page_needs_no_login_and_shows_the_letter_but_no_personal_data(app, dinsos, ready):
    persons = people(app, ready)
    issued, number = issued_ok(dinsos, ready)
    started = time.perf_counter()
    response = Visitor(app).get(f"/v/{issued['token']}")
    assert time.perf_counter() - started < 2
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert len(response.data) < 5 * 1024, len(response.data)
    text = visible(response)
    assert "SAH." in text and "DICABUT" not in text
    assert f"Nomor {number}" in text
    assert f"Diterbitkan oleh {OFFICE_NAME}" in text
    assert f"Hal {SUBJECT}" in text and "Jenis Surat Usulan" in text
    assert f"Jumlah entri lampiran {len(persons)}" in text
    assert f"Tanggal {long_date(today())}" in text
    assert shown_sha(response) == issued["sha"]
    # The SHA-256 hex may itself hold 16 digits in a row (about 1 letter in 40): look past it.
    body = page_text(response).replace(issued["sha"], "")
    assert not NIK_RE.search(body), NIK_RE.search(body)
    for person in persons:
        for value in (person["nik"], person["no_kk"], person["name"], person["mother_name"], person["address"]):
            assert value not in body, value
    assert "/login" not in body  # no sign-in link or redirect needed


def garbage_tokens(app) -> list[str]:
    valid = [item["token"] for item in usulan_letters(app)]
    unused = secrets.token_urlsafe(18)
    assert unused not in valid
    tampered = valid[0][:-1] + ("A" if valid[0][-1] != "A" else "B")
    other_case = valid[0].swapcase()
    assert other_case != valid[0]
    return ["x", "../../etc", "..%2F..%2Fetc%2Fpasswd", "A" * 200, unused, tampered, other_case,
            valid[0] + "A", valid[0][:-1], "%00", "<script>", "' OR '1'='1"]


def test_garbage_verification_tokens_get_a_quick_404(app, demo_letter):
    anonymous = Visitor(app)
    for token in garbage_tokens(app):
        started = time.perf_counter()
        response = anonymous.get(f"/v/{token}")
        assert time.perf_counter() - started < 1, token
        assert response.status_code == 404, (token, response.status_code)
        assert NOT_FOUND in page_text(response), token
        assert demo_letter["number"] not in page_text(response)


def test_verification_tokens_are_long_random_and_distinct(app, dinsos, ready):
    issued_ok(dinsos, ready[:1])
    issued_ok(dinsos, ready[1:2])
    tokens = [item["token"] for item in usulan_letters(app)]
    assert len(set(tokens)) == len(tokens) >= 3
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{24,40}", token), token


# --- who may download ----------------------------------------------------------------------------------------

def test_dinsos_and_admin_download_the_city_letter(app, login, demo_letter):
    """Dinas Sosial gets the stored letter; the admin, who has no use for full numbers, a masked reader's copy
    (issue 15 item 1, tests/integration/test_letter_copies.py)."""
    for username in ("dinsos", "admin"):
        response = download(login(username), demo_letter["id"])
        assert response.status_code == 200, username
        assert (response.data == demo_letter["pdf"]) is (username == "dinsos"), username
    assert [e["actor"] for e in audit_events(app, "letter.download", demo_letter["id"])] == ["dinsos", "admin"]


def test_offices_below_the_city_get_404_for_the_city_letter(app, login, demo_letter):
    """Even the RT, kelurahan and kecamatan whose own proposal is in the letter: it is Dinas Sosial's."""
    with app.app_context():
        rt_area = db.session.get(Proposal, demo_letter["proposals"][0]).area
        users = [db.session.scalar(select(User.username).where(User.area_id == area.id).order_by(User.username))
                 for area in (rt_area, rt_area.parent, rt_area.parent.parent)]
    users += ["rt.api-api.002", "lurah.api-api", "camat.bontang-selatan"]
    before = audit_events(app, "letter.download")
    for username in users:
        response = download(login(username), demo_letter["id"])
        assert response.status_code == 404, username
        assert NOT_FOUND in page_text(response) and b"%PDF" not in response.data
    assert audit_events(app, "letter.download") == before


def test_unknown_letters_are_404(app, dinsos):
    assert download(dinsos, 987654).status_code == 404


def test_an_absurdly_large_letter_id_is_404(app, dinsos):
    assert download(dinsos, 99999999999999999999).status_code == 404


# --- the purpose of a download (issue 10) --------------------------------------------------------------------

PURPOSE_MISSING = "Pilih keperluan pengambilan data."
NOTE_MISSING = "Untuk keperluan lainnya, tuliskan keterangan minimal 10 karakter."
INLINE_FORM = re.compile(r'<form method="get" action="/surat/(\d+)/unduh" hx-boost="false" class="download">\s*'
                         r'<select name="keperluan" required aria-label="Keperluan unduh surat ([^"]+)">'
                         r'(.*?)</select>\s*<button type="submit" class="secondary">(Unduh[^<]*)</button></form>', re.S)


def test_without_a_purpose_the_download_asks_for_it(app, dinsos, demo_letter):
    response = download(dinsos, demo_letter["id"], keperluan=None)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers and b"%PDF" not in response.data
    body = page_text(response)
    assert f'<form method="get" action="/surat/{demo_letter["id"]}/unduh" hx-boost="false">' in body
    assert '<select id="keperluan" name="keperluan" required>' in body and 'name="keterangan"' in body
    assert '<option value="lainnya">Lainnya (tuliskan)</option>' in body
    assert f"Nomor {demo_letter['number']}" in visible(response) and "Unduh PDF" in body
    assert not audit_events(app, "letter.download")


@pytest.mark.parametrize("keperluan, keterangan, reason", [
    ("siks_ng", "", "Pengiriman ke Kementerian Sosial (SIKS-NG)"),
    ("musyawarah", "  rapat   pleno ", "Bahan musyawarah kelurahan / rapat: rapat pleno"),
    ("lainnya", "Permintaan Inspektorat Kota", "Lainnya: Permintaan Inspektorat Kota"),
])
def test_a_download_with_a_purpose_answers_the_pdf_and_records_the_reason(app, dinsos, demo_letter, keperluan,
                                                                          keterangan, reason):
    response = download(dinsos, demo_letter["id"], keperluan, keterangan=keterangan)
    assert response.status_code == 200 and response.data == demo_letter["pdf"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith("attachment; ")
    (event,) = audit_events(app, "letter.download", demo_letter["id"])
    assert event["actor"] == "dinsos"
    assert event["detail"] == {"number": demo_letter["number"], "reason": reason}


@pytest.mark.parametrize("query, message", [
    ({"keperluan": ""}, PURPOSE_MISSING),
    ({"keperluan": "   "}, PURPOSE_MISSING),
    ({"keperluan": "iseng"}, "Keperluan tidak dikenal. Pilih salah satu keperluan yang tersedia."),
    ({"keperluan": "lainnya"}, NOTE_MISSING),  # what the inline form of a list sends for "Lainnya"
    ({"keperluan": "lainnya", "keterangan": "  perlu    "}, NOTE_MISSING),
    ({"keperluan": "arsip", "keterangan": "z" * 201}, "Keterangan paling banyak 200 karakter."),
])
def test_an_invalid_purpose_gets_the_page_again_with_its_message_and_no_pdf(app, dinsos, demo_letter, query,
                                                                           message):
    keperluan = query.pop("keperluan")
    response = download(dinsos, demo_letter["id"], keperluan, **query)
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert b"%PDF" not in response.data and "Content-Disposition" not in response.headers
    assert message in errors(response)
    assert demo_letter["number"] in visible(response)
    assert not audit_events(app, "letter.download")


def test_a_hostile_note_is_stored_cleaned_and_shown_escaped_in_the_audit_log(app, dinsos, demo_letter):
    note = '<script>alert(1)</script>\x1b =HYPERLINK("http://x")\u200b'
    response = download(dinsos, demo_letter["id"], "lainnya", keterangan=note)
    assert response.data == demo_letter["pdf"]
    (event,) = audit_events(app, "letter.download", demo_letter["id"])
    assert event["detail"]["reason"] == 'Lainnya: <script>alert(1)</script> =HYPERLINK("http://x")'
    log = dinsos.get("/dinsos/audit?aksi=letter.download")
    body = page_text(log)
    assert log.status_code == 200 and "<script>alert(1)</script>" not in body
    assert "Surat diunduh" in body and f"nomor surat: {demo_letter['number']}" in body
    assert "alasan: Lainnya: &lt;script&gt;alert(1)&lt;/script&gt; =HYPERLINK(&#34;http://x&#34;)" in body
    refused = download(dinsos, demo_letter["id"], "<script>alert(2)</script>")
    assert refused.status_code == 422 and "<script>alert(2)" not in page_text(refused)


@pytest.mark.parametrize("keperluan", ["siks_ng", None, "", "lainnya"])
def test_another_offices_letter_is_404_whatever_the_purpose(app, login, demo_letter, keperluan):
    with app.app_context():
        minutes_id = db.session.scalar(select(Letter.id).where(Letter.kind == "berita_acara"))
    for username, letter_id in (("lurah.api-api", demo_letter["id"]), ("camat.bontang-selatan", demo_letter["id"]),
                                ("rt.kanaan.001", minutes_id), ("lurah.kanaan", minutes_id)):
        response = download(login(username), letter_id, keperluan, keterangan="Permintaan Inspektorat Kota")
        assert response.status_code == 404, (username, keperluan)
        assert NOT_FOUND in page_text(response) and b"%PDF" not in response.data
    assert not audit_events(app, "letter.download")


@pytest.mark.parametrize("username, url", [("dinsos", "/dinsos/surat"), ("lurah.bontang-kuala", "/kelurahan/surat"),
                                           ("camat.bontang-utara", "/kecamatan/surat")])
def test_letter_lists_download_in_one_step_with_an_inline_purpose(app, login, username, url):
    visitor = login(username)
    forms = INLINE_FORM.findall(page_text(visitor.get(url)))
    assert forms, url
    letter_id, number, options, button = forms[0]
    assert button == "Unduh" and html.unescape(number) == letter(app, int(letter_id))["number"]
    codes = re.findall(r'<option value="([^"]*)">', options)
    assert codes == ["", "siks_ng", "verifikasi", "musyawarah", "laporan", "arsip", "lainnya"]
    response = visitor.get(f"/surat/{letter_id}/unduh", query_string={"keperluan": "laporan"})  # what it submits
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert [e["detail"]["reason"] for e in audit_events(app, "letter.download", int(letter_id))] == [
        "Pelaporan dan monitoring"]


def test_the_berita_acara_downloads_from_its_musyawarah_with_an_inline_purpose(app, login):
    with app.app_context():
        minutes = db.session.scalar(select(Letter).where(Letter.kind == "berita_acara"))
        minutes_id, muskel_id, number = minutes.id, minutes.muskel_id, minutes.number
        lurah = db.session.scalar(select(User.username).where(User.area_id == minutes.office.area_id,
                                                              User.role == "kelurahan"))
    forms = INLINE_FORM.findall(page_text(login(lurah).get(f"/kelurahan/muskel/{muskel_id}")))
    assert [(int(f[0]), html.unescape(f[1]), f[3]) for f in forms] == [(minutes_id, number, "Unduh")]


# --- hostile input -------------------------------------------------------------------------------------------

def test_markup_in_a_name_prints_as_text_fetches_nothing_and_embeds_nothing(app, dinsos, ready, monkeypatch):
    target = ready[0]
    with app.app_context():
        proposal = db.session.get(Proposal, target)
        snapshot = copy.deepcopy(proposal.snapshot)
        members = [m for m in snapshot["members"] if not m.get("leaving")]
        assert len(members) >= 2
        members[0]["name"] = HOSTILE_LINK
        members[1]["name"] = HOSTILE_IMG
        members[1]["mother_name"] = '<object data="file:///etc/passwd"></object>'
        snapshot["household"]["address"] = '<iframe src="file:///etc/passwd"></iframe> Jl. Uji'
        proposal.snapshot = snapshot
        db.session.commit()
    asked: list[str] = []
    real_serve = pdf_service._serve

    def spy(url):
        asked.append(url)
        return real_serve(url)

    monkeypatch.setattr(pdf_service, "_serve", spy)

    issued, _ = issued_ok(dinsos, ready)

    data = issued["pdf"]
    squeezed = squeeze(pdf_text(data))
    for literal in (HOSTILE_LINK, HOSTILE_IMG, '<object data="file:///etc/passwd"></object>',
                    '<iframe src="file:///etc/passwd"></iframe>'):
        assert squeeze(literal) in squeezed, literal
    assert embedded_files(data) == []
    assert b"root:x:0:0" not in data
    assert not [s for s in decoded_streams(data) if b"root:x:0:0" in s or b"/bin/bash" in s]
    assert "root:x:0:0" not in squeezed
    refused = [u for u in asked if not u.startswith(pdf_service.STATIC_URL) and not u.startswith("data:")]
    assert not refused, f"the renderer tried to fetch {refused}"
    assert not [u for u in asked if "passwd" in u or "example.invalid" in u], asked
    assert [r["name"] for r in issued["data"]["rows"]][:2] == [HOSTILE_LINK, HOSTILE_IMG]
    # and the public page still shows none of it
    body = page_text(Visitor(app).get(f"/v/{issued['token']}"))
    assert "passwd" not in body and "example.invalid" not in body


LONG_NAME = ("Sitinurhalizahputriramadhaniwulandarikusumawardhani" * 2)[:99]  # 99 letters, no break
MARGIN_PT = 15 / 25.4 * 72  # the narrowest page margin of letter.css (landscape BNBA pages), in points


def give_head_a_long_name(proposal: Proposal) -> None:
    """Rewrite the proposal's frozen snapshot so that its household head is called LONG_NAME."""
    snapshot = copy.deepcopy(proposal.snapshot)
    head = next(m for m in snapshot["members"] if m["relation"] == "kepala" and not m.get("leaving"))
    head["name"] = LONG_NAME
    proposal.snapshot = snapshot


def assert_text_stays_on_the_page(data: bytes) -> None:
    """Every piece of text starts inside the page's margins, the long name is printed whole and wrapped."""
    drawn = text_positions(data)
    outside = [(page + 1, round(x), text[:30]) for page, width, x, text in drawn
               if not MARGIN_PT - 1 <= x <= width - MARGIN_PT]
    assert outside == [], f"text drawn outside the page margins (page, x, text): {outside[:8]}"
    assert LONG_NAME in squeeze(pdf_text(data))
    longest = max(len(run) for _, _, _, text in drawn for run in re.findall(r"[a-z]{20,}", text) or [""])
    assert longest < 60, "the long name should wrap inside its column"


def test_a_99_letter_name_wraps_inside_its_column_of_the_surat_usulan(app, dinsos, ready):
    with app.app_context():
        give_head_a_long_name(db.session.get(Proposal, ready[0]))
        db.session.commit()
    issued, _ = issued_ok(dinsos, ready)
    assert LONG_NAME in [row["name"] for row in issued["data"]["rows"]]
    assert_text_stays_on_the_page(issued["pdf"])


def test_a_99_letter_name_wraps_inside_its_column_of_the_berita_acara(app):
    """The demo's Berita Acara is revoked and issued again, now from a snapshot whose head has the long name."""
    with app.app_context():
        old = db.session.scalar(select(Letter).where(Letter.kind == "berita_acara", Letter.revoked_at.is_(None)))
        meeting = db.session.get(Muskel, old.muskel_id)
        lurah = db.session.scalar(select(User).where(User.area_id == old.office.area_id, User.role == "kelurahan"))
        layak = next(item.proposal_id for item in meeting.items if item.verdict == "layak")
        give_head_a_long_name(db.session.get(Proposal, layak))
        letter_service.revoke(lurah, old, "Diterbitkan ulang untuk uji nama panjang.")
        minutes = letter_service.issue_berita_acara(lurah, meeting)
        db.session.commit()
        data, rows = bytes(minutes.pdf), minutes.data["rows"]
    assert LONG_NAME in [row["name"] for row in rows]
    assert_text_stays_on_the_page(data)


def test_an_rt_sees_the_berita_acara_of_its_kelurahan_but_no_other_letter(app, login):
    with app.app_context():
        minutes = db.session.scalar(select(Letter).where(Letter.kind == "berita_acara"))
        kelurahan = minutes.office.area
        others = db.session.scalars(select(Letter.id).where(Letter.id != minutes.id)).all()
        minutes_id, number = minutes.id, minutes.number
        rt_user = db.session.scalar(select(User).join(User.area).where(
            User.role == "rt", User.area.has(parent_id=kelurahan.id)))
        username = rt_user.username
    rt = login(username)
    assert number in rt.get("/rt/surat").data.decode()
    assert download(rt, minutes_id).data.startswith(b"%PDF")
    for letter_id in others:
        assert download(rt, letter_id).status_code == 404
    assert download(login("rt.kanaan.001"), minutes_id).status_code == 404


def test_a_correction_is_a_new_letter_that_replaces_the_old_one(app, login):
    with app.app_context():
        old = db.session.scalar(select(Letter).where(Letter.kind == "usulan"))
        old_id, old_pdf, old_token = old.id, old.pdf, old.verify_token
    dinsos = login("dinsos")
    dinsos.get("/dinsos/surat")
    response = dinsos.post(f"/dinsos/surat/{old_id}/cabut", {"reason": "Nama penanda tangan keliru", "ganti": "1"})
    assert response.status_code == 303
    with app.app_context():
        old = db.session.get(Letter, old_id)
        new = old.replaced_by
        assert old.revoked_at is not None and old.pdf == old_pdf  # kept, never overwritten
        assert new is not None and new.number != old.number and new.valid
        assert new.data["rows"] == old.data["rows"] and [p.id for p in new.proposals] == [p.id for p in old.proposals]
        new_number = new.number
    page = Visitor(app).get(f"/v/{old_token}").data.decode()
    assert "DICABUT" in page and new_number in page
