"""Ketua RT household registry: list, POST search, paging, htmx fragment, household page and its scope."""
import re

import pytest
from sqlalchemy import select

from portal.domain.nik import mask
from portal.domain.ppks import categories
from portal.extensions import db
from portal.models import Household, Person, PersonPpks, Proposal
from portal.services import registry
from tests.integration.rt_wizard import (KANAAN, RT1, RT2, add_households, area_of, flashes, households_of,
                                         listed_households, text, visible)
from tests.pages import get_counting_computed_statements

LIST = "/rt/rumah-tangga"
NO_MATCH = "Tidak ada rumah tangga yang cocok. Cari dengan awal nama, atau No. KK / NIK lengkap 16 digit."
NOT_FOUND = "Halaman tidak ditemukan"
ROW_RE = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)


@pytest.fixture
def rt1(login):
    return login(RT1)


def rows(response) -> dict[int, str]:
    """household id -> the HTML of its row in the list."""
    found = ((re.search(r'href="/rt/rumah-tangga/(\d+)"', row), row) for row in ROW_RE.findall(text(response)))
    return {int(link.group(1)): row for link, row in found if link}


def search(visitor, term: str):
    visitor.get(LIST)
    return visitor.post(LIST, {"q": term})


def assert_term_not_in_any_url(response, term: str) -> None:
    urls = re.findall(r'(?:href|action|hx-post|hx-get|src)="([^"]*)"', text(response))
    assert not [u for u in urls if term.lower() in u.lower() or "q=" in u], urls


def head_of(household: dict) -> dict:
    return next(m for m in household["members"] if m["relation"] == "kepala")


# --- list -------------------------------------------------------------------------------------------------

def test_list_shows_own_rt_only_with_masked_numbers_head_members_criteria_and_status(app, rt1):
    response = rt1.get(LIST)
    assert response.status_code == 200
    page, shown = text(response), rows(response)
    mine = households_of(app, RT1)
    assert len(mine) == 20 and "20 rumah tangga." in page
    assert set(shown) == {h["id"] for h in mine}
    for household in mine:
        row = shown[household["id"]]
        assert head_of(household)["name"] in row
        assert mask(household["no_kk"]) in row
        assert re.search(rf">\s*{len(household['members'])}\s*<", row)  # member count
        assert f"{household['criteria_met']}/14" in row
        assert "Aktif" in row
        # No full 16-digit number of a listed household anywhere on the page.
        assert household["no_kk"] not in page
        assert not [m["nik"] for m in household["members"] if m["nik"] in page]
    assert not re.search(r"\b\d{16}\b", page)
    other = {h["id"] for h in households_of(app, RT2) + households_of(app, KANAAN)}
    assert not other & set(listed_households(response))


def test_list_pages_by_25(app, rt1):
    add_households(app, RT1, 10)
    first = rt1.get(LIST)
    assert "30 rumah tangga." in text(first) and "Halaman 1 dari 2" in text(first)
    assert 'href="/rt/rumah-tangga?page=2"' in text(first)
    second = rt1.get(f"{LIST}?page=2")
    assert len(rows(first)) == 25 and len(rows(second)) == 5
    assert set(rows(first)) | set(rows(second)) == {h["id"] for h in households_of(app, RT1)}
    assert not set(rows(first)) & set(rows(second))


# --- search (POST only) -----------------------------------------------------------------------------------

def test_search_by_the_start_of_a_name_word_is_case_insensitive_and_sent_by_post(app, rt1):
    mine = households_of(app, RT1)
    target = next(h for h in mine if len(h["members"]) >= 2 and len(h["members"][1]["name"].split()) >= 2)
    word = target["members"][1]["name"].split()[1]
    fragment = word[:3].upper()  # the start of a member's second name, other case
    expected = {h["id"] for h in mine
                if any(w.casefold().startswith(fragment.casefold()) for m in h["members"] for w in m["name"].split())}
    response = search(rt1, fragment)
    assert response.status_code == 200
    assert target["id"] in expected and len(expected) < len(mine)
    assert set(listed_households(response)) == expected
    assert f"{len(expected)} rumah tangga cocok dengan pencarian." in text(response)
    assert_term_not_in_any_url(response, fragment)
    # The term in a query string is ignored: search exists only as POST.
    assert len(listed_households(rt1.get(f"{LIST}?q={fragment}"))) == 20


def test_the_middle_of_a_word_is_not_a_name_search(app, rt1):
    words = [w.casefold() for h in households_of(app, RT1) for m in h["members"] for w in m["name"].split()]
    inner = next(w[1:4] for w in words if len(w) >= 4 and not any(v.startswith(w[1:4]) for v in words))
    response = search(rt1, inner)
    assert listed_households(response) == []
    assert NO_MATCH in text(response)


@pytest.mark.parametrize("how", ["no_kk", "nik", "nik_typed_with_spaces"])
def test_search_by_full_number_finds_exactly_that_household(app, rt1, how):
    target = households_of(app, RT1)[5]
    number = target["no_kk"] if how == "no_kk" else target["members"][-1]["nik"]
    term = " ".join(number[i:i + 4] for i in range(0, 16, 4)) if how.endswith("spaces") else number
    response = search(rt1, term)
    assert listed_households(response) == [target["id"]]
    assert "1 rumah tangga cocok dengan pencarian." in text(response)
    assert number not in text(response).split('<div id="results">', 1)[1]  # the result row stays masked
    assert_term_not_in_any_url(response, number)


def test_part_of_a_number_is_not_a_search_by_number(app, rt1):
    target = households_of(app, RT1)[0]
    response = search(rt1, target["members"][0]["nik"][:10])
    assert listed_households(response) == []
    assert NO_MATCH in text(response)


def _unique_name(other: list[dict], mine: list[dict]) -> str:
    names = [m["name"].casefold() for h in mine for m in h["members"]]
    return next(m["name"] for h in other for m in h["members"] if not any(m["name"].casefold() in n for n in names))


@pytest.mark.parametrize("owner", [RT2, KANAAN])
@pytest.mark.parametrize("how", ["nik", "no_kk", "name"])
def test_search_never_finds_another_rts_household(app, login, rt1, owner, how):
    theirs = households_of(app, owner)
    target = theirs[3]
    term = {"nik": target["members"][-1]["nik"], "no_kk": target["no_kk"],
            "name": _unique_name(theirs, households_of(app, RT1))}[how]
    # The term is good: the household's own RT finds it ...
    assert listed_households(search(login(owner), term))
    # ... but RT 001 Api-Api does not, and learns nothing about it.
    response = search(rt1, term)
    assert response.status_code == 200
    assert listed_households(response) == []
    assert NO_MATCH in text(response)


def test_targeted_htmx_search_returns_only_the_results_fragment(app, rt1):
    target = households_of(app, RT1)[2]
    rt1.get(LIST)
    fragment = rt1.post(LIST, {"q": target["no_kk"]}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = text(fragment)
    assert listed_households(fragment) == [target["id"]]
    assert "<table>" in body and "1 rumah tangga cocok" in body
    assert "<html" not in body and 'class="search"' not in body and "<h1>" not in body
    boosted = rt1.post(LIST, {"q": target["no_kk"]}, headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in text(boosted) and listed_households(boosted) == [target["id"]]


def test_search_results_page_by_post_and_keep_the_term_out_of_urls(app, rt1):
    add_households(app, RT1, 30, family="Zulkarnain")
    first = search(rt1, "zulkarnain")
    assert "30 rumah tangga cocok dengan pencarian." in text(first)
    assert len(listed_households(first)) == 25 and "Halaman 1 dari 2" in text(first)
    pager = text(first).split('class="pager"', 1)[1]
    assert 'name="q" value="zulkarnain"' in pager and 'name="page" value="2"' in pager
    assert_term_not_in_any_url(first, "zulkarnain")
    second = rt1.post(LIST, {"q": "zulkarnain", "page": "2"})
    assert len(listed_households(second)) == 5 and "Halaman 2 dari 2" in text(second)
    assert not set(listed_households(first)) & set(listed_households(second))


def test_hostile_search_terms_are_shown_escaped_and_never_fail(app, rt1):
    response = search(rt1, "<script>alert(1)</script>")
    assert response.status_code == 200
    assert "<script>alert(1)" not in text(response)
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in text(response)
    assert search(rt1, "x" * 1000).status_code == 200


def test_like_wildcards_in_a_search_are_literal(app, rt1):
    assert listed_households(search(rt1, "%")) == []
    assert listed_households(search(rt1, "_")) == []


def test_search_with_a_control_character_is_not_a_server_error(app, rt1):
    response = search(rt1, "Kar\x00tika")
    assert response.status_code == 200


# --- household page ---------------------------------------------------------------------------------------

def _open_demo_proposal(app, kind: str) -> Proposal:
    with app.app_context():
        area_id = area_of(app, RT1)["id"]
        proposal = db.session.scalar(select(Proposal).where(Proposal.area_id == area_id, Proposal.kind == kind,
                                                             Proposal.household_id.is_not(None)))
        db.session.expunge(proposal)
        return proposal


def test_household_page_shows_members_criteria_ppks_and_open_proposal(app, rt1):
    proposal = _open_demo_proposal(app, "nonaktif")
    household = next(h for h in households_of(app, RT1) if h["id"] == proposal.household_id)
    with app.app_context():  # give a member a PPKS category to see it labelled
        db.session.add(PersonPpks(person_id=household["members"][0]["id"], category="PD"))
        db.session.commit()
    response = rt1.get(f"/rt/rumah-tangga/{household['id']}")
    page, seen = text(response), visible(response)
    assert f"Anggota ({len(household['members'])} orang)" in seen
    for m in household["members"]:
        assert m["name"] in page and mask(m["nik"]) in page and m["nik"] not in page
    assert mask(household["no_kk"]) in page and household["no_kk"] not in page
    assert f"memenuhi {household['criteria_met']} dari 14 kriteria" in page
    assert categories()["PD"].name in page  # "Penyandang Disabilitas", not the code
    assert "Kepmensos 262" not in page  # has a shelter
    assert f'href="/rt/usulan/{proposal.id}"' in page
    assert f"Usulan yang berjalan: #{proposal.id} NONAKTIF Diajukan · berikutnya: Kelurahan" in seen
    assert 'name="kind"' not in page  # no second proposal can be started from here
    detail = visible(rt1.get(f"/rt/usulan/{proposal.id}"))
    assert "Berikutnya Kelurahan" in detail


def test_household_without_proposal_offers_the_three_kinds(app, rt1):
    with app.app_context():
        busy = set(db.session.scalars(select(Proposal.household_id)))
    household = next(h for h in households_of(app, RT1) if h["id"] not in busy)
    page = text(rt1.get(f"/rt/rumah-tangga/{household['id']}"))
    for kind in ("perbaikan", "nonaktif", "ppks"):
        assert f'name="kind" value="{kind}"' in page
    assert "Belum pernah ada usulan." in page


def test_household_without_shelter_is_fakir_miskin_by_kepmensos_262(app, rt1):
    household_id = households_of(app, RT1)[4]["id"]
    with app.app_context():
        household = db.session.get(Household, household_id)
        household.conditions = {**household.conditions, "has_shelter": False}
        registry.refresh_assessment(household)
        db.session.commit()
    page = visible(rt1.get(f"/rt/rumah-tangga/{household_id}"))
    assert "tidak memiliki tempat tinggal (fakir miskin menurut Kepmensos 262/HUK/2022)" in page
    assert "Fakir miskin (tidak memiliki tempat tinggal, Kepmensos 262/HUK/2022)" in page
    assert "fakir miskin" in rows(rt1.get(LIST))[household_id]


@pytest.mark.parametrize("owner", [RT2, KANAAN])
def test_another_rts_household_is_404_by_direct_url(app, rt1, owner):
    household_id = households_of(app, owner)[5]["id"]
    response = rt1.get(f"/rt/rumah-tangga/{household_id}")
    assert response.status_code == 404 and NOT_FOUND in text(response)
    rt1.get(LIST)
    refused = rt1.post(f"/rt/rumah-tangga/{household_id}/usulan", {"kind": "perbaikan"})
    assert refused.status_code == 404
    with app.app_context():
        assert not db.session.scalar(select(Proposal).where(Proposal.household_id == household_id))


@pytest.mark.parametrize("owner", [RT2, KANAAN])
def test_another_rts_proposal_is_404_by_direct_url(app, login, owner):
    other = login(owner)
    other.get("/rt/usulan/baru")
    pid = int(re.search(r"/usulan/(\d+)/", other.post("/rt/usulan/baru", {}).headers["Location"]).group(1))
    rt1 = login(RT1)
    for url in (f"/rt/usulan/{pid}", f"/rt/usulan/{pid}/langkah/rumah_tangga", f"/rt/usulan/{pid}/lanjut"):
        assert rt1.get(url).status_code == 404
    rt1.get(LIST)
    assert rt1.post(f"/rt/usulan/{pid}/batalkan", {"version": "1"}).status_code == 404


def test_unknown_proposal_kind_from_the_household_page_is_refused(app, rt1):
    household_id = households_of(app, RT1)[6]["id"]
    rt1.get(f"/rt/rumah-tangga/{household_id}")
    response = rt1.post(f"/rt/rumah-tangga/{household_id}/usulan", {"kind": "baru"}, follow_redirects=True)
    assert "Pilih jenis usulan." in flashes(response)


# --- performance ------------------------------------------------------------------------------------------

def _statements_for(app, visitor, url: str) -> tuple[int, int]:
    """(SQL statements run, rows shown) for one GET of `url`."""
    statements, response = get_counting_computed_statements(app, visitor, url)
    return statements, len(rows(response))


def test_household_list_query_count_does_not_grow_with_rows(app, rt1):
    rt1.get(LIST)  # warm up (session touch, caches)
    before, shown_before = _statements_for(app, rt1, LIST)
    add_households(app, RT1, 30)
    after, shown_after = _statements_for(app, rt1, LIST)
    assert (shown_before, shown_after) == (20, 25)
    assert after == before
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Person).join(Household)
                                 .where(Household.area_id == area_of(app, RT1)["id"])) > 50
