"""A verivali period in a real browser (Chromium, 360x640 phone screen), with JavaScript on (htmx swaps each item in
place) and off (plain POSTs, the page comes back): Dinas Sosial opens a period over Kelurahan Api-Api, the Ketua RT
of RT 001 taps "Sesuai" on three households and "Usul nonaktif" on one, and the Lurah sees RT 001 at 4 done.
The demo already has an open city-wide period; the new one is always picked by its name.
"""
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.services import demo_verivali
from portal.models import Area, Proposal, VerivaliItem, VerivaliPeriod
from tests.e2e.test_homes import assert_fits_phone_width, log_in

pytestmark = pytest.mark.e2e

DINSOS, RT1, LURAH = "dinsos", "rt.api-api.001", "lurah.api-api"
RT1_CODE, RT1_LABEL = "64.74.01.1006.001", "RT 001 / RW 001"
DEMO_PERIOD = demo_verivali.demo_period_name()
RUNNING = ("draf", "diajukan", "diverifikasi_kelurahan", "diverifikasi_kecamatan", "dikembalikan")
WIZARD_ALASAN = re.compile(r"/rt/usulan/(\d+)/langkah/alasan$")


# --- the database behind the live server -------------------------------------------------------------------------

def period_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(VerivaliPeriod.id).where(VerivaliPeriod.name == name))


def free_rt1_items(app, period: int) -> list[int]:
    """RT 001's unchecked items of the period whose household has no running proposal, in checklist order."""
    with app.app_context():
        busy = set(db.session.scalars(select(Proposal.household_id).where(Proposal.status.in_(RUNNING))))
        rt = db.session.scalar(select(Area.id).where(Area.code == RT1_CODE))
        rows = db.session.scalars(select(VerivaliItem).where(VerivaliItem.period_id == period,
                                                             VerivaliItem.area_id == rt,
                                                             VerivaliItem.outcome.is_(None))
                                  .order_by(VerivaliItem.id)).all()
        return [i.id for i in rows if i.household_id not in busy]


def rt1_results(app, period: int) -> dict[int, str | None]:
    with app.app_context():
        rt = db.session.scalar(select(Area.id).where(Area.code == RT1_CODE))
        return dict(db.session.execute(select(VerivaliItem.id, VerivaliItem.outcome).where(
            VerivaliItem.period_id == period, VerivaliItem.area_id == rt)).all())


# --- the steps ---------------------------------------------------------------------------------------------------

def open_verivali(page: Page) -> None:
    page.locator("header nav").get_by_role("link", name="Verivali", exact=True).click()


def dinsos_opens_a_period(page: Page, name: str) -> None:
    log_in(page, DINSOS)
    open_verivali(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Periode verivali")
    page.get_by_label("Nama periode", exact=True).fill(name)
    page.get_by_label("Api-Api", exact=True).check()
    page.get_by_role("button", name="Buka periode", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("main")).to_contain_text("Periode verivali dibuka.")
    expect(page.locator("main")).to_contain_text(re.compile(r"0 dari \d+ rumah tangga"))
    expect(page.locator("tbody tr")).to_have_count(1)  # Kecamatan Bontang Utara only
    expect(page.locator("tbody tr")).to_contain_text("Bontang Utara")


def rt_opens_the_checklist(page: Page, name: str) -> None:
    log_in(page, RT1)
    open_verivali(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Verivali {RT1_LABEL}")
    heading = page.locator("section.card h2")
    expect(heading).to_be_visible()
    if heading.inner_text() != name:  # the newest open period is shown first; pick ours from the list
        page.locator("main").get_by_role("link", name=name, exact=True).click()
        expect(page).to_have_url(re.compile(r"/rt/verivali\?periode=\d+$"))
    expect(heading).to_have_text(name)


def tap(page: Page, item_id: int, button: str, js: bool) -> None:
    """One tap on an item's button; with JS wait for the swap, without for the page that comes back."""
    item = page.locator(f"#item-{item_id}")
    if js:
        with page.expect_response(lambda r: r.url.endswith(f"/rt/verivali/item/{item_id}")):
            item.get_by_role("button", name=button, exact=True).click()
    else:
        with page.expect_navigation():
            item.get_by_role("button", name=button, exact=True).click()


# --- the tests ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_dinsos_opens_rt_checks_and_the_lurah_sees_the_progress(phones, live_app, artifacts, js):
    app, _ = live_app
    mode = "js" if js else "nojs"
    name = f"Verivali Uji Peramban {mode}"

    dinsos = phones(js)
    dinsos_opens_a_period(dinsos, name)
    period = period_id(app, name)
    assert period and len(rt1_results(app, period)) >= 4

    rt = phones(js)
    rt_opens_the_checklist(rt, name)
    assert_fits_phone_width(rt)
    free = free_rt1_items(app, period)
    sesuai, usul = free[:3], free[3]
    if js:
        rt.evaluate("window.verivaliMarker = 'not reloaded'")
    for item_id in sesuai:
        tap(rt, item_id, "Sesuai", js)
        result = rt.locator(f"#item-{item_id} p.result")
        expect(result).to_contain_text("Sesuai")
        expect(rt.locator(f"#item-{item_id}")).to_have_class(re.compile(r"\bdone\b"))
        if not js:
            expect(rt.locator(".flash")).to_contain_text("Tercatat: sesuai.")
            expect(rt.locator("section.card h2")).to_have_text(name)  # back on the same period
    if js:  # three swaps, no page load
        assert rt.evaluate("window.verivaliMarker") == "not reloaded"
    rt.screenshot(path=artifacts / f"verivali-rt-{mode}.png", full_page=True, caret="initial")

    tap(rt, usul, "Usul nonaktif", js)
    # With or without JavaScript the RT lands on the new draft's first step (htmx follows HX-Redirect).
    expect(rt).to_have_url(WIZARD_ALASAN)
    expect(rt.locator(".flash")).to_contain_text("Usulan dibuka dari verivali. Lengkapi lalu ajukan.")
    expect(rt.get_by_role("heading", level=2, name="Alasan penonaktifan")).to_be_visible()
    results = rt1_results(app, period)
    assert [results[i] for i in sesuai] == ["sesuai"] * 3 and results[usul] == "usul_nonaktif"
    assert sum(1 for outcome in results.values() if outcome) == 4

    lurah = phones(js)
    log_in(lurah, LURAH)
    open_verivali(lurah)
    lurah.locator("main").get_by_role("link", name=name, exact=True).click()
    expect(lurah.get_by_role("heading", level=1)).to_have_text(name)
    row = lurah.locator("tbody tr", has_text=RT1_LABEL)
    expect(row).to_contain_text(re.compile(rf"\b4/{len(results)} \(\d+%\)"))
    expect(row.locator("td.num").nth(0)).to_have_text("3")  # Sesuai
    expect(row.locator("td.num").nth(2)).to_have_text("1")  # Usul nonaktif
    expect(lurah.locator("main")).to_contain_text(re.compile(r"\b4 dari \d+ rumah tangga"))
    assert_fits_phone_width(lurah)
    assert not phones.errors, phones.errors


def test_with_javascript_usul_nonaktif_lands_on_the_wizard(phones, live_app):
    app, _ = live_app
    demo = period_id(app, DEMO_PERIOD)
    usul = free_rt1_items(app, demo)[0]
    rt = phones(True)
    rt_opens_the_checklist(rt, DEMO_PERIOD)
    rt.locator(f"#item-{usul}").get_by_role("button", name="Usul nonaktif", exact=True).click()
    expect(rt).to_have_url(WIZARD_ALASAN, timeout=3000)
