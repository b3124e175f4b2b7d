"""Dinas Sosial issues a Surat Usulan in a real browser (Chromium, 360x640 phone screen), downloads the PDF
(stating its purpose, which the audit log keeps) and checks it through the letter's public verification link,
as someone holding the paper would."""
import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, Letter, Office, Proposal, User
from tests.e2e.test_homes import log_in
from tests.e2e.test_rt_proposal import csp_errors, watch_errors

pytestmark = pytest.mark.e2e

NUMBER = r"400\.9\.2/(\d{4})/Dinsos/(\d{4})"


def ready_and_last(app) -> tuple[list[int], int]:
    """The approved proposals waiting for a letter, and the last number Dinas Sosial gave this year (to any
    kind of letter: the numbering is per office)."""
    with app.app_context():
        ready = list(db.session.scalars(select(Proposal.id).where(Proposal.status == "disetujui_dinsos")
                                        .order_by(Proposal.id)))
        dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
        office = db.session.scalar(select(Office.id).where(Office.area_id == dinsos.area_id))
        last = db.session.scalar(select(func.max(Letter.sequence)).where(Letter.office_id == office,
                                                                         Letter.year == clock.today().year)) or 0
        db.session.remove()
    return ready, last


def stored(app, number: str) -> dict:
    with app.app_context():
        letter = db.session.scalar(select(Letter).where(Letter.number == number))
        result = {"sha": letter.pdf_sha256, "token": letter.verify_token, "pdf": bytes(letter.pdf),
                  "proposals": [p.id for p in letter.proposals], "entries": letter.entries}
        db.session.remove()
    return result


def download_reasons(app, number: str) -> list[str]:
    with app.app_context():
        letter_id = db.session.scalar(select(Letter.id).where(Letter.number == number))
        reasons = [e.detail.get("reason") for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "letter.download", AuditEvent.target_id == letter_id)
            .order_by(AuditEvent.id))]
        db.session.remove()
    return reasons


def shoot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=artifacts / f"letters-{name}.png", full_page=True, caret="initial")


def test_dinsos_issues_downloads_and_verifies_a_surat_usulan(page, live_app, artifacts, tmp_path):
    app, _ = live_app
    errors = watch_errors(page)
    ready, last = ready_and_last(app)
    assert len(ready) >= 2, "the demo seed should leave approved proposals ready for a letter"

    log_in(page, "dinsos")
    expect(page.get_by_role("heading", level=1)).to_have_text("Beranda Dinas Sosial")
    page.locator("header nav").get_by_role("link", name="Surat", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dinsos/surat$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Surat")
    expect(page.get_by_role("heading", name="Surat Usulan ke Kementerian Sosial")).to_be_visible()
    boxes = page.locator('main input[type="checkbox"][name="ids"]')
    expect(boxes).to_have_count(len(ready))
    for pid in ready:
        expect(page.get_by_label(f"Pilih usulan #{pid}", exact=True)).to_be_checked()
    shoot(page, artifacts, "1-ready")

    page.get_by_role("button", name="Terbitkan Surat Usulan").click()
    flash = page.locator(".flash").first
    expect(flash).to_have_text(re.compile(rf"^Surat {NUMBER} diterbitkan\.$"))
    number = re.search(NUMBER, flash.inner_text()).group(0)
    assert number == f"400.9.2/{last + 1:04d}/Dinsos/{clock.today().year}"
    expect(page.locator("main")).to_contain_text("Belum ada usulan yang disetujui Dinas Sosial.")
    row = page.locator("main tr", has=page.get_by_text(number, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Sah")
    shoot(page, artifacts, "2-issued")
    letter = stored(app, number)
    assert letter["proposals"] == ready
    expect(row).to_contain_text(f"{letter['entries']} entri")

    # One step: the purpose is chosen in the row itself, and the button answers the PDF.
    row.get_by_label(f"Keperluan unduh surat {number}").select_option("siks_ng")
    with page.expect_download() as info:
        row.get_by_role("button", name="Unduh", exact=True).click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".pdf") and "/" not in download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF-")
    sha = hashlib.sha256(data).hexdigest()
    assert data == letter["pdf"] and sha == letter["sha"]
    assert download_reasons(app, number) == ["Pengiriman ke Kementerian Sosial (SIKS-NG)"]

    # "Lainnya" needs a note: the row's button leads to the page that asks for it, then the PDF.
    row.get_by_label(f"Keperluan unduh surat {number}").select_option("lainnya")
    row.get_by_role("button", name="Unduh", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unduh surat")
    expect(page.locator("main")).to_contain_text("tuliskan keterangan minimal 10 karakter")
    expect(page.get_by_label("Keperluan")).to_have_value("lainnya")
    page.get_by_label("Keterangan").fill("Permintaan Inspektorat Kota")
    shoot(page, artifacts, "2b-purpose")
    with page.expect_download() as info:
        page.get_by_role("button", name="Unduh PDF").click()
    assert info.value.failure() is None
    assert download_reasons(app, number)[1:] == ["Lainnya: Permintaan Inspektorat Kota"]
    page.go_back()
    expect(page).to_have_url(re.compile(r"/dinsos/surat$"))

    row.get_by_role("link", name="verifikasi", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/v/{re.escape(letter['token'])}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifikasi surat")
    expect(page.locator("main .flash")).to_contain_text("SAH.")
    expect(page.locator("main")).to_contain_text(number)
    expect(page.locator("main code.hash")).to_have_text(sha)
    shoot(page, artifacts, "3-verified")

    # the verification page is public: a stranger's phone (no cookies) sees the same
    stranger = page.context.browser.new_context(viewport={"width": 360, "height": 640})
    try:
        other = stranger.new_page()
        other_errors = watch_errors(other)
        other.goto(page.url)
        expect(other.locator("main .flash")).to_contain_text("SAH.")
        expect(other.locator("main code.hash")).to_have_text(sha)
    finally:
        stranger.close()

    all_errors = errors + other_errors
    assert not csp_errors(all_errors), all_errors
    assert not [e for e in all_errors if e.startswith("pageerror")], all_errors


def test_the_verification_page_fits_a_phone_for_every_demo_letter(browser, live_app):
    """Whoever scans the QR code does it with a phone: the page must not scroll sideways at 360px."""
    app, base_url = live_app
    with app.app_context():
        letters = [(item.kind, item.verify_token) for item in db.session.scalars(select(Letter).order_by(Letter.id))]
        db.session.remove()
    assert letters
    context = browser.new_context(viewport={"width": 360, "height": 640}, base_url=base_url)
    try:
        page = context.new_page()
        too_wide = {}
        for kind, token in letters:
            page.goto(f"/v/{token}")
            expect(page.get_by_role("heading", level=1)).to_have_text("Verifikasi surat")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                too_wide[kind] = width
        assert not too_wide, f"verification pages scroll sideways on a 360px phone: {too_wide}"
    finally:
        context.close()
