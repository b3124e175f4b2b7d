"""The Ketua RT proposal wizard in a real browser (Chromium, 360x640 phone screen).

An RT creates a BARU proposal step by step (household, members, conditions, evidence, review), loses the
connection while typing a step, resumes the saved draft later and submits it; the same with JavaScript off;
and a second device continues a draft started on the first one. What the Flask test client cannot show:
that the steps really are saved on the server as they are sent, that a dead connection does not break the
page, that the photo shrinker runs under the Content-Security-Policy, and that it all fits a phone.
"""
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import Proposal
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import PHONE, TIMEOUT_MS

pytestmark = pytest.mark.e2e

RT_USER = "rt.api-api.001"
CSP_ERROR = re.compile(r"content[ -]security[ -]policy", re.IGNORECASE)
STEP_URL = re.compile(r"/rt/usulan/(\d+)/langkah/([a-z_]+)$")
KK_EVIDENCE = "Kartu Keluarga (KK) terbaru"
PHOTO_EVIDENCE = "Foto rumah (tampak depan dan dalam)"
STALE = "Draf ini sudah diubah di perangkat atau tab lain"


@dataclass(frozen=True)
class Member:
    """One person as typed into the member form. NIKs: 6474 01 DD(+40 for women) MM YY SSSS, matching the
    birth date and sex (no warning). Serials 09xx stay clear of the demo data (7000-9999)."""
    nik: str
    name: str
    birth_place: str
    birth_date: str  # ISO, as <input type=date> takes it
    sex: str  # label
    relation: str  # label
    marital: str  # label
    mother: str


KEPALA = Member("6474011203850991", "Baskara Uji Coba", "Bontang", "1985-03-12", "Laki-laki", "Kepala keluarga",
                "Kawin", "Sitti Uji Ibu")
PASANGAN = Member("6474014507880992", "Citra Uji Coba", "Samarinda", "1988-07-05", "Perempuan", "Istri / suami",
                  "Kawin", "Nurhayati Uji Ibu")
ANAK = Member("6474012002150993", "Dimas Uji Coba", "Bontang", "2015-02-20", "Laki-laki", "Anak",
              "Belum kawin", "Citra Uji Coba")
ANAK_OFFLINE = Member("6474014909180994", "Eka Uji Coba", "Bontang", "2018-09-09", "Perempuan", "Anak",
                      "Belum kawin", "Citra Uji Coba")
NOJS_KEPALA = Member("6474010101800995", "Fajar Tanpa Skrip", "Bontang", "1980-01-01", "Laki-laki",
                     "Kepala keluarga", "Cerai hidup", "Gina Ibu Fajar")
CONTRAST_KEPALA = Member("6474010505750997", "Joko Kontras Uji", "Bontang", "1975-05-05", "Laki-laki",
                         "Kepala keluarga", "Kawin", "Kartini Ibu Joko")
DEVICE_KEPALA = Member("6474015506900996", "Hana Dua Perangkat", "Tenggarong", "1990-06-15", "Perempuan",
                       "Kepala keluarga", "Cerai mati", "Intan Ibu Hana")


# --- fixtures ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def uploads_in_test_folder(live_app, template_db):
    """The e2e live server is built without UPLOAD_DIR, which would put our uploads in instance/uploads.
    Evidence paths are read from the config per request, so point it at the test run's upload folder."""
    app, _ = live_app
    app.config["UPLOAD_DIR"] = str(template_db.uploads)


@pytest.fixture
def second_context(browser, live_server):
    """Another device: a brand-new phone-sized context (own cookies and storage), JavaScript on."""
    context = browser.new_context(viewport=PHONE, base_url=live_server, locale="id-ID")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture(scope="module")
def kk_png(tmp_path_factory) -> Path:
    """A small scan-like PNG of a Kartu Keluarga (well under 1 MB: the browser leaves it alone)."""
    path = tmp_path_factory.mktemp("files") / "kk-baru.png"
    Image.new("RGB", (800, 560), (236, 242, 250)).save(path, "PNG")
    return path


@pytest.fixture(scope="module")
def big_photo(tmp_path_factory) -> Path:
    """A 3000x2000 phone-camera-like JPEG over 1 MB (but under the 5 MB cap, so the server would take it)."""
    width, height = 3000, 2000
    noise = Image.effect_noise((width, height), 40).convert("L")
    gradient = Image.linear_gradient("L").resize((width, height))
    buffer = io.BytesIO()
    Image.merge("RGB", (noise, gradient, Image.eval(noise, lambda v: 255 - v))).save(buffer, "JPEG", quality=85)
    assert 1024 * 1024 < len(buffer.getvalue()) < 5 * 1024 * 1024
    path = tmp_path_factory.mktemp("files") / "rumah-depan.jpg"
    path.write_bytes(buffer.getvalue())
    return path


# --- helpers -----------------------------------------------------------------------------------------

def log_in(page: Page, username: str = RT_USER) -> None:
    page.goto("/login")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beranda Ketua RT")


def watch_errors(page: Page) -> list[str]:
    """Console errors and uncaught page errors from now on."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


def csp_errors(errors: list[str]) -> list[str]:
    """The Content-Security-Policy violations among the console errors."""
    return [e for e in errors if CSP_ERROR.search(e)]


# WCAG contrast ratio of an element's text against the first non-transparent background behind it.
CONTRAST_JS = """e => {
  const rgba = s => s.match(/[\\d.]+/g).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = e;
  while (bg && rgba(getComputedStyle(bg).backgroundColor)[3] === 0) bg = bg.parentElement;
  const fg = lum(rgba(getComputedStyle(e).color));
  const back = lum(rgba(bg ? getComputedStyle(bg).backgroundColor : "rgb(255, 255, 255)"));
  return (Math.max(fg, back) + 0.05) / (Math.min(fg, back) + 0.05);
}"""


def contrast(locator) -> float:
    return locator.evaluate(CONTRAST_JS)


def scroll_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def assert_fits_phone(page: Page) -> None:
    width = scroll_width(page)
    assert width <= PHONE["width"], f"{page.url} scrolls sideways on a 360px phone (scrollWidth {width})"


def shoot(page: Page, artifacts: Path, name: str) -> None:
    # caret="initial": hiding the caret makes Playwright inject a <style>, which the CSP (rightly) blocks
    # and reports as a console error that would look like an app problem.
    page.screenshot(path=artifacts / f"rt-proposal-{name}.png", full_page=True, caret="initial")


def expect_step(page: Page, step: str) -> int:
    """Waits for the wizard step `step` and returns the proposal id from the URL."""
    expect(page).to_have_url(re.compile(rf"/rt/usulan/\d+/langkah/{step}$"))
    return int(STEP_URL.search(page.url).group(1))


def go_to_step(page: Page, label: str, step: str) -> None:
    page.locator("ol.steps").get_by_role("link", name=label, exact=True).click()
    expect_step(page, step)


def start_baru(page: Page) -> int:
    """From the RT home: "Usulkan rumah tangga baru", "Mulai usulan BARU"; returns the new proposal id."""
    page.locator("main").get_by_role("link", name="Usulkan rumah tangga baru").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Usulan BARU")
    page.get_by_role("button", name="Mulai usulan BARU").click()
    proposal_id = expect_step(page, "rumah_tangga")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Usulan BARU #{proposal_id}")
    expect(page.locator(".flash").first).to_contain_text("Draf usulan BARU dibuat.")
    return proposal_id


def save_household(page: Page, no_kk: str, address: str) -> None:
    page.get_by_label("No. KK").fill(no_kk)
    page.get_by_label("Alamat").fill(address)
    page.get_by_role("button", name="Simpan & lanjut").click()
    expect_step(page, "anggota")
    expect(page.locator(".flash").first).to_have_text("Draf tersimpan.")


def fill_member(page: Page, m: Member) -> None:
    expect(page.get_by_role("heading", level=3)).to_have_text("Tambah anggota")
    page.get_by_label("NIK", exact=True).fill(m.nik)
    page.get_by_label("Nama lengkap").fill(m.name)
    page.get_by_label("Tempat lahir").fill(m.birth_place)
    page.get_by_label("Tanggal lahir").fill(m.birth_date)
    page.get_by_label("Jenis kelamin").select_option(label=m.sex)
    page.get_by_label("Hubungan dalam keluarga").select_option(label=m.relation)
    page.get_by_label("Status kawin").select_option(label=m.marital)
    page.get_by_label("Nama ibu kandung").fill(m.mother)


def add_member(page: Page, m: Member) -> None:
    page.get_by_role("link", name="Tambah anggota").click()
    fill_member(page, m)
    page.get_by_role("button", name="Simpan anggota").click()
    expect_step(page, "anggota")
    expect(page.locator(".flash").first).to_have_text("Anggota disimpan. Draf tersimpan.")
    expect(member_rows(page).filter(has_text=m.name)).to_have_count(1)


def member_rows(page: Page):
    return page.locator("main table tbody tr")


def expect_members(page: Page, members: list[Member]) -> None:
    rows = member_rows(page)
    expect(rows).to_have_count(len(members))
    for row, m in zip(rows.all(), members, strict=True):
        expect(row).to_contain_text(m.name)
        expect(row).to_contain_text(f"{m.nik[:6]}******{m.nik[12:]}")  # the list masks the NIK
        expect(row).to_contain_text(m.relation)


def upload(page: Page, kind_label: str, path: Path) -> None:
    page.get_by_label("Jenis berkas").select_option(label=kind_label)
    page.locator('input[type="file"][name="file"]').set_input_files(path)


def open_draft_from_home(page: Page, proposal_id: int) -> None:
    """RT home -> "Draf usulan" -> the draft -> "Lanjutkan mengisi", the way a Ketua RT comes back."""
    page.goto("/rt/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Beranda Ketua RT")
    drafts = page.locator("main section.card", has=page.get_by_role("heading", name=re.compile(r"^Draf usulan")))
    drafts.get_by_role("link", name=f"#{proposal_id}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Usulan BARU #{proposal_id}")
    expect(page.locator("main .status")).to_have_text("Draf")
    page.get_by_role("link", name="Lanjutkan mengisi").click()


def submit_from_review(page: Page, proposal_id: int) -> str:
    """On the review step without problems: "Ajukan ke kelurahan"; returns the shown snapshot SHA-256."""
    expect(page.locator(".problems")).to_have_count(0)
    expect(page.locator("main .flash.success")).to_contain_text("Data lengkap")
    page.get_by_role("button", name="Ajukan ke kelurahan").click()
    expect(page).to_have_url(re.compile(rf"/rt/usulan/{proposal_id}$"))
    expect(page.locator(".flash").first).to_contain_text("Usulan diajukan")
    expect(page.locator("main .status")).to_have_text("Diajukan")
    expect(page.locator("main dt", has_text="Sidik jari isi")).to_be_visible()
    sha = page.locator("main code.hash").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", sha), sha
    expect(page.get_by_role("link", name="Lanjutkan mengisi")).to_have_count(0)  # frozen now
    return sha


def stored_proposal(app, proposal_id: int) -> Proposal:
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        db.session.expunge(proposal)
        db.session.remove()
        return proposal


# --- tests -------------------------------------------------------------------------------------------

def test_rt_creates_baru_on_a_phone_loses_connection_resumes_and_submits(page, context, live_app, artifacts, kk_png):
    app, _ = live_app
    errors = watch_errors(page)
    widths: dict[str, int] = {}

    log_in(page)
    proposal_id = start_baru(page)
    widths["rumah_tangga"] = scroll_width(page)
    shoot(page, artifacts, "1-household")
    save_household(page, "6474011203150002", "Jl. Uji Coba Gg. Damai No. 7")

    for member in (KEPALA, PASANGAN):
        add_member(page, member)
    page.get_by_role("link", name="Tambah anggota").click()
    fill_member(page, ANAK)
    widths["member"] = scroll_width(page)
    shoot(page, artifacts, "2-member-form")
    page.get_by_role("button", name="Simpan anggota").click()
    expect_step(page, "anggota")
    expect_members(page, [KEPALA, PASANGAN, ANAK])
    widths["anggota"] = scroll_width(page)
    shoot(page, artifacts, "3-members")

    page.get_by_role("button", name="Lanjut", exact=True).click()
    expect_step(page, "kondisi")
    page.get_by_label("Jenis lantai terluas").select_option(label="Tanah")
    page.get_by_label("Jenis dinding terluas").select_option(label="Bambu")
    page.get_by_label("Sumber air minum").select_option(label="Sumur terlindung")
    page.get_by_label("Makan (kali per hari)").fill("2")
    widths["kondisi"] = scroll_width(page)
    shoot(page, artifacts, "4-conditions")
    page.get_by_role("button", name="Simpan & lanjut").click()
    expect_step(page, "ppks")

    # A fourth member is being typed when the connection drops: the save cannot reach the server.
    go_to_step(page, "Anggota", "anggota")
    page.get_by_role("link", name="Tambah anggota").click()
    fill_member(page, ANAK_OFFLINE)
    form_url = page.url
    context.set_offline(True)
    with page.expect_event("requestfailed") as failed:
        page.get_by_role("button", name="Simpan anggota").click()
    assert failed.value.method == "POST"
    page.wait_for_timeout(300)  # let htmx finish handling the error
    assert page.url == form_url, "the page navigated although the save never reached the server"
    expect(page.get_by_role("heading", level=3)).to_have_text("Tambah anggota")  # the page is still usable
    expect(page.get_by_label("NIK", exact=True)).to_have_value(ANAK_OFFLINE.nik)  # and keeps what was typed
    expect(page.locator(".flash", has_text="Anggota disimpan")).to_have_count(0)
    shoot(page, artifacts, "5-offline-save-failed")
    context.set_offline(False)

    # Back online, later: from the RT home the draft opens where it was left (after the last saved step).
    open_draft_from_home(page, proposal_id)
    expect_step(page, "ppks")
    go_to_step(page, "Rumah tangga", "rumah_tangga")
    expect(page.get_by_label("No. KK")).to_have_value("6474011203150002")
    expect(page.get_by_label("Alamat")).to_have_value("Jl. Uji Coba Gg. Damai No. 7")
    go_to_step(page, "Anggota", "anggota")
    expect_members(page, [KEPALA, PASANGAN, ANAK])  # all three saved members; the unsent fourth is not there
    go_to_step(page, "Kondisi rumah & 14 kriteria", "kondisi")
    expect(page.get_by_label("Jenis lantai terluas")).to_have_value("tanah")
    expect(page.get_by_label("Jenis dinding terluas")).to_have_value("bambu")
    expect(page.get_by_label("Makan (kali per hari)")).to_have_value("2")

    go_to_step(page, "Berkas pendukung", "berkas")
    upload(page, KK_EVIDENCE, kk_png)
    page.get_by_role("button", name="Unggah").click()
    expect(page.locator(".flash").first).to_have_text("Berkas diunggah.")
    expect(page.locator("main ul.files li")).to_have_count(1)
    expect(page.locator("main ul.files li")).to_contain_text(f"{KK_EVIDENCE}: kk-baru.png")
    expect(page.locator("main section.card", has_text="Berkas yang diperlukan")).to_contain_text(f"✔ {KK_EVIDENCE}")
    widths["berkas"] = scroll_width(page)
    shoot(page, artifacts, "6-evidence")

    page.get_by_role("link", name="Lanjut ke tinjauan").click()
    expect_step(page, "tinjau")
    expect(page.locator("main")).to_contain_text("Anggota (3 orang)")
    widths["tinjau"] = scroll_width(page)
    shoot(page, artifacts, "7-review")
    sha = submit_from_review(page, proposal_id)
    widths["diajukan"] = scroll_width(page)
    shoot(page, artifacts, "8-submitted")

    stored = stored_proposal(app, proposal_id)
    assert stored.status == "diajukan"
    assert stored.snapshot_sha256 == sha
    assert [m["nik"] for m in stored.snapshot["members"]] == [KEPALA.nik, PASANGAN.nik, ANAK.nik]
    assert stored.snapshot["household"]["no_kk"] == "6474011203150002"
    assert not csp_errors(errors), errors
    assert not [e for e in errors if e.startswith("pageerror")], errors
    too_wide = {step: w for step, w in widths.items() if w > PHONE["width"]}
    assert not too_wide, f"pages scroll sideways on a 360px phone: {too_wide}"


def test_the_conditions_step_reopens_with_a_saved_floor_area(page, artifacts):
    errors = watch_errors(page)
    log_in(page)
    start_baru(page)
    go_to_step(page, "Kondisi rumah & 14 kriteria", "kondisi")
    page.get_by_label("Luas lantai rumah (m²)").fill("24")
    page.get_by_label("Jenis lantai terluas").select_option(label="Semen / plester")
    page.get_by_role("button", name="Simpan & lanjut").click()
    expect_step(page, "ppks")
    expect(page.locator(".flash").first).to_have_text("Draf tersimpan.")

    go_to_step(page, "Kondisi rumah & 14 kriteria", "kondisi")  # e.g. after resuming the draft
    try:
        expect(page.get_by_label("Luas lantai rumah (m²)")).to_have_value(re.compile(r"^24(\.0+)?$"))
    finally:
        shoot(page, artifacts, "conditions-reopened")
    expect(page.get_by_label("Jenis lantai terluas")).to_have_value("semen")
    assert not [e for e in errors if e.startswith("pageerror")], errors


def test_a_big_photo_is_shrunk_in_the_browser_before_upload(page, live_app, artifacts, kk_png, big_photo):
    app, _ = live_app
    errors = watch_errors(page)
    log_in(page)
    proposal_id = start_baru(page)
    go_to_step(page, "Berkas pendukung", "berkas")

    upload(page, KK_EVIDENCE, kk_png)  # a small image: nothing to shrink, but the script still opens it
    page.wait_for_timeout(300)
    expect(page.locator("small[data-shrink-note]")).to_have_text("")
    original = big_photo.stat().st_size
    upload(page, PHOTO_EVIDENCE, big_photo)
    note = page.locator("small[data-shrink-note]")
    try:
        expect(note).to_contain_text("diperkecil", timeout=5_000)
    finally:
        shoot(page, artifacts, "9-photo-picked")
    page.get_by_role("button", name="Unggah").click()
    expect(page.locator(".flash").first).to_have_text("Berkas diunggah.")
    item = page.locator("main ul.files li", has_text=PHOTO_EVIDENCE)
    expect(item).to_have_count(1)
    shown_kb = int(re.search(r"(\d+) KB", item.locator("small").inner_text()).group(1))
    assert shown_kb * 1024 < original / 2, f"stored {shown_kb} KB of a {original // 1024} KB photo"
    with app.app_context():
        stored = db.session.get(Proposal, proposal_id).active_evidence[0]
        assert stored.content_type == "image/jpeg" and stored.size < original / 2
        db.session.remove()
    assert not csp_errors(errors), errors


def test_the_wizards_link_buttons_are_readable(page, kk_png):
    log_in(page)
    assert contrast(page.locator("header").get_by_role("button", name="Keluar")) >= 4.5  # the check itself works
    start_baru(page)
    save_household(page, "6474011203150005", "Jl. Kontras No. 5")
    add_member(page, CONTRAST_KEPALA)
    remove_member = member_rows(page).get_by_role("button", name="Hapus dari draf")
    go_to_step(page, "Berkas pendukung", "berkas")
    upload(page, KK_EVIDENCE, kk_png)
    page.get_by_role("button", name="Unggah").click()
    expect(page.locator(".flash").first).to_have_text("Berkas diunggah.")
    ratio = contrast(page.locator("main ul.files").get_by_role("button", name="Lepas"))
    assert ratio >= 4.5, f"'Lepas' has a text contrast of {ratio:.2f}:1"
    go_to_step(page, "Anggota", "anggota")
    ratio = contrast(remove_member)
    assert ratio >= 4.5, f"'Hapus dari draf' has a text contrast of {ratio:.2f}:1"


def test_the_same_flow_works_without_javascript(nojs_page, live_app, artifacts, kk_png):
    page = nojs_page
    app, _ = live_app
    log_in(page)
    proposal_id = start_baru(page)
    save_household(page, "6474011203150003", "Jl. Tanpa Skrip No. 3")
    add_member(page, NOJS_KEPALA)
    expect_members(page, [NOJS_KEPALA])

    page.get_by_role("button", name="Lanjut", exact=True).click()
    expect_step(page, "kondisi")
    page.get_by_label("Sumber penerangan").select_option(label="Listrik non-PLN")
    page.get_by_role("button", name="Simpan & lanjut").click()
    expect_step(page, "ppks")
    page.locator("main").get_by_role("link", name="Lanjut", exact=True).click()
    expect_step(page, "berkas")

    upload(page, KK_EVIDENCE, kk_png)
    page.get_by_role("button", name="Unggah").click()
    expect_step(page, "berkas")
    expect(page.locator(".flash").first).to_have_text("Berkas diunggah.")
    expect(page.locator("main ul.files li")).to_contain_text(f"{KK_EVIDENCE}: kk-baru.png")
    expect(page.locator("small[data-shrink-note]")).to_have_text("")  # no script ran

    page.get_by_role("link", name="Lanjut ke tinjauan").click()
    expect_step(page, "tinjau")
    assert_fits_phone(page)
    shoot(page, artifacts, "nojs-review")
    sha = submit_from_review(page, proposal_id)
    assert_fits_phone(page)
    assert stored_proposal(app, proposal_id).snapshot_sha256 == sha


def test_a_second_device_continues_the_same_draft(page, second_context, live_app, artifacts):
    app, _ = live_app
    # Device A: start the draft and save the household step.
    log_in(page)
    proposal_id = start_baru(page)
    save_household(page, "6474011203150004", "Jl. Dua Perangkat RT 001 No. 12")
    go_to_step(page, "Rumah tangga", "rumah_tangga")  # A keeps the household form open

    # Device B: a brand-new browser signs in as the same RT and continues from its home page.
    other = second_context.new_page()
    errors = watch_errors(other)
    log_in(other)
    open_draft_from_home(other, proposal_id)
    expect_step(other, "anggota")  # the step after the last one saved on device A
    expect(other.locator("p.saved")).to_contain_text("Draf tersimpan di server")
    go_to_step(other, "Rumah tangga", "rumah_tangga")
    expect(other.get_by_label("No. KK")).to_have_value("6474011203150004")
    expect(other.get_by_label("Alamat")).to_have_value("Jl. Dua Perangkat RT 001 No. 12")
    go_to_step(other, "Anggota", "anggota")
    add_member(other, DEVICE_KEPALA)
    shoot(other, artifacts, "device-b-members")

    # Device A saves its now stale household form: refused with a clear message, nothing overwritten.
    page.get_by_label("Alamat").fill("Jl. Ditimpa Perangkat A No. 1")
    page.get_by_role("button", name="Simpan & lanjut").click()
    expect(page.get_by_role("alert")).to_contain_text(STALE)
    expect_step(page, "rumah_tangga")
    draft = stored_proposal(app, proposal_id).draft
    assert draft["household"]["address"] == "Jl. Dua Perangkat RT 001 No. 12"
    assert [m["nik"] for m in draft["members"]] == [DEVICE_KEPALA.nik]
    # Saving again after seeing the message is deliberate and keeps B's member.
    page.get_by_role("button", name="Simpan & lanjut").click()
    expect_step(page, "anggota")
    expect_members(page, [DEVICE_KEPALA])
    assert stored_proposal(app, proposal_id).draft["household"]["address"] == "Jl. Ditimpa Perangkat A No. 1"
    assert not csp_errors(errors), errors
