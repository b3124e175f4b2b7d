"""Dashboards of the reviewing levels and the registry pages behind them.

Every dashboard number equals the count of the list it links to (and an independent count in the database),
nothing leaks across areas, bad filters never fail, search and "Lihat NIK lengkap" keep numbers private, and
the ranking explanation says what changed without rewriting earlier runs.
"""
import csv
import html
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, or_, select

from portal import clock
from portal.domain.criteria import assess
from portal.domain.household import STATUS_REASONS, conditions_from, search_name
from portal.domain.nik import mask
from portal.domain.ppks import categories
from portal.domain.spreadsheet import safe_cell
from portal.domain.workflow import STATE_LABELS, State
from portal.extensions import db
from portal.models import (Area, AuditEvent, Decision, Household, HouseholdRank, Person, PersonPpks, Proposal,
                           RankingRun, User)
from portal.services import ranking, registry
from tests.integration.rt_wizard import add_households
from tests.pages import get_counting_computed_statements, text, visible

LURAH, LURAH_KANAAN, CAMAT, CAMAT_BARAT, DINSOS = (
    "lurah.api-api", "lurah.kanaan", "camat.bontang-utara", "camat.bontang-barat", "dinsos")
RT1 = "rt.api-api.001"
ROLE_OF = {LURAH: "kelurahan", LURAH_KANAAN: "kelurahan", CAMAT: "kecamatan", CAMAT_BARAT: "kecamatan",
           DINSOS: "dinsos", RT1: "rt"}
REVIEWERS = (LURAH, CAMAT, DINSOS)
LINKED_TABLES = ("kriteria", "desil", "nonaktif", "ppks", "usulan-status")
GOOD_REASON = "Verifikasi lapangan untuk usulan bantuan sosial"

SECTION_RE = re.compile(r'<section class="card dash" id="([\w-]+)">(.*?)</section>', re.S)
SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
URL_ATTR_RE = re.compile(r'(?:href|action|src|hx-get|hx-post|hx-put|hx-delete|hx-push-url)="([^"]*)"')


# --- reading pages -------------------------------------------------------------------------------------------------

def cells(fragment: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", fragment, re.S)


def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def dashboard_tables(response) -> dict[str, dict]:
    """table key -> {"columns": [...], "rows": [[cell text, ...]], "links": [href of the last cell or None]}."""
    tables = {}
    for key, body in SECTION_RE.findall(text(response)):
        columns = [plain(c) for c in cells(body.split("<tbody>", 1)[0], "th")]
        rows, links = [], []
        for row in cells(body.split("<tbody>", 1)[1], "tr"):
            tds = cells(row, "td")
            rows.append([plain(c) for c in tds])
            link = re.search(r'<a href="([^"]+)"', tds[-1])
            links.append(html.unescape(link.group(1)) if link else None)
        tables[key] = {"columns": columns, "rows": rows, "links": links}
    return tables


def csv_rows(response) -> list[list[str]]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff"), body[:20]
    return list(csv.reader(io.StringIO(body[1:])))


def count_on(response, what: str) -> int:
    """A count a list page states: "N rumah tangga.", "M orang dengan kategori ini." or "N usulan."."""
    assert response.status_code == 200, response.status_code
    match = re.search(rf"(\d+) {what}\.", visible(response))
    assert match, f"no '{what}.' on the page"
    return int(match.group(1))


def results_block(response) -> str:
    return text(response).split('<div id="results">', 1)[1]


def listed(response, role: str) -> list[int]:
    return [int(i) for i in re.findall(rf'href="/{role}/rumah-tangga/(\d+)"', results_block(response))]


def urls_on(response) -> list[str]:
    return [html.unescape(u) for u in URL_ATTR_RE.findall(text(response))]


def search(visitor, role: str, term: str, page: str = "1"):
    visitor.get(f"/{role}/rumah-tangga")
    return visitor.post(f"/{role}/rumah-tangga", {"q": term, "page": page})


# --- reading and changing the database -----------------------------------------------------------------------------

def area(app, code_or_slug: str, level: str = "kelurahan") -> Area:
    """A detached area by code, or by slug within a level."""
    with app.app_context():
        found = db.session.scalar(select(Area).where(or_(Area.code == code_or_slug, (Area.slug == code_or_slug)
                                                         & (Area.level == level))))
        db.session.expunge(found)
        return found


def user_area(app, username: str) -> Area:
    with app.app_context():
        found = db.session.scalar(select(Area).join(User, User.area_id == Area.id).where(User.username == username))
        db.session.expunge(found)
        return found


def households_in(code: str):
    """Households whose RT lies under the area with this code."""
    return (select(Household).join(Area, Household.area_id == Area.id)
            .where(or_(Area.code == code, Area.code.like(code + ".%"))).order_by(Household.id))


def first_households(app, code: str, count: int, min_members: int = 1) -> list[int]:
    with app.app_context():
        ids = [h.id for h in db.session.scalars(households_in(code)) if len(h.active_members) >= min_members]
    return ids[:count]


def make_nonaktif(app, household_ids: list[int], reasons: list[str]) -> None:
    with app.app_context():
        for household_id, reason in zip(household_ids, reasons, strict=True):
            household = db.session.get(Household, household_id)
            household.status, household.nonaktif_reason = "nonaktif", reason
        db.session.commit()


def members_of(app, household_id: int) -> list[dict]:
    with app.app_context():
        return [{"id": p.id, "nik": p.nik, "name": p.name}
                for p in db.session.get(Household, household_id).active_members]


def audit_events(app, action: str = "nik.lihat") -> list[dict]:
    with app.app_context():
        return [{"actor_id": e.actor_id, "target_type": e.target_type, "target_id": e.target_id, "detail": e.detail}
                for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))]


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


# --- 1. every dashboard number is the count of the list it links to ------------------------------------------------

@pytest.fixture
def busy_api_api(app):
    """Api-Api with every kind of bucket filled: nonaktif households, a household with two people of one
    PPKS category, and PPKS rows that must not count (an inactive category, a person who left)."""
    code = area(app, "api-api").code
    ids = first_households(app, code, 12, min_members=2)
    make_nonaktif(app, ids[5:9], ["meninggal", "pindah", "meninggal", "ditolak_kementerian"])
    with app.app_context():
        first, second = db.session.get(Household, ids[9]).active_members[:2]
        db.session.add_all([PersonPpks(person_id=first.id, category="ODHA"),
                            PersonPpks(person_id=second.id, category="ODHA"),
                            PersonPpks(person_id=db.session.get(Household, ids[10]).active_members[0].id,
                                       category="ODHA", active=False)])
        leaver = db.session.get(Household, ids[11]).active_members[-1]
        db.session.add(PersonPpks(person_id=leaver.id, category="ODHA"))
        leaver.active = False
        db.session.commit()
    return code


@pytest.mark.parametrize("username, wilayah", [(LURAH, None), (CAMAT, None), (DINSOS, None),
                                               (DINSOS, "api-api"), (CAMAT, "api-api")])
def test_every_dashboard_number_is_the_count_of_the_list_it_links_to(app, login, busy_api_api, username, wilayah):
    visitor, role = login(username), ROLE_OF[username]
    query = f"?wilayah={area(app, wilayah).id}" if wilayah else ""
    tables = dashboard_tables(visitor.get(f"/{role}/dasbor{query}"))
    nonzero = 0
    for key in LINKED_TABLES:
        table = tables[key]
        assert len(table["rows"]) == len(table["links"]) and table["rows"], key
        for row, link in zip(table["rows"], table["links"], strict=True):
            assert link and link.startswith(f"/{role}/"), (key, row, link)
            if wilayah:
                assert f"wilayah={area(app, wilayah).id}" in link
            shown = int(row[-1])
            nonzero += shown > 0
            target = visitor.get(link)
            if key == "usulan-status":
                assert count_on(target, "usulan") == shown, (key, row, link)
            elif key == "ppks":
                assert count_on(target, "orang dengan kategori ini") == shown, (key, row, link)
                assert count_on(target, "rumah tangga") <= shown
            else:
                assert count_on(target, "rumah tangga") == shown, (key, row, link)
    assert nonzero >= 10  # the check covered real buckets, not only zeros
    # The dashboard's own parts agree: active households by criteria add up to the active list.
    active = sum(int(r[-1]) for r in tables["kriteria"]["rows"])
    everything = visitor.get(f"/{role}/rumah-tangga?status=aktif" + (query.replace("?", "&") if query else ""))
    assert count_on(everything, "rumah tangga") == active


@pytest.mark.parametrize("username", REVIEWERS)
def test_csv_has_the_same_numbers_as_the_table(app, login, busy_api_api, username):
    visitor, role = login(username), ROLE_OF[username]
    tables = dashboard_tables(visitor.get(f"/{role}/dasbor"))
    assert set(LINKED_TABLES) < set(tables)
    for key, table in tables.items():
        response = visitor.get(f"/{role}/dasbor/{key}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        header, *rows = csv_rows(response)
        assert header == table["columns"], key
        assert rows == table["rows"], key


def test_odha_counts_people_not_households_and_skips_inactive_rows(app, login, busy_api_api):
    """Two members of one household with the category count as 2; an ended category or a person who left, 0."""
    visitor = login(LURAH)
    row = next(r for r in dashboard_tables(visitor.get("/kelurahan/dasbor"))["ppks"]["rows"]
               if r[0] == categories()["ODHA"].name)
    assert row[-1] == "2"
    listing = visitor.get("/kelurahan/rumah-tangga?ppks=ODHA")
    assert count_on(listing, "rumah tangga") == 1 and count_on(listing, "orang dengan kategori ini") == 2


# --- 2. an independent count in the database -----------------------------------------------------------------------

def database_counts(app, code: str) -> dict[str, dict[str, int]]:
    """The linked tables' numbers for the area with this code, straight from the tables (label -> count)."""
    with app.app_context():
        ids = select(Household.id).join(Area, Household.area_id == Area.id).where(Area.code.like(code + ".%"))
        rts = select(Area.id).where(Area.code.like(code + ".%"))
        in_area = Household.id.in_(ids)
        kriteria = dict(db.session.execute(select(Household.criteria_met, func.count())
                                           .where(in_area, Household.status != "nonaktif")
                                           .group_by(Household.criteria_met)).all())
        run_id = db.session.scalar(select(func.max(RankingRun.id)))
        desil = dict(db.session.execute(select(HouseholdRank.desil, func.count())
                                        .where(HouseholdRank.run_id == run_id, HouseholdRank.household_id.in_(ids))
                                        .group_by(HouseholdRank.desil)).all())
        nonaktif = dict(db.session.execute(select(Household.nonaktif_reason, func.count())
                                           .where(in_area, Household.status == "nonaktif")
                                           .group_by(Household.nonaktif_reason)).all())
        ppks = dict(db.session.execute(
            select(PersonPpks.category, func.count(func.distinct(Person.id)))
            .join(Person, PersonPpks.person_id == Person.id)
            .where(Person.household_id.in_(ids), Person.active, PersonPpks.active)
            .group_by(PersonPpks.category)).all())
        usulan = dict(db.session.execute(select(Proposal.status, func.count())
                                         .where(Proposal.area_id.in_(rts), Proposal.status != State.DRAF.value)
                                         .group_by(Proposal.status)).all())
    return {
        "kriteria": {f"{n} dari 14": kriteria.get(n, 0) for n in range(15)},
        "desil": {f"Desil {d}": desil.get(d, 0) for d in range(1, 11)},
        "nonaktif": {label: nonaktif.get(reason, 0) for reason, label in STATUS_REASONS.items()},
        "ppks": {c.name: ppks.get(code_, 0) for code_, c in categories().items()},
        "usulan-status": {label: usulan.get(s.value, 0) for s, label in STATE_LABELS.items() if s != State.DRAF},
    }


def test_kelurahan_dashboard_matches_an_independent_count_in_the_database(app, login, busy_api_api):
    expected = database_counts(app, busy_api_api)
    visitor = login(LURAH)
    for key in LINKED_TABLES:
        _, *rows = csv_rows(visitor.get(f"/kelurahan/dasbor/{key}.csv"))
        assert {r[0]: int(r[-1]) for r in rows} == expected[key], key
    assert sum(expected["nonaktif"].values()) == 4 and expected["ppks"][categories()["ODHA"].name] == 2
    assert sum(expected["desil"].values()) == 60 and sum(expected["usulan-status"].values()) >= 3


# --- 3. no number crosses an area boundary -------------------------------------------------------------------------

def fourteen_counts(login) -> dict[str, int]:
    """The "14 dari 14" bucket on each dashboard, from the HTML and from the CSV (they must agree)."""
    counts = {}
    for username in (DINSOS, CAMAT_BARAT, LURAH_KANAAN, CAMAT, LURAH):
        visitor, role = login(username), ROLE_OF[username]
        html_row = dashboard_tables(visitor.get(f"/{role}/dasbor"))["kriteria"]["rows"][14]
        csv_row = csv_rows(visitor.get(f"/{role}/dasbor/kriteria.csv"))[15]
        assert html_row == csv_row and html_row[0] == "14 dari 14"
        counts[username] = int(html_row[1])
    return counts


def test_a_kanaan_household_is_counted_for_dinsos_and_its_kecamatan_only(app, login):
    kanaan = area(app, "kanaan")
    target = first_households(app, kanaan.code, 1)[0]
    with app.app_context():
        for household in db.session.scalars(select(Household).where(Household.criteria_met == 14)):
            household.criteria_met = 13  # so the Kanaan household is the only one
        db.session.get(Household, target).criteria_met = 14
        db.session.commit()
    assert fourteen_counts(login) == {DINSOS: 1, CAMAT_BARAT: 1, LURAH_KANAAN: 1, CAMAT: 0, LURAH: 0}
    assert listed(login(DINSOS).get("/dinsos/rumah-tangga?status=aktif&kriteria=14"), "dinsos") == [target]
    for username in (CAMAT, LURAH):
        role = ROLE_OF[username]
        response = login(username).get(f"/{role}/rumah-tangga?status=aktif&kriteria=14")
        assert count_on(response, "rumah tangga") == 0 and listed(response, role) == []


def test_a_kanaan_ppks_person_is_not_in_api_api_or_bontang_utara(app, login):
    kanaan = area(app, "kanaan")
    with app.app_context():
        assert not db.session.scalar(select(func.count()).select_from(PersonPpks).where(PersonPpks.category == "KAT"))
        person = db.session.get(Household, first_households(app, kanaan.code, 1)[0]).active_members[0]
        db.session.add(PersonPpks(person_id=person.id, category="KAT"))
        db.session.commit()
    label = categories()["KAT"].name
    for username, expected in ((DINSOS, 1), (CAMAT_BARAT, 1), (LURAH_KANAAN, 1), (CAMAT, 0), (LURAH, 0)):
        visitor, role = login(username), ROLE_OF[username]
        header, *rows = csv_rows(visitor.get(f"/{role}/dasbor/ppks.csv"))
        assert ("Kanaan" in header) == (username in (DINSOS, CAMAT_BARAT, LURAH_KANAAN)), (username, header)
        assert int(next(r for r in rows if r[0] == label)[-1]) == expected, username
        assert count_on(visitor.get(f"/{role}/rumah-tangga?ppks=KAT"), "orang dengan kategori ini") == expected


@pytest.mark.parametrize("username, outside", [(LURAH, "kanaan"), (LURAH, "bontang-kuala"), (CAMAT, "kanaan"),
                                               (CAMAT, "64.74.03"), (LURAH, "64.74.01"), (LURAH, "999999")])
def test_an_area_outside_the_users_area_is_404_everywhere(app, login, username, outside):
    visitor, role = login(username), ROLE_OF[username]
    area_id = outside if outside.isdigit() else area(app, outside).id
    for url in (f"/{role}/dasbor?wilayah={area_id}", f"/{role}/dasbor/kriteria.csv?wilayah={area_id}",
                f"/{role}/dasbor/ppks.csv?wilayah={area_id}", f"/{role}/rumah-tangga?wilayah={area_id}",
                f"/{role}/usulan?wilayah={area_id}"):
        assert visitor.get(url).status_code == 404, url


def test_the_area_choice_offers_only_areas_inside(app, login):
    page = text(login(CAMAT).get("/kecamatan/dasbor"))
    choice = page.split('<select id="wilayah"', 1)[1].split("</select>", 1)[0]
    assert "Api-Api" in choice and "Bontang Kuala" in choice
    assert "Kanaan" not in choice and "Tanjung Laut" not in choice


def test_an_rt_is_not_a_dashboard_area(app, login):
    rt = user_area(app, RT1)
    assert login(LURAH).get(f"/kelurahan/dasbor?wilayah={rt.id}").status_code == 404


# --- 4. CSV files --------------------------------------------------------------------------------------------------

def test_csv_is_an_excel_friendly_attachment(app, login):
    visitor = login(CAMAT)
    kel = area(app, "api-api")
    response = visitor.get(f"/kecamatan/dasbor/kriteria.csv?wilayah={kel.id}&dari=2026-01-01&sampai=2026-03-31")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data().startswith(b"\xef\xbb\xbf")
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="kriteria-{kel.slug}-20260101-20260331.csv"'
    header, *rows = csv_rows(response)
    assert header == ["Kriteria terpenuhi", "Rumah tangga"] and len(rows) == 15


@pytest.mark.parametrize("name", ["nope", "aktivitas-kelurahan", "..%2Fconfig", "KRITERIA"])
def test_an_unknown_csv_is_404(app, login, name):
    """The kelurahan dashboard's activity is per RT, so its per-kelurahan CSV does not exist either."""
    assert login(LURAH).get(f"/kelurahan/dasbor/{name}.csv").status_code == 404


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("Api-Api", "Api-Api"), ("", ""),
    (0, 0), (-1, -1), (3.5, 3.5), (None, None),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected
    assert type(safe_cell(value)) is type(expected)


def test_a_formula_in_an_area_name_is_defused_in_the_csv(app, login):
    rt = user_area(app, RT1)
    with app.app_context():
        db.session.get(Area, rt.id).name = "=HYPERLINK(\"http://evil\")"
        db.session.commit()
    visitor = login(LURAH)
    _, *rows = csv_rows(visitor.get("/kelurahan/dasbor/aktivitas-rt.csv"))
    labels = [r[0] for r in rows]
    assert any(label.startswith("'=HYPERLINK") for label in labels), labels
    assert not [label for label in labels if label.startswith(("=", "+", "-", "@", "\t", "\r"))]
    page = visitor.get("/kelurahan/dasbor")
    assert page.status_code == 200 and '=HYPERLINK("http://evil")' in visible(page)


# --- 5. bad filters fall back, never fail --------------------------------------------------------------------------

def test_an_unreadable_date_falls_back_with_a_message(app, login):
    visitor = login(LURAH)
    response = visitor.get("/kelurahan/dasbor?dari=garbage&sampai=2026-13-45")
    assert response.status_code == 200
    year = clock.today().year
    assert f"Tanggal “garbage” tidak dikenali; dipakai 01-01-{year}." in visible(response)
    assert "Tanggal “2026-13-45” tidak dikenali" in visible(response)
    assert visitor.get("/kelurahan/dasbor/kriteria.csv?dari=garbage").status_code == 200


def test_dates_in_the_wrong_order_are_swapped(app, login):
    visitor = login(DINSOS)
    response = visitor.get("/dinsos/dasbor?dari=2026-03-31&sampai=2026-01-01")
    assert response.status_code == 200
    assert "Tanggal awal sesudah tanggal akhir; keduanya ditukar." in visible(response)
    assert 'name="dari" value="2026-01-01"' in text(response) and 'name="sampai" value="2026-03-31"' in text(response)
    csv_response = visitor.get("/dinsos/dasbor/tenggat.csv?dari=2026-03-31&sampai=2026-01-01")
    assert 'filename="tenggat-semua-20260101-20260331.csv"' in csv_response.headers["Content-Disposition"]


@pytest.mark.parametrize("query", ["sampai=9999-12-31", "dari=0001-01-01"])
def test_extreme_dates_are_not_a_server_error(app, login, query):
    visitor = login(LURAH)
    response = visitor.get(f"/kelurahan/dasbor?{query}")
    assert response.status_code == 200 and "di luar jangkauan" in text(response)
    assert visitor.get(f"/kelurahan/dasbor/aktivitas-rt.csv?{query}").status_code == 200


@pytest.mark.parametrize("query", ["kriteria=99", "kriteria=-1", "kriteria=%D9%A1", "desil=0", "desil=11",
                                   "ppks=XXX", "ppks=", "status=foo", "alasan=bosan", "wilayah=abc",
                                   "kriteria=99&desil=0&ppks=XXX&status=foo&alasan=x&page=-3"])
def test_unknown_list_filters_are_ignored(app, login, query):
    visitor = login(LURAH)
    everything = count_on(visitor.get("/kelurahan/rumah-tangga"), "rumah tangga")
    response = visitor.get(f"/kelurahan/rumah-tangga?{query}")
    assert count_on(response, "rumah tangga") == everything == 60
    assert "orang dengan kategori ini" not in visible(response)


@pytest.mark.parametrize("query", ["wilayah=abc", "wilayah=" + "9" * 30, "wilayah=-1", "wilayah=%C2%B2"])
def test_a_malformed_dashboard_area_is_404_not_500(app, login, query):
    assert login(DINSOS).get(f"/dinsos/dasbor?{query}").status_code == 404


# --- 6. the period filter ------------------------------------------------------------------------------------------

def activity_total(visitor, role: str, table: str, query: str = "") -> int:
    return sum(int(r[-1]) for r in dashboard_tables(visitor.get(f"/{role}/dasbor{query}"))[table]["rows"])


@pytest.mark.parametrize("username, table", [(LURAH, "aktivitas-rt"), (CAMAT, "aktivitas-kelurahan"),
                                             (DINSOS, "aktivitas-kelurahan")])
def test_decisions_outside_the_period_are_not_counted(app, login, username, table):
    visitor, role = login(username), ROLE_OF[username]
    assert activity_total(visitor, role, table) > 0  # this year's seeded decisions
    assert activity_total(visitor, role, table, "?dari=2020-01-01&sampai=2020-12-31") == 0
    tenggat = dashboard_tables(visitor.get(f"/{role}/dasbor?dari=2020-01-01&sampai=2020-12-31"))["tenggat"]
    assert [r[-1] for r in tenggat["rows"]] == ["–", "–", "–"]


def test_period_days_are_bontang_days(app, login):
    """A period is whole days in WITA (UTC+8): a decision at 16:30 UTC belongs to the next day."""
    code = area(app, "api-api").code
    with app.app_context():
        submitted = db.session.scalars(
            select(Decision).join(Proposal, Decision.proposal_id == Proposal.id).join(Area, Proposal.area_id == Area.id)
            .where(Area.code.like(code + ".%"), Decision.action == "ajukan").order_by(Decision.id)).all()
        assert len(submitted) >= 3
        submitted[0].at = datetime(2020, 6, 15, 4, 0, tzinfo=UTC)      # 15 June WITA: in
        submitted[1].at = datetime(2020, 5, 31, 16, 30, tzinfo=UTC)    # 1 June 00.30 WITA: in
        submitted[2].at = datetime(2020, 6, 30, 16, 30, tzinfo=UTC)    # 1 July 00.30 WITA: out
        db.session.commit()
    visitor = login(LURAH)
    rows = dashboard_tables(visitor.get("/kelurahan/dasbor?dari=2020-06-01&sampai=2020-06-30"))["aktivitas-rt"]["rows"]
    assert sum(int(r[1]) for r in rows) == 2  # "Diajukan RT"
    july = dashboard_tables(visitor.get("/kelurahan/dasbor?dari=2020-07-01&sampai=2020-07-01"))["aktivitas-rt"]
    assert sum(int(r[1]) for r in july["rows"]) == 1


# --- 7. search -----------------------------------------------------------------------------------------------------

@pytest.fixture
def accented(app):
    """An Api-Api member named "Siti Ñurhayati Zzyx" and a Kanaan member named "Rahmat Qqwert"."""
    api_api, kanaan = area(app, "api-api").code, area(app, "kanaan").code
    target, other = first_households(app, api_api, 8, 2)[7], first_households(app, kanaan, 1, 2)[0]
    with app.app_context():
        db.session.get(Household, target).active_members[1].name = "Siti Ñurhayati Zzyx"
        db.session.get(Household, other).active_members[0].name = "Rahmat Qqwert"
        db.session.commit()
    return {"target": target, "kanaan": other, "api_api": api_api}


def expected_name_matches(app, code: str, term: str) -> set[int]:
    word = search_name(term)
    with app.app_context():
        return {h.id for h in db.session.scalars(households_in(code))
                if any(w.startswith(word) for p in h.active_members for w in search_name(p.name).split())}


def assert_private(response, term: str) -> None:
    """No full number in the results, and the term in no URL of the page."""
    assert not SIXTEEN_DIGITS.search(results_block(response))
    leaked = [u for u in urls_on(response) if term.casefold() in html.unescape(u).casefold() or "q=" in u]
    assert not leaked, leaked


@pytest.mark.parametrize("username", REVIEWERS)
@pytest.mark.parametrize("term", ["nurh", "ÑURH", "zzyx", "ZZÝX"])
def test_name_search_folds_case_and_accents(app, login, accented, username, term):
    role, visitor = ROLE_OF[username], login(username)
    scope = user_area(app, username).code
    expected = expected_name_matches(app, scope, term)
    assert accented["target"] in expected
    response = search(visitor, role, term)
    assert response.status_code == 200
    assert count_on(response, "rumah tangga cocok dengan pencarian") == len(expected)
    shown = listed(response, role)
    assert accented["target"] in shown or len(expected) > 25
    assert set(shown) <= expected and len(shown) == min(25, len(expected))
    assert_private(response, term)
    if term.casefold().startswith("zz"):
        assert shown == [accented["target"]]


@pytest.mark.parametrize("username", REVIEWERS)
@pytest.mark.parametrize("how", ["nik", "no_kk"])
def test_a_full_number_finds_exactly_that_household(app, login, accented, username, how):
    role, visitor = ROLE_OF[username], login(username)
    target = accented["target"]
    with app.app_context():
        household = db.session.get(Household, target)
        number = household.no_kk if how == "no_kk" else household.active_members[-1].nik
    response = search(visitor, role, number)
    assert listed(response, role) == [target]
    assert count_on(response, "rumah tangga cocok dengan pencarian") == 1
    assert mask(number) in results_block(response) or how == "nik"
    assert_private(response, number)


@pytest.mark.parametrize("username, finds", [(DINSOS, True), (CAMAT_BARAT, True), (LURAH_KANAAN, True),
                                             (CAMAT, False), (LURAH, False)])
@pytest.mark.parametrize("how", ["nik", "no_kk", "name"])
def test_search_never_finds_a_household_of_another_area(app, login, accented, username, finds, how):
    role, visitor = ROLE_OF[username], login(username)
    other = accented["kanaan"]
    with app.app_context():
        household = db.session.get(Household, other)
        term = {"nik": household.active_members[0].nik, "no_kk": household.no_kk, "name": "qqwert"}[how]
    response = search(visitor, role, term)
    assert response.status_code == 200
    assert listed(response, role) == ([other] if finds else [])
    assert count_on(response, "rumah tangga cocok dengan pencarian") == (1 if finds else 0)


def test_search_results_page_by_post(app, login):
    add_households(app, RT1, 30, family="Zulkarnain")
    visitor = login(LURAH)
    first = search(visitor, "kelurahan", "zulkarnain")
    assert count_on(first, "rumah tangga cocok dengan pencarian") == 30 and "Halaman 1 dari 2" in text(first)
    second = search(visitor, "kelurahan", "zulkarnain", page="2")
    assert "Halaman 2 dari 2" in text(second)
    assert len(listed(first, "kelurahan")) == 25 and len(listed(second, "kelurahan")) == 5
    assert not set(listed(first, "kelurahan")) & set(listed(second, "kelurahan"))
    assert_private(first, "zulkarnain")


# --- 8. "Lihat NIK lengkap" ----------------------------------------------------------------------------------------

@pytest.fixture
def family(app):
    """A household of Api-Api with at least three members."""
    household_id = first_households(app, area(app, "api-api").code, 1, min_members=3)[0]
    return household_id, members_of(app, household_id)


def reveal(visitor, url: str, person_id: int, reason: str):
    visitor.get(url)
    return visitor.post(url, {"person_id": str(person_id), "reason": reason})


@pytest.mark.parametrize("username", REVIEWERS)
def test_the_household_page_shows_no_full_number(app, login, family, username):
    household_id, members = family
    role = ROLE_OF[username]
    response = login(username).get(f"/{role}/rumah-tangga/{household_id}")
    assert response.status_code == 200
    assert not SIXTEEN_DIGITS.search(text(response))
    for m in members:
        assert mask(m["nik"]) in text(response)


@pytest.mark.parametrize("reason", ["pendek", "  ", "123456789", ""])
def test_a_short_reason_reveals_nothing_and_records_nothing(app, login, family, reason):
    household_id, members = family
    url = f"/kelurahan/rumah-tangga/{household_id}"
    response = reveal(login(LURAH), url, members[0]["id"], reason)
    assert response.status_code == 422
    assert not SIXTEEN_DIGITS.search(text(response))
    assert audit_events(app) == []


@pytest.mark.parametrize("username", REVIEWERS)
def test_a_good_reason_reveals_one_nik_and_is_audited(app, login, family, username):
    household_id, members = family
    role, visitor = ROLE_OF[username], login(username)
    url = f"/{role}/rumah-tangga/{household_id}"
    chosen, others = members[1], [m for m in members if m["id"] != members[1]["id"]]
    response = reveal(visitor, url, chosen["id"], f"  {GOOD_REASON}  ")
    assert response.status_code == 200
    assert response.request.path == url and not response.request.query_string
    page = text(response)
    assert page.count(chosen["nik"]) == 1 and SIXTEEN_DIGITS.findall(page) == [chosen["nik"]]
    for m in others:
        assert m["nik"] not in page and mask(m["nik"]) in page
    assert not [u for u in urls_on(response) if chosen["nik"] in u]
    assert audit_events(app) == [{"actor_id": user_id(app, username), "target_type": "Person",
                                  "target_id": chosen["id"],
                                  "detail": {"household_id": household_id, "reason": GOOD_REASON}}]
    # The NIK is shown in that response only: the page opened again is masked.
    assert not SIXTEEN_DIGITS.search(text(visitor.get(url)))


def test_a_person_of_another_household_is_refused_and_not_audited(app, login, family):
    household_id, _ = family
    elsewhere = first_households(app, area(app, "api-api").code, 3, min_members=2)
    stranger = members_of(app, next(h for h in elsewhere if h != household_id))[0]
    response = reveal(login(LURAH), f"/kelurahan/rumah-tangga/{household_id}", stranger["id"], GOOD_REASON)
    assert response.status_code == 422
    assert "Anggota tidak ditemukan di rumah tangga ini." in visible(response)
    assert stranger["nik"] not in text(response) and not SIXTEEN_DIGITS.search(text(response))
    assert audit_events(app) == []


@pytest.mark.parametrize("person_id", ["", "abc", "999999999", "-1"])
def test_a_bogus_person_id_is_refused_and_not_audited(app, login, family, person_id):
    household_id, _ = family
    visitor = login(LURAH)
    url = f"/kelurahan/rumah-tangga/{household_id}"
    visitor.get(url)
    response = visitor.post(url, {"person_id": person_id, "reason": GOOD_REASON})
    assert response.status_code == 422 and not SIXTEEN_DIGITS.search(text(response))
    assert audit_events(app) == []


def test_a_household_of_another_area_cannot_be_revealed(app, login):
    other = first_households(app, area(app, "kanaan").code, 1, min_members=1)[0]
    person = members_of(app, other)[0]
    response = reveal(login(LURAH), f"/kelurahan/rumah-tangga/{other}", person["id"], GOOD_REASON)
    assert response.status_code == 404 and person["nik"] not in text(response)
    assert audit_events(app) == []


def test_a_reason_padded_with_spaces_is_still_too_short(app, login, family):
    household_id, members = family
    response = reveal(login(LURAH), f"/kelurahan/rumah-tangga/{household_id}", members[0]["id"], "x" + " " * 12)
    assert response.status_code == 422
    assert audit_events(app) == []


# --- 9. the ranking explanation ------------------------------------------------------------------------------------

FLIPS = {  # criterion -> (answer that meets it, answer that does not)
    "jenis_lantai": ("floor_type", "tanah", "keramik"),
    "frekuensi_makan": ("meals_per_day", 2, 3),
    "konsumsi_daging": ("meat_per_week", 1, 3),
    "pakaian_baru": ("clothes_per_year", 1, 3),
    "biaya_berobat": ("can_pay_clinic", False, True),
}


def assessment_of(household: Household):
    return assess(conditions_from(registry.household_content(household)))


def rank_rows(app, run_id: int) -> list[tuple]:
    with app.app_context():
        columns = HouseholdRank.__table__.columns
        return [tuple(r) for r in db.session.execute(select(*columns).where(HouseholdRank.run_id == run_id)
                                                     .order_by(HouseholdRank.household_id))]


def explanation(visitor, role: str, household_id: int):
    response = visitor.get(f"/{role}/rumah-tangga/{household_id}/peringkat")
    assert response.status_code == 200
    return visible(response)


def standing(app, household_id: int) -> dict:
    with app.app_context():
        run = ranking.latest_run()
        row = db.session.get(HouseholdRank, (run.id, household_id))
        household = db.session.get(Household, household_id)
        return {"run": run.id, "criteria_met": household.criteria_met, "rank_kelurahan": row.rank_kelurahan,
                "row_criteria": row.criteria_met, "fakir": household.fakir_miskin}


@pytest.fixture
def ranked(app):
    """An RT 001 Api-Api household (not fakir miskin) where one of FLIPS is met and two are not."""
    rt = user_area(app, RT1)
    with app.app_context():
        for household in db.session.scalars(select(Household).where(Household.area_id == rt.id)
                                            .order_by(Household.id)):
            met = {r.code for r in assessment_of(household).results if r.met}
            if household.fakir_miskin or household.status == "nonaktif":
                continue
            if len(set(FLIPS) & met) >= 1 and len(set(FLIPS) - met) >= 2:
                return household.id
    pytest.fail("no suitable household in the demo data")


@pytest.mark.parametrize("username", [RT1, LURAH])
def test_the_explanation_states_the_indicative_rank_and_rules(app, login, ranked, username):
    now = standing(app, ranked)
    assert now["criteria_met"] == now["row_criteria"]
    page = explanation(login(username), ROLE_OF[username], ranked)
    assert "indikatif lokal" in page.casefold()
    assert f"memenuhi {now['criteria_met']} dari 14 kriteria" in page
    assert f"ke-{now['rank_kelurahan']} dari" in page and "Kelurahan Api-Api" in page
    assert "peringkat-2026.1" in page
    assert "Ini perhitungan pertama untuk rumah tangga ini." in page


def test_the_explanation_of_another_area_is_404(app, login, ranked):
    assert login(LURAH_KANAAN).get(f"/kelurahan/rumah-tangga/{ranked}/peringkat").status_code == 404
    assert login("rt.api-api.002").get(f"/rt/rumah-tangga/{ranked}/peringkat").status_code == 404


def test_after_a_recompute_the_explanation_lists_what_changed(app, login, ranked):
    first_run = standing(app, ranked)["run"]
    run_one = rank_rows(app, first_run)
    with app.app_context():
        household = db.session.get(Household, ranked)
        before = {r.code: r for r in assessment_of(household).results}
        met_before, count_before = {c for c, r in before.items() if r.met}, household.criteria_met
        lose = next(c for c in FLIPS if c in met_before)
        gain = [c for c in FLIPS if c not in met_before][:2]
        answers = dict(household.conditions)
        answers[FLIPS[lose][0]] = FLIPS[lose][2]
        for code_ in gain:
            answers[FLIPS[code_][0]] = FLIPS[code_][1]
        household.conditions = answers
        registry.refresh_assessment(household)
        db.session.commit()
        count_after = household.criteria_met
    assert count_after == count_before + 1
    rt, lurah = login(RT1), login(LURAH)
    assert "Data rumah tangga ini berubah sesudah perhitungan tersebut." in explanation(rt, "rt", ranked)

    dinsos = login(DINSOS)
    dinsos.get("/dinsos/dasbor")
    assert dinsos.post("/dinsos/peringkat").status_code == 303
    now = standing(app, ranked)
    assert now["run"] > first_run and now["row_criteria"] == count_after
    for visitor, role in ((rt, "rt"), (lurah, "kelurahan")):
        page = explanation(visitor, role, ranked)
        assert f"Tidak lagi terpenuhi: {before[lose].label}." in page
        for code_ in gain:
            assert f"Sekarang terpenuhi: {before[code_].label}." in page
        assert f"Jumlah kriteria berubah dari {count_before} menjadi {count_after}." in page
        assert f"memenuhi {count_after} dari 14 kriteria" in page and f"ke-{now['rank_kelurahan']} dari" in page
        assert "Data rumah tangga ini berubah" not in page
    assert rank_rows(app, first_run) == run_one  # the earlier run is never rewritten
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "ranking.recompute")) == 1


# --- 10. query counts do not grow with rows ------------------------------------------------------------------------

@pytest.mark.parametrize("username", REVIEWERS)
def test_dashboard_and_list_query_counts_do_not_grow_with_households(app, login, username):
    role, visitor = ROLE_OF[username], login(username)
    rt = user_area(app, RT1)
    urls = (f"/{role}/dasbor", f"/{role}/rumah-tangga", f"/{role}/rumah-tangga?wilayah={rt.id}",
            f"/{role}/rumah-tangga?wilayah={rt.id}&page=3")
    for url in urls:
        visitor.get(url)  # warm up (session touch, caches)
    before = {url: get_counting_computed_statements(app, visitor, url) for url in urls}
    add_households(app, RT1, 50)
    with app.app_context():
        ranking.recompute(None)  # the new households get ranks, desil buckets and list links too
        db.session.commit()
    visitor.get(urls[0])  # a slow machine may take over a minute to get here: the session's touch happens now
    after = {url: get_counting_computed_statements(app, visitor, url) for url in urls}
    rt_list = f"/{role}/rumah-tangga?wilayah={rt.id}"
    assert (len(listed(before[rt_list][1], role)), len(listed(after[rt_list][1], role))) == (20, 25)
    assert len(listed(after[rt_list + "&page=3"][1], role)) == 20
    assert {u: n for u, (n, _) in after.items()} == {u: n for u, (n, _) in before.items()}


def test_city_and_kecamatan_activity_per_rt_is_a_csv_not_a_page_table(app, login):
    for username, role in (("dinsos", "dinsos"), ("camat.bontang-utara", "kecamatan")):
        visitor = login(username)
        page = text(visitor.get(f"/{role}/dasbor"))
        assert 'id="aktivitas-kelurahan"' in page and 'id="aktivitas-rt"' not in page
        assert f"/{role}/dasbor/aktivitas-rt.csv" in page
        rows = visitor.get(f"/{role}/dasbor/aktivitas-rt.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
        assert rows[0].startswith("Wilayah,Diajukan RT") and len(rows) > 3
