"""The reviewer's queue ("Menunggu keputusan Anda"), the home-page counts, the list of all proposals,
batch approval with a stale item, and a decision sent twice."""
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Area
from tests.integration.review_support import (ALREADY_DECIDED_RE, API_API, API_API_RT1, API_API_RT2, KANAAN, LURAH,
                                              LURAH_NAME, QUEUE_ID_RE, REASON, Reviewer, add_users, age, area_id,
                                              batch_results, decisions, demo_proposal, expected_queue, flashes, listed,
                                              planted_proposal, proposal_data, queue_ids, queue_row, queue_total, run,
                                              text, version_in, visible, waiting)

COUNT_RE = re.compile(r'Menunggu keputusan Anda <span class="count">(\d+)</span>')


def home_count(reviewer) -> int | None:
    """The count in the home page's "Menunggu keputusan Anda" box (None when it shows no number)."""
    match = COUNT_RE.search(text(reviewer.get(f"{reviewer.base}/")))
    return int(match.group(1)) if match else None


@pytest.fixture
def lurah(app):
    return Reviewer(app, LURAH)


@pytest.fixture
def demo(app) -> dict:
    """The three submitted demo proposals of RT 001 of Api-Api, by kind."""
    return {kind: demo_proposal(app, kind) for kind in ("baru", "nonaktif", "ppks")}


def test_queue_is_oldest_first_and_filters(app, lurah, demo):
    extra = planted_proposal(app, "rt.api-api.002", API_API_RT2)
    for pid, days in ((demo["nonaktif"], 10), (demo["ppks"], 5), (demo["baru"], 2), (extra, 1)):
        age(app, pid, days)
    rt1, rt2 = run(app, lambda: (area_id(API_API_RT1), area_id(API_API_RT2)))

    page = lurah.queue()
    assert queue_ids(page) == [demo["nonaktif"], demo["ppks"], demo["baru"], extra]
    assert "4 usulan menunggu, yang terlama di atas." in visible(page)
    assert f'<option value="{rt2}">' in text(page)
    expected = {
        (("jenis", "nonaktif"),): [demo["nonaktif"]],
        (("jenis", "baru"),): [demo["baru"], extra],
        (("wilayah", rt2),): [extra],
        (("wilayah", rt1),): [demo["nonaktif"], demo["ppks"], demo["baru"]],
        (("jenis", "baru"), ("wilayah", rt1)): [demo["baru"]],
        (("umur", 3),): [demo["nonaktif"], demo["ppks"]],
        (("umur", 7),): [demo["nonaktif"]],
        (("umur", 14),): [],
    }
    for params, ids in expected.items():
        assert queue_ids(lurah.queue(**dict(params))) == ids, params
    assert "Tidak ada usulan yang menunggu keputusan Anda." in visible(lurah.queue(umur=14))


def test_kecamatan_queue_filters_by_kelurahan(app, lurah):
    def quiet_neighbour():
        """Another kelurahan of Bontang Utara whose BARU waits for it and where nothing waits for the kecamatan."""
        for kel in db.session.scalars(select(Area).where(Area.parent.has(code="64.74.01")).order_by(Area.code)):
            if kel.code != API_API and demo_proposal(app, "baru", kel.code) and not expected_queue(
                    app, "camat.bontang-utara", within=kel.code):
                return kel.id, kel.code, kel.slug
    other_id, other_code, other_slug = run(app, quiet_neighbour)
    mine, theirs = demo_proposal(app, "baru"), demo_proposal(app, "baru", other_code)
    lurah.approve(mine)
    Reviewer(app, f"lurah.{other_slug}").approve(theirs)
    age(app, theirs, 3)

    camat = Reviewer(app, "camat.bontang-utara")
    everything = queue_ids(camat.queue())
    assert everything == expected_queue(app, camat.username)
    assert everything.index(theirs) < everything.index(mine)
    assert queue_ids(camat.queue(wilayah=run(app, lambda: area_id(API_API)))) == [mine]
    assert queue_ids(camat.queue(wilayah=other_id)) == [theirs]
    assert mine not in queue_ids(camat.queue(jenis="nonaktif"))


def test_overdue_items_are_marked(app, lurah, demo):
    days = app.config["OVERDUE_DAYS"]["kelurahan"]
    age(app, demo["nonaktif"], days + 1)
    age(app, demo["ppks"], days - 1)

    page = lurah.queue()
    overdue = queue_row(page, demo["nonaktif"])
    assert "lewat batas" in overdue and 'class="overdue"' in overdue
    for pid in (demo["ppks"], demo["baru"]):
        assert "lewat batas" not in queue_row(page, pid) and "overdue" not in queue_row(page, pid)


def test_home_counts_match_the_queue(app, lurah, demo):
    age(app, demo["nonaktif"], app.config["OVERDUE_DAYS"]["kelurahan"] + 1)
    home = lurah.get("/kelurahan/")
    assert home_count(lurah) == queue_total(lurah.queue()) == len(waiting(app)) == 3
    assert "1 lewat batas" in visible(home)
    assert all(listed(home, pid) for pid in demo.values())

    lurah.approve(demo["baru"])
    assert home_count(lurah) == queue_total(lurah.queue()) == 2
    for reviewer in (Reviewer(app, "camat.bontang-utara"), Reviewer(app, "dinsos")):
        assert home_count(reviewer) == queue_total(reviewer.queue()) == len(expected_queue(app, reviewer.username))


def test_a_targeted_htmx_request_gets_only_the_results(lurah, demo):
    full = text(lurah.queue(jenis="baru"))
    assert "<h1>Menunggu keputusan Anda</h1>" in full and '<div id="results">' in full

    fragment = lurah.get("/kelurahan/antrian", query_string={"jenis": "baru"},
                         headers={"HX-Request": "true", "HX-Target": "results"})
    body = text(fragment)
    assert fragment.status_code == 200
    assert "<html" not in body.lower() and "<h1>" not in body and 'id="results"' not in body
    assert 'class="filters"' not in body
    assert "1 usulan menunggu" in visible(fragment) and queue_ids(fragment) == [demo["baru"]]

    boosted = lurah.get("/kelurahan/antrian", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<h1>Menunggu keputusan Anda</h1>" in text(boosted)


def test_all_proposals_list_filters_by_status_and_tells_who_acts_next(lurah, demo):
    lurah.approve(demo["baru"])
    assert lurah.listed_ids(status="diverifikasi_kelurahan") == {demo["baru"]}
    assert lurah.listed_ids(status="diajukan") == {demo["nonaktif"], demo["ppks"]}
    assert lurah.listed_ids() == {demo["baru"], demo["nonaktif"], demo["ppks"]}
    page = visible(lurah.get("/kelurahan/usulan", query_string={"status": "diverifikasi_kelurahan"}))
    assert "Diverifikasi kelurahan Berikutnya: Kecamatan" in page


def test_batch_approval_with_one_stale_item(app, lurah, demo):
    versions = {int(i): v for i, v in re.findall(r'name="ids" value="(\d+):(\d+)"', text(lurah.queue()))}
    assert set(versions) == set(demo.values())
    # While the lurah's queue page is open, a colleague returns one of the proposals.
    colleague = Reviewer(app, add_users(app, "kelurahan", API_API, 1, "lurah.rekan")[0])
    assert colleague.decide(demo["ppks"], "kembalikan", REASON).status_code == 303
    returned = proposal_data(app, demo["ppks"])

    response = lurah.batch([(pid, versions[pid]) for pid in (demo["baru"], demo["ppks"], demo["nonaktif"])])
    assert response.status_code == 200
    results = batch_results(response)
    assert results[demo["baru"]] == results[demo["nonaktif"]] == (True, "Disetujui.")
    ok, message = results[demo["ppks"]]
    match = ALREADY_DECIDED_RE.fullmatch(message)
    assert not ok and match, message
    assert (match.group(1), match.group(2), match.group(4)) == (
        "Petugas Uji lurah.rekan 01", "Kelurahan", "Dikembalikan untuk diperbaiki")

    for pid in (demo["baru"], demo["nonaktif"]):
        data = proposal_data(app, pid)
        assert data["status"] == "diverifikasi_kelurahan"
        mine = [d for d in decisions(app, pid) if d["action"] == "setujui"]
        assert len(mine) == 1 and mine[0]["user"] == LURAH and mine[0]["sha"] == data["sha"]
    assert proposal_data(app, demo["ppks"]) == returned
    assert [d["action"] for d in decisions(app, demo["ppks"])] == ["ajukan", "kembalikan"]
    assert queue_ids(lurah.queue()) == []


@pytest.mark.parametrize("action, status, label", [("setujui", "diverifikasi_kelurahan", "Disetujui"),
                                                   ("kembalikan", "dikembalikan", "Dikembalikan untuk diperbaiki")])
def test_a_decision_sent_twice_is_recorded_once(app, lurah, demo, action, status, label):
    pid = demo["baru"]
    version = version_in(lurah.page(pid))
    form = {"version": version, "action": action, "reason": REASON}

    first = lurah.post(f"/kelurahan/usulan/{pid}", form)
    assert first.status_code == 303 and first.headers["Location"].endswith("/kelurahan/antrian")
    second = lurah.post(f"/kelurahan/usulan/{pid}", form)
    assert second.status_code == 303 and second.headers["Location"].endswith(f"/kelurahan/usulan/{pid}")
    shown = flashes(lurah.follow(second))
    match = next(filter(None, (ALREADY_DECIDED_RE.fullmatch(m) for m in shown)), None)
    assert match, shown
    assert (match.group(1), match.group(2), match.group(4)) == (LURAH_NAME, "Kelurahan", label)
    assert re.search(r"\d{1,2} \w+ 20\d\d \d\d\.\d\d WITA", match.group(3))

    assert [d["action"] for d in decisions(app, pid)] == ["ajukan", action]
    data = proposal_data(app, pid)
    assert data["status"] == status
    assert data["round"] == 1  # a return does not open a round by itself: the RT's resubmission does


@pytest.mark.parametrize("query", ["wilayah=99999999999999999999", "umur=99999999999999999999", "wilayah=abc&umur=-3"])
def test_absurd_queue_filters_are_ignored_not_a_server_error(login, query):
    response = login("lurah.api-api").get(f"/kelurahan/antrian?{query}")
    assert response.status_code == 200
    assert "Menunggu keputusan Anda" in response.data.decode()


def test_batch_with_an_id_outside_the_area_decides_nothing_and_says_why(app, lurah, demo):
    """A batch naming another kelurahan's proposal or an RT's unsubmitted draft (both 404 for this lurah) is
    refused as a whole before anything is decided: no approval hides behind an error page."""
    versions = {int(i): v for i, v in QUEUE_ID_RE.findall(text(lurah.queue()))}
    foreign = planted_proposal(app, "rt.kanaan.001", f"{KANAAN}.001")
    draft = demo_proposal(app, "baru", status="draf")
    before = {pid: (proposal_data(app, pid), decisions(app, pid)) for pid in (*demo.values(), draft)}

    response = lurah.batch([(demo["baru"], versions[demo["baru"]]), (foreign, 1),
                            (demo["nonaktif"], versions[demo["nonaktif"]]), (draft, 1)])
    assert response.status_code == 422
    assert (f"Tidak ada usulan yang diputuskan: usulan #{foreign}, #{draft} tidak ditemukan di wilayah Anda. "
            "Muat ulang antrian lalu pilih lagi.") in visible(response)
    assert batch_results(response) == {}
    assert {pid: (proposal_data(app, pid), decisions(app, pid)) for pid in before} == before
    assert sorted(queue_ids(lurah.queue())) == sorted(demo.values())

    too_many = lurah.batch([(demo["baru"], versions[demo["baru"]])] * 101)
    assert too_many.status_code == 422
    assert "Tidak ada usulan yang diputuskan: pilih paling banyak 100 usulan sekaligus." in visible(too_many)
    assert proposal_data(app, demo["baru"])["status"] == "diajukan"
