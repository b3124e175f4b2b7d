"""The Lurah's dashboard and ranking explanation in a real browser (Chromium, 360x640 phone screen), with
JavaScript on (htmx swaps the dashboard in place) and off (plain GET forms and links)."""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from portal import clock
from tests.e2e.test_homes import log_in, watch_errors

pytestmark = pytest.mark.e2e

LURAH = "lurah.api-api"
RANK_LINK = re.compile(r"^ke-\d+ · desil \d+$")


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request) -> bool:
    return request.param


@pytest.fixture
def phone(js, request) -> Page:
    """A logged-out phone page, JavaScript on or off as `js` says."""
    return request.getfixturevalue("page" if js else "nojs_page")


def open_dashboard(page: Page) -> None:
    log_in(page, LURAH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Beranda Kelurahan")
    page.locator("header nav").get_by_role("link", name="Dasbor", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dasbor Kelurahan Api-Api")


def show_period(page: Page, start: str, end: str) -> None:
    page.get_by_label("Dari", exact=True).fill(start)
    page.get_by_label("Sampai", exact=True).fill(end)
    page.get_by_role("button", name="Tampilkan", exact=True).click()
    shown = f"Periode {start[8:]}-{start[5:7]}-{start[:4]} s.d. {end[8:]}-{end[5:7]}-{end[:4]};"
    expect(page.locator("#aktivitas-rt")).to_contain_text(shown)


def activity_numbers(page: Page) -> list[int]:
    return [int(n) for n in page.locator("#aktivitas-rt tbody td.num").all_inner_texts()]


def activity_totals(page: Page) -> list[int]:
    return [int(n) for n in page.locator("#aktivitas-rt tbody td.num:last-child").all_inner_texts()]


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_lurah_filters_the_dashboard_by_period(phone, js):
    page = phone
    errors = watch_errors(page)
    open_dashboard(page)
    for heading in ("Rumah tangga aktif menurut jumlah kriteria terpenuhi", "Aktivitas verivali per RT"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    if js:
        page.evaluate("window.dashboardMarker = 'not reloaded'")

    show_period(page, "2020-01-01", "2020-12-31")
    expect(page).to_have_url(re.compile(r"/kelurahan/dasbor\?.*dari=2020-01-01.*sampai=2020-12-31"))
    numbers = activity_numbers(page)
    assert numbers and set(numbers) == {0}, numbers

    today = clock.today()
    show_period(page, f"{today.year}-01-01", today.isoformat())
    expect(page).to_have_url(re.compile(rf"dari={today.year}-01-01.*sampai={today.isoformat()}"))
    assert sum(activity_totals(page)) > 0, activity_totals(page)
    if js:  # both filters were htmx swaps with push-url, not full page loads
        assert page.evaluate("window.dashboardMarker") == "not reloaded"
    assert not errors, errors


def test_a_kriteria_number_opens_the_list_it_counts(phone):
    page = phone
    open_dashboard(page)
    links = page.locator("#kriteria tbody td.num a")
    expect(links).to_have_count(15)
    link = next(a for a in links.all() if a.inner_text() != "0")
    count = link.inner_text()

    link.click()
    expect(page).to_have_url(re.compile(r"/kelurahan/rumah-tangga\?.*kriteria=\d+"))
    expect(page.locator("#results p.muted").first).to_have_text(re.compile(rf"^{count} rumah tangga\."))


def open_explanation(page: Page) -> None:
    """From the household list: the first "ke-… · desil …" link."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Rumah tangga di Kelurahan Api-Api")
    page.locator("#results").get_by_role("link", name=RANK_LINK).first.click()
    expect(page).to_have_url(re.compile(r"/kelurahan/rumah-tangga/\d+/peringkat$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mengapa peringkat ini?")


def test_the_household_list_links_to_the_ranking_explanation(phone):
    page = phone
    log_in(page, LURAH)
    page.locator("header nav").get_by_role("link", name="Rumah tangga", exact=True).click()
    open_explanation(page)
    main = page.locator("main")
    expect(main).to_contain_text("indikatif lokal", ignore_case=True)
    expect(main).to_contain_text("dari 14 kriteria")


def test_dashboard_and_explanation_ask_only_the_portal(phone, live_server):
    page = phone
    origins = []
    page.on("request", lambda r: origins.append(r.url) if not r.url.startswith("data:") else None)
    open_dashboard(page)
    expect(page.locator("svg.chart").first).to_be_visible()
    with page.expect_response(lambda r: "dari=2020-01-01" in r.url):  # htmx swap or page load
        page.get_by_label("Dari", exact=True).fill("2020-01-01")
        page.get_by_role("button", name="Tampilkan", exact=True).click()
    page.goto("/kelurahan/rumah-tangga")  # a fresh page: this test does not depend on what the swap showed
    open_explanation(page)

    server = urlsplit(live_server)
    foreign = [u for u in origins if urlsplit(u)[:2] != server[:2]]
    assert not foreign, foreign
    assert any("/static/" in u for u in origins), origins  # the recorder did see the page's own assets
