"""Verivali periods through HTTP: Dinas Sosial opens a period (one item per household in scope, in the background
when large), the Ketua RT taps a result per household (append-only checks, version-checked), the kelurahan may
record on the RT's behalf, and every level follows progress that equals a count of the items in the database.
A verivali result never changes the registry by itself: proposals carry the change.
"""
import csv
import html
import io
import re
import threading
import time
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.domain import verivali as rules
from portal.extensions import db
from portal.services import demo_verivali
from portal.models import (Area, AuditEvent, Household, Person, ProgramMembership, Proposal, RegistryChange, User,
                           VerivaliCheck, VerivaliItem, VerivaliPeriod)
from portal.services import verivali as service
from tests.database import read, write
from tests.pages import errors, flashes, text, visible

API_API, KANAAN, BONTANG_UTARA = "64.74.01.1006", "64.74.03.1003", "64.74.01"
RT1_CODE, RT2_CODE = f"{API_API}.001", f"{API_API}.002"
RT1, RT2, RT_KANAAN = "rt.api-api.001", "rt.api-api.002", "rt.kanaan.001"
LURAH, CAMAT, DINSOS = "lurah.api-api", "camat.bontang-utara", "dinsos"
RT1_NAME = "Budi Hidayat (demo)"  # the Ketua RT of RT 001, named in "Sudah dicatat ... oleh ..."
DEMO_PERIOD = demo_verivali.demo_period_name()
HX = {"HX-Request": "true"}
TODAY = clock.today()
END = date(TODAY.year, 12, 31) if TODAY.month < 12 else TODAY + timedelta(days=30)
CHILD_LEVEL = {"kota": "kecamatan", "kecamatan": "kelurahan", "kelurahan": "rt"}
ROW_RE = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL_RE = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
DONE_RE = re.compile(r"(\d+)/(\d+) \((\d+)%\)")


# --- reading pages -----------------------------------------------------------------------------------------------

def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def progress_table(response) -> dict[str, dict]:
    """The rows of a period page: area label -> {done, total, percent, counts by outcome, open}."""
    assert response.status_code == 200, response.status_code
    body = text(response).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in ROW_RE.findall(body):
        cells = [plain(c) for c in CELL_RE.findall(row)]
        if len(cells) < 7:
            continue  # "Tidak ada rumah tangga ..."
        done, total, percent = (int(n) for n in DONE_RE.search(cells[1]).groups())
        counts = dict(zip((o.value for o in rules.Outcome), (int(c) for c in cells[2:6]), strict=True))
        still_open = int(cells[6].split()[0]) if cells[6] != "–" else 0
        rows[cells[0]] = {"done": done, "total": total, "percent": percent, "counts": counts, "open": still_open}
    return rows


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def item_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="item-(\d+)"', text(response))]


def listed_total(response) -> int:
    match = re.search(r"(\d+) rumah tangga\.", visible(response))
    assert match, visible(response)[:300]
    return int(match.group(1))


def dashboard_column(response, table: str, column: str) -> dict[str, int]:
    """One column of a dashboard table: first cell -> number."""
    section = text(response).split(f'id="{table}"', 1)[1].split("</section>", 1)[0]
    grid = section.split('<div class="scroll">', 1)[1]
    head = [plain(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", grid, re.S)]
    index = head.index(column)
    body = grid.split("<tbody>", 1)[1]
    return {plain(cells[0]): int(plain(cells[index])) for cells in
            (CELL_RE.findall(row) for row in ROW_RE.findall(body))}


# --- acting through HTTP ----------------------------------------------------------------------------------------

def open_period(visitor, name: str = "Verivali Uji Integrasi", starts_on: date = TODAY, ends_on: date = END,
                programs=(), kelurahan_ids=()):
    """Post the "Buka periode baru" form as Dinas Sosial fills it."""
    visitor.get("/dinsos/verivali")
    return visitor.post("/dinsos/verivali", {
        "name": name, "starts_on": starts_on.isoformat() if isinstance(starts_on, date) else starts_on,
        "ends_on": ends_on.isoformat() if isinstance(ends_on, date) else ends_on,
        "programs": list(programs), "kelurahan_ids": [str(k) for k in kelurahan_ids]})


def opened_id(response) -> int:
    assert response.status_code == 303, errors(response)
    return int(re.search(r"/dinsos/verivali/(\d+)$", response.headers["Location"]).group(1))


def tap(visitor, item_id: int, outcome: str, version, role: str = "rt", htmx: bool = False,
        visit: date | None = None):
    data = {"version": str(version), "outcome": outcome}
    if visit is not None:
        data["visit_date"] = visit.isoformat()
    return visitor.post(f"/{role}/verivali/item/{item_id}", data, headers=HX if htmx else None)


# --- reading and preparing the database -------------------------------------------------------------------------



def area_id(code: str) -> int:
    return db.session.scalar(select(Area.id).where(Area.code == code))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def demo_period_id(app) -> int:
    return read(app, lambda: db.session.scalar(select(VerivaliPeriod.id).where(VerivaliPeriod.name == DEMO_PERIOD)))


def period_row(app, period_id: int) -> dict:
    def get():
        p = db.session.get(VerivaliPeriod, period_id)
        return {"status": p.status, "item_count": p.item_count, "progress": p.progress, "scope": p.scope,
                "name": p.name}
    return read(app, get)


def period_count(app) -> int:
    return read(app, lambda: db.session.scalar(select(func.count()).select_from(VerivaliPeriod)))


def items(app, period_id: int, rt_code: str | None = None) -> list[dict]:
    def get():
        stmt = select(VerivaliItem).where(VerivaliItem.period_id == period_id).order_by(VerivaliItem.id)
        if rt_code:
            stmt = stmt.where(VerivaliItem.area_id == area_id(rt_code))
        return [{"id": i.id, "household_id": i.household_id, "area_id": i.area_id, "outcome": i.outcome,
                 "version": i.version, "proposal_id": i.proposal_id, "checked_at": i.checked_at}
                for i in db.session.scalars(stmt)]
    return read(app, get)


def item(app, item_id: int) -> dict:
    def get():
        i = db.session.get(VerivaliItem, item_id)
        return {"id": i.id, "household_id": i.household_id, "outcome": i.outcome, "version": i.version,
                "proposal_id": i.proposal_id, "checked_at": i.checked_at}
    return read(app, get)


def checks(app, item_id: int | None = None) -> list[dict]:
    def get():
        stmt = select(VerivaliCheck).order_by(VerivaliCheck.id)
        if item_id is not None:
            stmt = stmt.where(VerivaliCheck.item_id == item_id)
        return [{"item_id": c.item_id, "outcome": c.outcome, "by": c.by.username, "on_behalf": c.on_behalf,
                 "visit_date": c.visit_date, "proposal_id": c.proposal_id} for c in db.session.scalars(stmt)]
    return read(app, get)


def busy_households(app) -> set[int]:
    """Households with a proposal still running (verivali links to it instead of opening another)."""
    open_states = ("draf", "diajukan", "diverifikasi_kelurahan", "diverifikasi_kecamatan", "dikembalikan")
    return set(read(app, lambda: db.session.scalars(select(Proposal.household_id).where(
        Proposal.household_id.is_not(None), Proposal.status.in_(open_states))).all()))


def free_items(app, period_id: int, rt_code: str = RT1_CODE, count: int = 1) -> list[dict]:
    """Unchecked items of the RT whose household has no running proposal."""
    busy = busy_households(app)
    found = [i for i in items(app, period_id, rt_code) if i["outcome"] is None and i["household_id"] not in busy]
    assert len(found) >= count, found
    return found[:count]


def expected_households(app, programs=(), kelurahan_codes=()) -> set[int]:
    """An independent count of what a period should cover: households not nonaktif, narrowed by active program
    membership and by the kelurahan of their RT."""
    def get():
        rows = db.session.execute(select(Household.id, Household.status, Area.parent_id)
                                  .join(Area, Area.id == Household.area_id)).all()
        kelurahan = {area_id(code) for code in kelurahan_codes}
        members = set(db.session.scalars(select(ProgramMembership.household_id).where(
            ProgramMembership.active.is_(True), ProgramMembership.program.in_(programs))))
        return {hid for hid, status, parent in rows if status != "nonaktif"
                and (not kelurahan or parent in kelurahan) and (not programs or hid in members)}
    return read(app, get)


def expected_progress(app, period_id: int, username: str, within: str | None = None,
                      full_labels: bool = False) -> dict[str, dict]:
    """Progress per child area of the user's area (or of `within`), counted from the item rows in Python. Areas
    are named as the page names them (RT label or area name), or by their full label as the CSV does."""
    def get():
        areas = {a.id: a for a in db.session.scalars(select(Area))}
        top = next(a for a in areas.values() if a.code == within) if within else user(username).area
        level = CHILD_LEVEL.get(top.level, "rt")
        rows: dict[str, dict] = {}
        for area_id_, outcome in db.session.execute(select(VerivaliItem.area_id, VerivaliItem.outcome)
                                                    .where(VerivaliItem.period_id == period_id)):
            area = areas[area_id_]
            if not (area.code == top.code or area.code.startswith(top.code + ".")):
                continue
            while area.level != level:
                area = areas[area.parent_id]
            label = area.full_label if full_labels else area.label if level == "rt" else area.name
            row = rows.setdefault(label, {"total": 0, "counts": Counter()})
            row["total"] += 1
            if outcome:
                row["counts"][outcome] += 1
        for row in rows.values():
            row["done"] = sum(row["counts"].values())
            row["percent"] = round(100 * row["done"] / row["total"])
            row["counts"] = {o.value: row["counts"].get(o.value, 0) for o in rules.Outcome}
            row["open"] = row["total"] - row["done"]
        return rows
    return read(app, get)


def households_snapshot(app) -> list[tuple]:
    def get():
        rows = db.session.execute(select(Household.id, Household.status, Household.nonaktif_reason,
                                         Household.area_id, Household.no_kk, Household.address,
                                         Household.criteria_met).order_by(Household.id)).all()
        people = db.session.execute(select(Person.id, Person.active, Person.household_id).order_by(Person.id)).all()
        changes = db.session.scalar(select(func.count()).select_from(RegistryChange))
        return [tuple(r) for r in rows] + [tuple(p) for p in people] + [("registry_changes", changes)]
    return read(app, get)


@pytest.fixture
def period(app, login) -> int:
    """A new open period over Kelurahan Api-Api (60 households, 20 in RT 001), opened by Dinas Sosial."""
    api_api = read(app, lambda: area_id(API_API))
    # Begun a week ago, so visits of the past days belong to it.
    return opened_id(open_period(login(DINSOS), "Verivali Uji Api-Api", starts_on=TODAY - timedelta(days=7),
                                 kelurahan_ids=[api_api]))


@pytest.fixture
def rt1(login):
    visitor = login(RT1)
    visitor.get("/rt/verivali")
    return visitor


def worked_demo_period(app, login) -> int:
    """The demo period, with a few more results of every kind in Api-Api (RT and kelurahan on its behalf)."""
    period_id = demo_period_id(app)
    rt, lurah = login(RT1), login(LURAH)
    rt.get("/rt/verivali")
    lurah.get("/kelurahan/verivali")
    todo = free_items(app, period_id, RT1_CODE, 4)
    for it, outcome in zip(todo, ("sesuai", "perlu_perbaikan", "usul_nonaktif", "tidak_ditemukan"), strict=True):
        assert tap(rt, it["id"], outcome, it["version"]).status_code == 303
    for it in free_items(app, period_id, RT2_CODE, 2):
        assert tap(lurah, it["id"], "tidak_ditemukan", it["version"], role="kelurahan").status_code == 303
    return period_id


# --- opening a period --------------------------------------------------------------------------------------------

SCOPES = {
    "whole-city": {},
    "pkh": {"programs": ("pkh",)},
    "api-api-and-kanaan": {"kelurahan": (API_API, KANAAN)},
    "kks-or-bpnt-in-api-api": {"programs": ("kks", "bpnt"), "kelurahan": (API_API,)},
}


def leave_some_out(app) -> None:
    """In every kelurahan: the first KKS household becomes nonaktif and the first PKH membership ends."""
    def change():
        kelurahan_of = dict(db.session.execute(select(Household.id, Area.parent_id)
                                               .join(Area, Area.id == Household.area_id)).all())
        done_kks, done_pkh = set(), set()
        for m in db.session.scalars(select(ProgramMembership).where(ProgramMembership.active.is_(True))
                                    .order_by(ProgramMembership.id)):
            kelurahan = kelurahan_of[m.household_id]
            if m.program == "kks" and kelurahan not in done_kks:
                done_kks.add(kelurahan)
                db.session.execute(update(Household).where(Household.id == m.household_id)
                                   .values(status="nonaktif", nonaktif_reason="pindah"))
            elif m.program == "pkh" and kelurahan not in done_pkh:
                done_pkh.add(kelurahan)
                m.active = False
    write(app, change)


@pytest.mark.parametrize("scope", SCOPES.values(), ids=SCOPES.keys())
def test_opening_creates_one_item_per_household_in_scope(app, login, scope):
    programs, kelurahan = scope.get("programs", ()), scope.get("kelurahan", ())
    before = expected_households(app, programs, kelurahan)
    leave_some_out(app)
    expected = expected_households(app, programs, kelurahan)
    assert 0 < len(expected) < len(before)  # the scope really loses nonaktif households and ended memberships

    response = open_period(login(DINSOS), programs=programs,
                           kelurahan_ids=read(app, lambda: [area_id(c) for c in kelurahan]))
    period_id = opened_id(response)

    found = items(app, period_id)
    assert sorted(i["household_id"] for i in found) == sorted(expected)  # one each, none twice, none missing
    homes = dict(read(app, lambda: db.session.execute(select(Household.id, Household.area_id)).all()))
    assert all(i["area_id"] == homes[i["household_id"]] and i["outcome"] is None and i["version"] == 1
               for i in found)
    assert period_row(app, period_id) == {
        "status": "buka", "item_count": len(expected), "progress": 100, "name": "Verivali Uji Integrasi",
        "scope": {"programs": list(programs), "kelurahan_ids": read(app, lambda: [area_id(c) for c in kelurahan])}}
    page = login(DINSOS).get(response.headers["Location"])
    assert f"0 dari {len(expected)} rumah tangga" in visible(page)


def test_opening_is_audited_and_says_so(app, login):
    dinsos = login(DINSOS)
    response = open_period(dinsos, "Verivali Uji Audit")
    period_id = opened_id(response)
    assert flashes(dinsos.get(response.headers["Location"])) == ["Periode verivali dibuka."]
    events = read(app, lambda: db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.target_id == period_id, AuditEvent.action == "verivali.buka")).all())
    assert events == ["verivali.buka"]


def test_a_household_is_in_a_period_only_once(app, period):
    first = items(app, period)[0]

    def duplicate():
        db.session.execute(insert(VerivaliItem).values(period_id=period, household_id=first["household_id"],
                                                       area_id=first["area_id"]))
    with pytest.raises(IntegrityError):
        write(app, duplicate)

    before = len(items(app, period))
    write(app, lambda: service.build_items(period))  # a second run (a retried job) adds nothing
    assert len(items(app, period)) == before
    write(app, lambda: db.session.execute(update(VerivaliPeriod).where(VerivaliPeriod.id == period)
                                          .values(status="menyiapkan")))
    write(app, lambda: service.build_items(period))  # nor does forcing the builder over the same period again
    assert len(items(app, period)) == before


def test_a_large_opening_is_prepared_in_a_background_thread_with_a_progress_bar(app, login, monkeypatch):
    """Above VERIVALI_INLINE_ITEMS the request only creates the period; a thread (no REDIS_URL here) builds the
    items while the page shows a progress bar and polls. The thread is held until the first page was seen."""
    assert not app.config["REDIS_URL"]
    monkeypatch.setitem(app.config, "VERIVALI_INLINE_ITEMS", 0)
    release, build = threading.Event(), service.build_items

    def held_build(period_id: int) -> None:
        release.wait(20)
        build(period_id)
    monkeypatch.setattr(service, "build_items", held_build)
    dinsos = login(DINSOS)
    expected = expected_households(app, kelurahan_codes=(API_API,))
    try:
        period_id = opened_id(open_period(dinsos, "Verivali Uji Latar", kelurahan_ids=[read(
            app, lambda: area_id(API_API))]))
        worker = next(t for t in threading.enumerate() if t.name == f"verivali-job-{period_id}")
        url = f"/dinsos/verivali/{period_id}"

        first = dinsos.get(url)
        assert first.status_code == 200
        assert "Daftar periksa sedang disiapkan" in visible(first)
        assert '<progress max="100" value="0">' in text(first)
        assert 'hx-trigger="every 2s"' in text(first)
        poll = dinsos.get(url, headers=HX)  # htmx polls only the status block
        assert text(poll).lstrip().startswith('<div id="period-status"') and "<html" not in text(poll)
        assert "sedang disiapkan" in visible(poll)
        assert period_row(app, period_id)["status"] == "menyiapkan" and items(app, period_id) == []
    finally:
        release.set()

    deadline, page = time.monotonic() + 20, None
    while time.monotonic() < deadline:
        time.sleep(0.2)
        page = dinsos.get(url, headers=HX)
        if "sedang disiapkan" not in visible(page):
            break
    worker.join(timeout=5)
    assert "sedang disiapkan" not in visible(page), "still preparing after 20 s"
    assert f"0 dari {len(expected)} rumah tangga" in visible(page)
    assert period_row(app, period_id)["status"] == "buka"
    assert sorted(i["household_id"] for i in items(app, period_id)) == sorted(expected)


# --- who may open a period, and bad input ------------------------------------------------------------------------

@pytest.mark.parametrize("username, url, status", [
    (LURAH, "/kelurahan/verivali", 405), (LURAH, "/dinsos/verivali", 403),
    (CAMAT, "/kecamatan/verivali", 405), (CAMAT, "/dinsos/verivali", 403),
    (RT1, "/rt/verivali", 405), (RT1, "/dinsos/verivali", 403), ("admin", "/dinsos/verivali", 403),
])
def test_only_dinas_sosial_opens_a_period(app, login, username, url, status):
    before = period_count(app)
    response = login(username).post(url, {"name": "Verivali Tidak Boleh", "starts_on": TODAY.isoformat(),
                                  "ends_on": END.isoformat()})
    assert response.status_code == status
    assert period_count(app) == before


BAD_INPUT = {
    "end-before-start": ({"starts_on": TODAY + timedelta(days=5), "ends_on": TODAY + timedelta(days=4)},
                         "Tanggal selesai harus sesudah tanggal mulai."),
    "missing-name": ({"name": ""}, "Tulis nama periode."),
    "short-name": ({"name": "abc"}, "Tulis nama periode, misalnya “Verivali Semester I 2026”."),
    "long-name": ({"name": "V" * 81}, "Nama periode paling panjang 80 karakter."),
    "end-in-the-past": ({"starts_on": TODAY - timedelta(days=30), "ends_on": TODAY - timedelta(days=1)},
                        "Tanggal selesai sudah lewat."),
    "over-a-year": ({"starts_on": TODAY, "ends_on": TODAY + timedelta(days=400)},
                    "Satu periode paling lama satu tahun."),
    "missing-dates": ({"starts_on": "", "ends_on": "31/12/2026"}, "Isi tanggal mulai yang benar."),
    "unknown-kelurahan": ({"kelurahan_ids": [999999]}, None),
    "unreadable-kelurahan": ({"kelurahan_ids": ["Api-Api"]}, None),
    "unknown-program": ({"programs": ["blt"]}, None),
}


@pytest.mark.parametrize("fields, message", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_period_input_is_422_and_creates_nothing(app, login, fields, message):
    before = period_count(app)
    response = open_period(login(DINSOS), **fields)
    assert response.status_code == 422
    shown = errors(response)
    assert shown, "no error next to the form"
    if message:
        assert message in shown
    assert period_count(app) == before
    assert "Buka periode baru" in visible(response)  # the form comes back, with what was typed


@pytest.mark.parametrize("fields", [{"kelurahan_ids": [999999]}, {"kelurahan_ids": ["Api-Api"]},
                                    {"programs": ["blt"]}], ids=["unknown-kelurahan", "unreadable", "unknown-program"])
def test_an_unknown_choice_is_refused_in_bahasa(app, login, fields):
    shown = " ".join(errors(open_period(login(DINSOS), **fields)))
    for english in ("valid choice", "could not be coerced", "Invalid choice"):
        assert english not in shown, shown


def test_the_program_choice_offers_only_real_programs(app, login):
    page = text(login(DINSOS).get("/dinsos/verivali"))
    offered = re.findall(r'name="programs" value="([^"]*)"', page)
    assert sorted(offered) == sorted(["kks", "bpnt", "pkh", "pbi_jk"])


def test_the_blank_program_choice_does_not_open_an_empty_period(app, login):
    before = period_count(app)
    response = open_period(login(DINSOS), programs=[""])
    if response.status_code == 422:
        assert period_count(app) == before
    else:
        assert period_row(app, opened_id(response))["item_count"] == len(expected_households(app))


# --- the RT's checklist and its taps -----------------------------------------------------------------------------

def test_an_rt_sees_exactly_its_own_items(app, login, period):
    own = {i["id"] for i in items(app, period, RT1_CODE)}
    assert 0 < len(own) <= 50  # one page
    response = login(RT1).get(f"/rt/verivali?periode={period}")
    assert set(item_ids(response)) == own
    assert f"0 dari {len(own)} rumah tangga sudah dicek" in visible(response)
    others = {i["id"] for i in items(app, period, RT2_CODE)}
    assert not others & set(item_ids(response))
    # Also the demo period, chosen from the list of open periods.
    demo = demo_period_id(app)
    assert set(item_ids(login(RT1).get(f"/rt/verivali?periode={demo}"))) == {
        i["id"] for i in items(app, demo, RT1_CODE)}


def test_the_newest_open_period_is_shown_first_and_others_are_offered(app, login, period):
    response = login(RT1).get("/rt/verivali")
    assert re.search(r"<h2>Verivali Uji Api-Api</h2>", text(response))
    assert f'href="/rt/verivali?periode={demo_period_id(app)}"' in text(response)


def test_a_visit_before_the_period_began_is_refused(app, rt1, period):
    target = items(app, period, RT1_CODE)[0]
    response = tap(rt1, target["id"], "sesuai", 1, htmx=True, visit=TODAY - timedelta(days=8))
    assert response.status_code == 409 and "Tanggal kunjungan sebelum periode dimulai." in visible(response)
    assert checks(app, target["id"]) == []


def test_a_tap_with_htmx_records_a_check_and_swaps_the_item(app, rt1, period):
    target = items(app, period, RT1_CODE)[0]
    visit = TODAY - timedelta(days=2)
    response = tap(rt1, target["id"], "sesuai", 1, htmx=True, visit=visit)

    assert response.status_code == 200
    fragment = text(response)
    assert fragment.lstrip().startswith(f'<li id="item-{target["id"]}" class="vv-item done">')
    assert "<html" not in fragment
    assert re.search(r'<p class="result">Sesuai · ', fragment)
    assert 'name="version" type="hidden" value="2"' in fragment  # the next tap carries the new version
    now = item(app, target["id"])
    assert (now["outcome"], now["version"]) == ("sesuai", 2) and now["checked_at"] is not None
    assert checks(app, target["id"]) == [{"item_id": target["id"], "outcome": "sesuai", "by": RT1,
                                          "on_behalf": False, "visit_date": visit, "proposal_id": None}]


def test_a_tap_without_javascript_records_and_comes_back_to_the_list(app, rt1, period):
    target = items(app, period, RT1_CODE)[0]
    response = tap(rt1, target["id"], "tidak_ditemukan", 1)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/rt/verivali")
    page = rt1.get(response.headers["Location"])
    assert "Tercatat: tidak ditemukan." in flashes(page)
    assert item(app, target["id"])["outcome"] == "tidak_ditemukan"
    assert [c["visit_date"] for c in checks(app, target["id"])] == [TODAY]  # no date sent: today
    assert f"1 dari {len(items(app, period, RT1_CODE))} rumah tangga sudah dicek" in visible(page)


def test_a_second_tap_with_the_same_version_is_refused_naming_who_recorded(app, login, rt1, period):
    target = items(app, period, RT1_CODE)[0]
    assert tap(rt1, target["id"], "sesuai", 1, htmx=True).status_code == 200

    other_phone = login(RT1)  # the same RT on a second phone, with the list loaded before the first tap
    other_phone.get("/rt/verivali")
    again = tap(other_phone, target["id"], "tidak_ditemukan", 1, htmx=True)
    assert again.status_code == 409
    message = f"Sudah dicatat sesuai oleh {RT1_NAME}. Muat ulang daftar untuk melihatnya."
    assert message in errors(again)
    assert '<p class="result">Sesuai · ' in text(again)  # the item as it now is

    plain_post = tap(other_phone, target["id"], "tidak_ditemukan", 1)
    assert plain_post.status_code == 303
    assert message in flashes(other_phone.get(plain_post.headers["Location"]))
    assert [c["outcome"] for c in checks(app, target["id"])] == ["sesuai"]
    assert item(app, target["id"])["version"] == 2


def test_two_simultaneous_taps_record_one_check_and_the_second_gets_409(app, rt1, period, monkeypatch):
    target = items(app, period, RT1_CODE)[0]
    check_can_record = rules.check_can_record

    def first_tap_lands_meanwhile(*args):
        monkeypatch.setattr(rules, "check_can_record", check_can_record)
        with app.app_context():  # the other phone's tap commits while this request is between read and write
            other = db.session.get(VerivaliItem, target["id"])
            service.record(user(RT1), other, other.version, "sesuai", TODAY)
            db.session.commit()
        return check_can_record(*args)
    monkeypatch.setattr(rules, "check_can_record", first_tap_lands_meanwhile)

    response = tap(rt1, target["id"], "tidak_ditemukan", 1, htmx=True)
    assert response.status_code == 409
    assert f"Sudah dicatat sesuai oleh {RT1_NAME}. Muat ulang daftar untuk melihatnya." in errors(response)
    assert [c["outcome"] for c in checks(app, target["id"])] == ["sesuai"]


def test_a_later_change_is_a_new_check_and_the_history_keeps_both(app, rt1, period):
    target = items(app, period, RT1_CODE)[0]
    assert tap(rt1, target["id"], "sesuai", 1, htmx=True).status_code == 200
    second = tap(rt1, target["id"], "tidak_ditemukan", 2, htmx=True, visit=TODAY - timedelta(days=1))
    assert second.status_code == 200
    assert '<p class="result">Tidak ditemukan · ' in text(second)
    assert "Mengubah hasil menambah catatan baru" in visible(second)
    history = checks(app, target["id"])
    assert [(c["outcome"], c["visit_date"]) for c in history] == [("sesuai", TODAY),
                                                                   ("tidak_ditemukan", TODAY - timedelta(days=1))]
    assert (item(app, target["id"])["outcome"], item(app, target["id"])["version"]) == ("tidak_ditemukan", 3)
    assert [c.outcome for c in read(app, lambda: service.history(db.session.get(VerivaliItem, target["id"])))] == [
        "sesuai", "tidak_ditemukan"]


@pytest.mark.parametrize("outcome, kind, first_step", [("usul_nonaktif", "nonaktif", "alasan"),
                                                       ("perlu_perbaikan", "perbaikan", "rumah_tangga")])
def test_a_tap_that_needs_a_proposal_opens_a_draft_and_goes_to_the_wizard(app, rt1, period, outcome, kind,
                                                                          first_step):
    target = free_items(app, period)[0]
    proposals_before = read(app, lambda: db.session.scalar(select(func.count()).select_from(Proposal)))
    response = tap(rt1, target["id"], outcome, 1)

    now = item(app, target["id"])
    assert now["outcome"] == outcome and now["proposal_id"] is not None
    proposal = read(app, lambda: db.session.get(Proposal, now["proposal_id"]))
    assert (proposal.kind, proposal.status, proposal.household_id) == (kind, "draf", target["household_id"])
    assert read(app, lambda: db.session.scalar(select(func.count()).select_from(Proposal))) == proposals_before + 1
    assert [c["proposal_id"] for c in checks(app, target["id"])] == [now["proposal_id"]]

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/rt/usulan/{now['proposal_id']}/lanjut")
    resumed = rt1.get(response.headers["Location"])
    assert resumed.headers["Location"].endswith(f"/rt/usulan/{now['proposal_id']}/langkah/{first_step}")
    wizard = rt1.get(resumed.headers["Location"])
    assert wizard.status_code == 200
    assert "Usulan dibuka dari verivali. Lengkapi lalu ajukan." in flashes(wizard)


def test_usul_nonaktif_with_htmx_goes_to_the_new_drafts_wizard(app, rt1, period):
    target = free_items(app, period)[0]
    response = tap(rt1, target["id"], "usul_nonaktif", 1, htmx=True)
    proposal_id = item(app, target["id"])["proposal_id"]
    assert proposal_id
    # htmx is sent to the proposal's wizard (the NONAKTIF reason comes next), not left on the swapped item.
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/rt/usulan/{proposal_id}/lanjut"
    assert rt1.get(f"/rt/usulan/{proposal_id}/lanjut").headers["Location"].endswith("/langkah/alasan")


def test_a_household_with_a_running_proposal_is_linked_to_it(app, rt1, period):
    busy = busy_households(app)
    target = next(i for i in items(app, period, RT1_CODE) if i["household_id"] in busy)
    running = read(app, lambda: db.session.scalar(select(Proposal.id).where(
        Proposal.household_id == target["household_id"], Proposal.status.in_(("draf", "diajukan")))))
    proposals_before = read(app, lambda: db.session.scalar(select(func.count()).select_from(Proposal)))

    response = tap(rt1, target["id"], "usul_nonaktif", 1)
    assert response.status_code == 303
    assert item(app, target["id"])["proposal_id"] == running
    assert checks(app, target["id"])[0]["proposal_id"] == running
    assert read(app, lambda: db.session.scalar(select(func.count()).select_from(Proposal))) == proposals_before
    assert f"/rt/usulan/{running}" in response.headers["Location"]


def test_the_kelurahan_records_on_the_rts_behalf_but_opens_no_proposal(app, login, period):
    lurah = login(LURAH)
    rt2_code_id = read(app, lambda: area_id(RT2_CODE))
    page = lurah.get(f"/kelurahan/verivali/{period}/belum?wilayah={rt2_code_id}")
    shown = re.findall(r'name="outcome" value="(\w+)"', text(page))
    assert set(shown) == {"sesuai", "tidak_ditemukan"}  # the kelurahan is offered only these two
    first, second = items(app, period, RT2_CODE)[:2]

    done = tap(lurah, first["id"], "sesuai", 1, role="kelurahan", htmx=True)
    assert done.status_code == 200
    assert checks(app, first["id"]) == [{"item_id": first["id"], "outcome": "sesuai", "by": LURAH,
                                         "on_behalf": True, "visit_date": TODAY, "proposal_id": None}]
    plain_post = tap(lurah, second["id"], "tidak_ditemukan", 1, role="kelurahan")
    assert plain_post.status_code == 303
    assert checks(app, second["id"])[0]["on_behalf"] is True

    for outcome in ("usul_nonaktif", "perlu_perbaikan"):
        refused = tap(lurah, first["id"], outcome, 2, role="kelurahan", htmx=True)
        assert refused.status_code == 409
        assert "Usulan perbaikan atau nonaktif dibuka oleh Ketua RT dari daftar periksanya." in errors(refused)
    assert [c["outcome"] for c in checks(app, first["id"])] == ["sesuai"]
    assert item(app, first["id"])["proposal_id"] is None


def test_an_item_of_another_rt_or_kelurahan_is_404(app, login, period):
    target = items(app, period, RT1_CODE)[0]
    kanaan_lurah = login("lurah.kanaan")
    for username in (RT2, RT_KANAAN):
        visitor = login(username)
        visitor.get("/rt/verivali")
        assert tap(visitor, target["id"], "sesuai", 1).status_code == 404
    kanaan_lurah.get("/kelurahan/verivali")
    assert tap(kanaan_lurah, target["id"], "sesuai", 1, role="kelurahan").status_code == 404
    assert checks(app, target["id"]) == []


@pytest.mark.parametrize("username", [CAMAT, DINSOS])
def test_kecamatan_and_dinas_sosial_cannot_record(app, login, period, username):
    target = items(app, period, RT1_CODE)[0]
    visitor = login(username)
    for role in ("rt", "kelurahan"):
        assert tap(visitor, target["id"], "sesuai", 1, role=role).status_code == 403
    own = "kecamatan" if username == CAMAT else "dinsos"
    assert tap(visitor, target["id"], "sesuai", 1, role=own).status_code in (404, 405)  # no such route
    assert checks(app, target["id"]) == []


@pytest.mark.parametrize("fields, message, status", [
    ({"visit": TODAY + timedelta(days=1)}, "Tanggal kunjungan tidak boleh di masa depan.", 409),
    ({"visit": TODAY - timedelta(days=400)}, "Tanggal kunjungan terlalu lama.", 409),
    ({"outcome": "setuju"}, "Pilih hasil verivali.", 409),
    ({"outcome": ""}, "Pilih hasil verivali.", 409),
])
def test_a_bad_tap_is_refused_and_records_nothing(app, rt1, period, fields, message, status):
    target = items(app, period, RT1_CODE)[0]
    response = tap(rt1, target["id"], fields.get("outcome", "sesuai"), 1, htmx=True, visit=fields.get("visit"))
    assert response.status_code == status
    assert message in errors(response)
    assert checks(app, target["id"]) == [] and item(app, target["id"])["version"] == 1


def test_an_unreadable_visit_date_is_422(app, rt1, period):
    target = items(app, period, RT1_CODE)[0]
    response = rt1.post(f"/rt/verivali/item/{target['id']}", {"version": "1", "outcome": "sesuai",
                                                               "visit_date": "kemarin"}, headers=HX)
    assert response.status_code == 422
    assert "Isi tanggal yang benar." in errors(response)
    assert checks(app, target["id"]) == []


def test_nothing_is_recorded_after_the_period_is_closed(app, login, rt1, period):
    target, other = items(app, period, RT1_CODE)[:2]
    assert tap(rt1, target["id"], "sesuai", 1).status_code == 303
    dinsos = login(DINSOS)
    dinsos.get(f"/dinsos/verivali/{period}")
    closed = dinsos.post(f"/dinsos/verivali/{period}/tutup")
    assert closed.status_code == 303
    assert "Periode ditutup; hasilnya tidak dapat diubah lagi." in flashes(dinsos.get(closed.headers["Location"]))
    assert period_row(app, period)["status"] == "ditutup"

    htmx_tap = tap(rt1, other["id"], "sesuai", 1, htmx=True)
    assert htmx_tap.status_code == 409
    assert "Periode verivali ini sudah ditutup; hasilnya tidak dapat diubah lagi." in errors(htmx_tap)
    plain_tap = tap(rt1, target["id"], "tidak_ditemukan", 2)
    assert plain_tap.status_code == 303
    assert any("sudah ditutup" in f for f in flashes(rt1.get(plain_tap.headers["Location"])))
    lurah = login(LURAH)
    lurah.get("/kelurahan/verivali")
    assert tap(lurah, other["id"], "sesuai", 1, role="kelurahan", htmx=True).status_code == 409
    assert [c["outcome"] for c in checks(app, target["id"])] == ["sesuai"] and checks(app, other["id"]) == []
    assert f"periode={period}" not in text(rt1.get("/rt/verivali"))  # a closed period leaves the checklist

    again = dinsos.post(f"/dinsos/verivali/{period}/tutup")
    assert "Hanya periode yang sedang berjalan yang dapat ditutup." in flashes(dinsos.get(again.headers["Location"]))


def test_no_verivali_result_changes_a_household(app, login, rt1, period):
    before = households_snapshot(app)
    lurah = login(LURAH)
    lurah.get("/kelurahan/verivali")
    todo = free_items(app, period, RT1_CODE, 5)
    for it, outcome in zip(todo, ("sesuai", "perlu_perbaikan", "usul_nonaktif", "tidak_ditemukan", "sesuai"),
                           strict=True):
        assert tap(rt1, it["id"], outcome, 1).status_code == 303
    assert tap(rt1, todo[0]["id"], "tidak_ditemukan", 2, htmx=True).status_code == 200
    for it in items(app, period, RT2_CODE)[:2]:
        assert tap(lurah, it["id"], "tidak_ditemukan", 1, role="kelurahan").status_code == 303
    assert len(checks(app)) >= 8
    assert households_snapshot(app) == before


# --- progress, recap and the unfinished list --------------------------------------------------------------------

@pytest.mark.parametrize("username", [LURAH, CAMAT, DINSOS])
def test_progress_per_area_equals_the_items_in_the_database(app, login, username):
    period_id = worked_demo_period(app, login)
    role = {LURAH: "kelurahan", CAMAT: "kecamatan", DINSOS: "dinsos"}[username]
    shown = progress_table(login(username).get(f"/{role}/verivali/{period_id}"))
    expected = expected_progress(app, period_id, username)
    assert shown == expected
    assert any(r["counts"]["perlu_perbaikan"] and r["counts"]["usul_nonaktif"] for r in shown.values())
    assert len({r["percent"] for r in shown.values()}) > 1  # the demo's areas really differ


@pytest.mark.parametrize("username, within", [(DINSOS, API_API), (DINSOS, BONTANG_UTARA), (CAMAT, API_API),
                                              (LURAH, RT1_CODE)])
def test_wilayah_narrows_the_progress_to_one_area(app, login, username, within):
    period_id = worked_demo_period(app, login)
    role = {LURAH: "kelurahan", CAMAT: "kecamatan", DINSOS: "dinsos"}[username]
    wilayah = read(app, lambda: area_id(within))
    page = login(username).get(f"/{role}/verivali/{period_id}?wilayah={wilayah}")
    shown = progress_table(page)
    assert shown == expected_progress(app, period_id, username, within)
    if within == RT1_CODE:  # an RT has no child areas: its own row
        assert set(shown) == {"RT 001 / RW 001"}


def test_wilayah_outside_the_users_area_is_404(app, login):
    period_id = demo_period_id(app)
    kanaan = read(app, lambda: area_id(KANAAN))
    assert login(LURAH).get(f"/kelurahan/verivali/{period_id}?wilayah={kanaan}").status_code == 404
    assert login(CAMAT).get(f"/kecamatan/verivali/{period_id}/belum?wilayah={kanaan}").status_code == 404


@pytest.mark.parametrize("username", [LURAH, CAMAT, DINSOS])
def test_the_recap_csv_equals_the_items_in_the_database(app, login, username):
    period_id = worked_demo_period(app, login)
    role = {LURAH: "kelurahan", CAMAT: "kecamatan", DINSOS: "dinsos"}[username]
    response = login(username).get(f"/{role}/verivali/{period_id}/rekap.csv")
    assert f'filename="rekap-verivali-{period_id}.csv"' in response.headers["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header == ["Wilayah", "Jumlah", "Selesai", "Persen", "Sesuai", "Perlu perbaikan", "Usul nonaktif",
                      "Tidak ditemukan"]
    expected = expected_progress(app, period_id, username, full_labels=True)
    assert {r[0]: [int(n) for n in r[1:]] for r in rows} == {
        name: [e["total"], e["done"], e["percent"], *e["counts"].values()] for name, e in expected.items()}


@pytest.mark.parametrize("username, within", [(LURAH, RT1_CODE), (LURAH, None), (CAMAT, API_API),
                                              (DINSOS, BONTANG_UTARA), (DINSOS, None)])
def test_the_unfinished_list_counts_the_items_without_a_result(app, login, username, within):
    period_id = worked_demo_period(app, login)
    role = {LURAH: "kelurahan", CAMAT: "kecamatan", DINSOS: "dinsos"}[username]
    wilayah = read(app, lambda: area_id(within)) if within else None
    query = f"?wilayah={wilayah}" if wilayah else ""
    response = login(username).get(f"/{role}/verivali/{period_id}/belum{query}")

    def count_open():
        top = within or user(username).area.code
        inside = select(Area.id).where((Area.code == top) | Area.code.like(top + ".%"))
        stmt = select(VerivaliItem.id).where(VerivaliItem.period_id == period_id, VerivaliItem.outcome.is_(None),
                                             VerivaliItem.area_id.in_(inside))
        return set(db.session.scalars(stmt))
    expected = read(app, count_open)
    assert listed_total(response) == len(expected)
    assert set(item_ids(response)) <= expected
    assert len(item_ids(response)) == min(len(expected), 50)
    every = login(username).get(f"/{role}/verivali/{period_id}/belum{query}{'&' if query else '?'}semua=1")
    assert listed_total(every) >= len(expected)


# --- the dashboard ----------------------------------------------------------------------------------------------

def checks_per_kelurahan(app, start: date, end: date) -> dict[str, int]:
    """VerivaliCheck rows whose item's RT lies in each kelurahan, made on Bontang days start..end."""
    def get():
        from portal.services.dashboard import Period
        begin, finish = Period(start, end).utc_bounds
        areas = {a.id: a for a in db.session.scalars(select(Area))}
        counts: dict[str, int] = defaultdict(int)
        for rt_id, at in db.session.execute(select(VerivaliItem.area_id, VerivaliCheck.at)
                                            .join(VerivaliItem, VerivaliCheck.item_id == VerivaliItem.id)):
            if begin <= at < finish:
                counts[areas[areas[rt_id].parent_id].name] += 1
        return counts
    return read(app, get)


@pytest.mark.parametrize("username", [CAMAT, DINSOS])
def test_the_dashboard_counts_verivali_checks_per_kelurahan(app, login, username):
    role = {CAMAT: "kecamatan", DINSOS: "dinsos"}[username]
    visitor = login(username)
    before = dashboard_column(visitor.get(f"/{role}/dasbor"), "aktivitas-kelurahan", "Dicek saat verivali")
    worked_demo_period(app, login)  # six more checks in Api-Api (four by the RT, two on its behalf)

    shown = dashboard_column(visitor.get(f"/{role}/dasbor"), "aktivitas-kelurahan", "Dicek saat verivali")
    expected = checks_per_kelurahan(app, date(TODAY.year, 1, 1), TODAY)
    assert shown == {name: expected.get(name, 0) for name in shown}
    assert shown["Api-Api"] == before["Api-Api"] + 6
    assert len(shown) == (15 if role == "dinsos" else 6)
    if role == "dinsos":  # the whole city: every check made this year
        assert sum(shown.values()) == len(checks(app))

    yesterday = TODAY - timedelta(days=1)
    earlier = dashboard_column(visitor.get(f"/{role}/dasbor?dari={TODAY.year}-01-01&sampai={yesterday}"),
                               "aktivitas-kelurahan", "Dicek saat verivali")
    assert earlier == {name: checks_per_kelurahan(app, date(TODAY.year, 1, 1), yesterday).get(name, 0)
                       for name in earlier}


def test_the_recap_comes_as_xlsx_with_the_same_rows_as_the_csv(app, login, period):
    lurah = login(LURAH)
    as_csv = lurah.get(f"/kelurahan/verivali/{period}/rekap.csv")
    as_xlsx = lurah.get(f"/kelurahan/verivali/{period}/rekap.xlsx")
    assert as_xlsx.status_code == 200 and 'filename="rekap-verivali-' in as_xlsx.headers["Content-Disposition"]
    csv_rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True).lstrip("\ufeff"))))
    sheet = load_workbook(io.BytesIO(as_xlsx.data), read_only=True).worksheets[0]
    xlsx_rows = [[str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert xlsx_rows == csv_rows and len(csv_rows) == 4  # header + Api-Api's three RTs
