"""The whole approval chain in a real browser (Chromium, 360x640 phone screen), with four logins.

A Ketua RT submits a BARU proposal; the kelurahan returns it with a reason; the RT corrects the address and
submits it again (round 2); the kelurahan approves it through a Musyawarah Kelurahan (open, three
participants, verdict "layak", finalise); the kecamatan approves it; Dinas Sosial records a field
verification note and approves it. The decision history then tells the whole story in order. A second test
shows that the review pages work with plain forms when JavaScript is off; a third pins a display bug of
returned proposals (xfail).
"""
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Proposal
from tests.e2e.test_homes import log_in as log_in_as
from tests.e2e.test_rt_proposal import (KK_EVIDENCE, Member, add_member, assert_fits_phone, csp_errors, expect_step,
                                        go_to_step, log_in as log_in_rt, save_household, start_baru,
                                        submit_from_review, upload, watch_errors)

pytestmark = pytest.mark.e2e

WITA = ZoneInfo("Asia/Makassar")
LURAH, CAMAT, DINSOS = "lurah.api-api", "camat.bontang-utara", "dinsos"
# NIK 6474 01 DD MM YY SSSS matching birth date and sex; serial 098x is clear of the demo data and other tests.
KEPALA = Member("6474012208870981", "Rantai Uji Coba", "Bontang", "1987-08-22", "Laki-laki", "Kepala keluarga",
                "Kawin", "Ibu Rantai Uji")
NO_KK = "6474012208150981"
ADDRESS_1 = "Jl. Rantai Uji"
ADDRESS_2 = "Jl. Rantai Uji Gg. Mawar No. 9 RT 001"
RETURN_REASON = "Alamat belum lengkap: tulis gang dan nomor rumah."
PARTICIPANTS = [("Hasanuddin Ketua RT", "Ketua RT / RW"), ("Siti Aminah LPM", "LPM"),
                ("Rudi Hartono TKSK", "TKSK")]
OFFICER = "Andi Petugas Dinsos"
FINDINGS = "Rumah semi permanen berdinding bambu; data anggota sesuai KK."


@pytest.fixture(scope="module")
def kk_png(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("chain") / "kk-rantai.png"
    Image.new("RGB", (640, 440), (236, 242, 250)).save(path, "PNG")
    return path


def today_wita() -> str:
    return datetime.now(WITA).date().isoformat()


def shoot(page: Page, artifacts: Path, name: str) -> None:
    # caret="initial": hiding the caret would inject a <style> the CSP (rightly) blocks as a console error
    page.screenshot(path=artifacts / f"chain-{name}.png", full_page=True, caret="initial")


def flash(page: Page):
    return page.locator(".flash").first


def queue_link(page: Page, proposal_id: int):
    return page.locator("#results").get_by_role("link", name=re.compile(rf"^#{proposal_id}\b"))


def open_queue(page: Page, role_path: str) -> None:
    page.locator("header nav").get_by_role("link", name="Antrian", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/{role_path}/antrian$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Menunggu keputusan Anda")


def open_review(page: Page, role_path: str, proposal_id: int) -> None:
    page.goto(f"/{role_path}/usulan/{proposal_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(rf"^Usulan \w+ #{proposal_id}$"))


def decide(page: Page, role_path: str, proposal_id: int, button: str, reason: str = "") -> None:
    """On the review page: optional reason, then the decision button; back on the queue with the flash."""
    if reason:
        page.get_by_label(re.compile(r"^Alasan")).fill(reason)
    page.locator("section.decide").get_by_role("button", name=button, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/{role_path}/antrian$"))
    expect(flash(page)).to_contain_text(f"Usulan #{proposal_id}:")


def timeline_items(page: Page):
    card = page.locator("main section.card", has=page.get_by_role("heading", name="Riwayat keputusan"))
    return card.locator("ol.timeline > li")


def rt_submits_new_baru(page: Page, kk_png: Path) -> int:
    log_in_rt(page)
    proposal_id = start_baru(page)
    save_household(page, NO_KK, ADDRESS_1)
    add_member(page, KEPALA)
    page.get_by_role("button", name="Lanjut", exact=True).click()
    expect_step(page, "kondisi")
    page.get_by_label("Jenis dinding terluas").select_option(label="Bambu")
    page.get_by_role("button", name="Simpan & lanjut").click()
    expect_step(page, "ppks")
    go_to_step(page, "Berkas pendukung", "berkas")
    upload(page, KK_EVIDENCE, kk_png)
    page.get_by_role("button", name="Unggah").click()
    expect(flash(page)).to_have_text("Berkas diunggah.")
    page.get_by_role("link", name="Lanjut ke tinjauan").click()
    expect_step(page, "tinjau")
    submit_from_review(page, proposal_id)
    expect(page.locator("main")).to_contain_text("putaran 1")
    return proposal_id


def test_the_whole_chain_with_a_return_and_a_musyawarah(page, phones, artifacts, kk_png):
    errors = watch_errors(page)
    widths: dict[str, int] = {}

    def measure(p: Page, name: str) -> None:
        widths[name] = p.evaluate("document.documentElement.scrollWidth")

    # 1. The Ketua RT submits a new BARU proposal (round 1).
    rt = page
    proposal_id = rt_submits_new_baru(rt, kk_png)

    # 2. The lurah, on another phone, returns it to the RT with a reason.
    lurah = phones()
    log_in_as(lurah, LURAH)
    expect(lurah.get_by_role("heading", level=1)).to_have_text("Beranda Kelurahan")
    open_queue(lurah, "kelurahan")
    expect(queue_link(lurah, proposal_id)).to_have_count(1)
    measure(lurah, "queue")
    shoot(lurah, artifacts, "1-kelurahan-queue")
    queue_link(lurah, proposal_id).click()
    expect(lurah).to_have_url(re.compile(rf"/kelurahan/usulan/{proposal_id}$"))
    expect(lurah.locator("main .status").first).to_have_text("Diajukan")
    expect(lurah.locator("main")).to_contain_text(ADDRESS_1)
    measure(lurah, "review")
    shoot(lurah, artifacts, "2-kelurahan-review")
    decide(lurah, "kelurahan", proposal_id, "Kembalikan ke RT", RETURN_REASON)
    expect(flash(lurah)).to_contain_text("dikembalikan")
    expect(queue_link(lurah, proposal_id)).to_have_count(0)

    # 3. The RT finds it on the home page, corrects the address and submits it again (round 2).
    rt.goto("/rt/")
    returned = rt.locator("main section.card",
                          has=rt.get_by_role("heading", name=re.compile(r"^Usulan dikembalikan untuk diperbaiki")))
    returned.get_by_role("link", name=f"#{proposal_id}", exact=True).click()
    expect(rt).to_have_url(re.compile(rf"/rt/usulan/{proposal_id}$"))
    expect(rt.locator("main")).to_contain_text(RETURN_REASON)
    measure(rt, "rt-returned")
    shoot(rt, artifacts, "3-rt-returned")
    rt.get_by_role("link", name="Lanjutkan mengisi").click()
    expect(rt).to_have_url(re.compile(rf"/rt/usulan/{proposal_id}/langkah/[a-z_]+$"))
    go_to_step(rt, "Rumah tangga", "rumah_tangga")
    expect(rt.get_by_label("Alamat")).to_have_value(ADDRESS_1)
    save_household(rt, NO_KK, ADDRESS_2)
    go_to_step(rt, "Tinjau & ajukan", "tinjau")
    expect(rt.locator("main")).to_contain_text(ADDRESS_2)
    submit_from_review(rt, proposal_id)
    expect(rt.locator("main")).to_contain_text("putaran 2")

    # 4. The lurah decides it in a Musyawarah Kelurahan and finalises the meeting.
    lurah.locator("header nav").get_by_role("link", name="Musyawarah", exact=True).click()
    expect(lurah.get_by_role("heading", level=1)).to_have_text("Musyawarah Kelurahan")
    lurah.get_by_label("Tanggal", exact=True).fill(today_wita())
    lurah.get_by_label("Tempat").fill("Aula Kantor Kelurahan Api-Api")
    lurah.get_by_role("button", name="Buka musyawarah").click()
    expect(lurah).to_have_url(re.compile(r"/kelurahan/muskel/\d+$"))
    expect(flash(lurah)).to_contain_text("Musyawarah dibuka.")
    for name, unsur in PARTICIPANTS:
        lurah.get_by_label("Nama peserta").fill(name)
        lurah.get_by_label("Unsur").select_option(label=unsur)
        lurah.get_by_role("button", name="Tambah peserta").click()
        expect(flash(lurah)).to_contain_text("Peserta dicatat.")
        expect(lurah.locator("main")).to_contain_text(f"{name} · {unsur}")
    verdicts = lurah.locator('main select[name^="putusan_"]')
    expect(lurah.get_by_label(f"Putusan usulan #{proposal_id}")).to_have_count(1)
    others = [s for s in verdicts.all() if s.get_attribute("name") != f"putusan_{proposal_id}"]
    assert others, "the demo data should leave other proposals waiting for the kelurahan"
    lurah.get_by_label(f"Putusan usulan #{proposal_id}").select_option(label="Layak (setujui)")
    for other in others:
        expect(other).to_have_value("")  # "— belum —": not decided in this meeting
    lurah.get_by_role("button", name="Simpan putusan").click()
    expect(flash(lurah)).to_contain_text("Putusan disimpan.")
    expect(lurah.get_by_label(f"Putusan usulan #{proposal_id}")).to_have_value("layak")
    measure(lurah, "muskel")
    shoot(lurah, artifacts, "4-muskel-before-final")
    lurah.get_by_role("button", name="Finalkan musyawarah").click()
    expect(flash(lurah)).to_contain_text("Musyawarah difinalkan")
    expect(lurah.locator("main")).to_contain_text("Final sejak")
    expect(lurah.locator("main")).to_contain_text(f"Usulan #{proposal_id}: Layak (setujui)")
    expect(lurah.get_by_role("button", name="Finalkan musyawarah")).to_have_count(0)
    measure(lurah, "muskel-final")
    shoot(lurah, artifacts, "5-muskel-final")
    open_queue(lurah, "kelurahan")
    expect(lurah.locator("#results")).to_contain_text("usulan menunggu")
    expect(queue_link(lurah, proposal_id)).to_have_count(0)

    # 5. The camat approves it from the review page.
    camat = phones()
    log_in_as(camat, CAMAT)
    expect(camat.get_by_role("heading", level=1)).to_have_text("Beranda Kecamatan")
    open_queue(camat, "kecamatan")
    queue_link(camat, proposal_id).click()
    expect(camat).to_have_url(re.compile(rf"/kecamatan/usulan/{proposal_id}$"))
    expect(camat.locator("main .status").first).to_have_text("Diverifikasi kelurahan")
    decide(camat, "kecamatan", proposal_id, "Setujui")
    expect(flash(camat)).to_contain_text("disetujui")
    expect(queue_link(camat, proposal_id)).to_have_count(0)

    # 6. Dinas Sosial records a field verification note, then approves.
    dinsos = phones()
    log_in_as(dinsos, DINSOS)
    expect(dinsos.get_by_role("heading", level=1)).to_have_text("Beranda Dinas Sosial")
    open_review(dinsos, "dinsos", proposal_id)
    expect(dinsos.locator("main .status").first).to_have_text("Diverifikasi kecamatan")
    dinsos.get_by_label("Tanggal kunjungan").fill(today_wita())
    dinsos.get_by_label("Petugas").fill(OFFICER)
    dinsos.get_by_label("Temuan lapangan").fill(FINDINGS)
    dinsos.get_by_role("button", name="Simpan catatan verifikasi").click()
    expect(flash(dinsos)).to_contain_text("Catatan verifikasi disimpan.")
    notes = dinsos.locator("main section.card", has=dinsos.get_by_role("heading", name="Verifikasi lapangan"))
    expect(notes).to_contain_text(f"{OFFICER} (putaran 2): {FINDINGS}")
    measure(dinsos, "dinsos-review")
    shoot(dinsos, artifacts, "6-dinsos-review")
    decide(dinsos, "dinsos", proposal_id, "Setujui")
    open_review(dinsos, "dinsos", proposal_id)
    expect(dinsos.locator("main .status").first).to_have_text("Disetujui Dinas Sosial")
    expect(dinsos.locator("section.decide")).to_have_count(0)

    # 7. The decision history, as the reviewers and as the RT see it.
    expected = [
        ("Diajukan", "(Ketua RT)", "putaran 1", None),
        ("Dikembalikan untuk diperbaiki", "(Kelurahan)", "putaran 1", RETURN_REASON),
        ("Diajukan", "(Ketua RT)", "putaran 2", None),
        ("Disetujui", "(Kelurahan)", "putaran 2", "Diputuskan dalam musyawarah kelurahan."),
        ("Disetujui", "(Kecamatan)", "putaran 2", None),
        ("Disetujui", "(Dinas Sosial)", "putaran 2", None),
    ]
    for viewer in (dinsos, rt):
        if viewer is rt:
            rt.goto(f"/rt/usulan/{proposal_id}")
            expect(rt.locator("main .status").first).to_have_text("Disetujui Dinas Sosial")
        items = timeline_items(viewer)
        expect(items).to_have_count(len(expected))
        expect(items.locator("strong")).to_have_text([label for label, *_ in expected])
        for item, (label, role, round_, reason) in zip(items.all(), expected, strict=True):
            text = item.inner_text()
            assert role in text and round_ in text, (label, role, round_, text)
            if reason:
                assert f"Alasan: {reason}" in text, text
    shoot(dinsos, artifacts, "7-dinsos-history")

    all_errors = errors + phones.errors
    assert not csp_errors(all_errors), all_errors
    assert not [e for e in all_errors if e.startswith("pageerror")], all_errors
    too_wide = {name: w for name, w in widths.items() if w > 360}
    assert not too_wide, f"pages scroll sideways on a 360px phone: {too_wide}"


def test_lurah_and_camat_approve_with_plain_forms_without_javascript(phones, artifacts):
    lurah = phones(js=False)
    log_in_as(lurah, LURAH)
    expect(lurah.get_by_role("heading", level=1)).to_have_text("Beranda Kelurahan")
    lurah.goto("/kelurahan/antrian")
    first = lurah.locator("#results tbody tr a").first
    proposal_id = int(first.inner_text().lstrip("#").split()[0])
    first.click()
    expect(lurah).to_have_url(re.compile(rf"/kelurahan/usulan/{proposal_id}$"))
    assert_fits_phone(lurah)
    shoot(lurah, artifacts, "nojs-kelurahan-review")
    decide(lurah, "kelurahan", proposal_id, "Setujui")
    expect(flash(lurah)).to_contain_text("disetujui")
    expect(queue_link(lurah, proposal_id)).to_have_count(0)

    camat = phones(js=False)
    log_in_as(camat, CAMAT)
    expect(camat.get_by_role("heading", level=1)).to_have_text("Beranda Kecamatan")
    camat.goto("/kecamatan/antrian")
    expect(queue_link(camat, proposal_id)).to_have_count(1)
    queue_link(camat, proposal_id).click()
    expect(camat.locator("main .status").first).to_have_text("Diverifikasi kelurahan")
    decide(camat, "kecamatan", proposal_id, "Setujui")
    expect(flash(camat)).to_contain_text("disetujui")
    expect(queue_link(camat, proposal_id)).to_have_count(0)
    open_review(camat, "kecamatan", proposal_id)
    expect(camat.locator("main .status").first).to_have_text("Diverifikasi kecamatan")
    expect(timeline_items(camat).locator("strong")).to_contain_text(["Disetujui", "Disetujui"])
    assert not csp_errors(phones.errors), phones.errors


def test_a_returned_proposal_does_not_claim_a_submission_in_its_new_round(phones, live_app):
    app, _ = live_app
    with app.app_context():  # a proposal the demo data returned to its RT
        proposal = db.session.scalars(select(Proposal).where(Proposal.status == "dikembalikan")
                                      .order_by(Proposal.id)).first()
        proposal_id, username = proposal.id, proposal.created_by.username
        db.session.remove()
    rt = phones()
    log_in_rt(rt, username)
    rt.goto(f"/rt/usulan/{proposal_id}")
    expect(rt.locator("main .status").first).to_have_text("Dikembalikan untuk diperbaiki")
    submissions = timeline_items(rt).filter(has=rt.locator("strong", has_text=re.compile(r"^Diajukan$")))
    last_round = re.search(r"putaran (\d+)", submissions.last.inner_text()).group(1)
    submitted = rt.locator("main dl dt", has_text=re.compile(r"^Diajukan$")).locator("xpath=following-sibling::dd[1]")
    expect(submitted).to_contain_text(f"putaran {last_round}", timeout=1_000)  # the page is already loaded
