"""Social-assistance programs through HTTP: memberships on the household pages and as a list filter, Dinas Sosial
recording an existing membership, and the PROGRAM proposal (usul / hentikan with a reason) that an RT starts from
the household page and that only an approval along the whole chain applies.
"""
import html
import re

import pytest
from sqlalchemy import func, select, update

from portal.domain.programs import PROGRAMS
from portal.extensions import db
from portal.models import Area, AuditEvent, Household, ProgramMembership, Proposal, User
from tests.integration.review_support import Chain, proposal_data
from tests.integration.rt_wizard import RT1, Rt, field_errors, problems
from tests.database import read, write
from tests.pages import errors, flashes, text, visible

LURAH, CAMAT, DINSOS = "lurah.api-api", "camat.bontang-utara", "dinsos"
ROLE_OF = {RT1: "rt", LURAH: "kelurahan", CAMAT: "kecamatan", DINSOS: "dinsos"}
REASON = "Keluarga kehilangan penghasilan sejak Agustus 2026."
OPEN_STATES = ("draf", "diajukan", "diverifikasi_kelurahan", "diverifikasi_kecamatan", "dikembalikan")
PROGRAMS_DD = re.compile(r"<dt>Program bantuan</dt><dd>(.*?)</dd>", re.S)


# --- reading pages -----------------------------------------------------------------------------------------------

def shown_programs(response) -> list[str]:
    """The "Program bantuan" line of a household page, one entry per membership ([] for "–")."""
    assert response.status_code == 200, response.status_code
    line = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", PROGRAMS_DD.search(text(response)).group(1))).split())
    return [] if line == "–" else line.split("; ")


def listed_count(response) -> int:
    assert response.status_code == 200
    return int(re.search(r"(\d+) rumah tangga\.", visible(response)).group(1))


# --- the database ------------------------------------------------------------------------------------------------



def memberships(app, household_id: int, active_only: bool = False) -> list[dict]:
    def get():
        stmt = select(ProgramMembership).where(ProgramMembership.household_id == household_id)
        if active_only:
            stmt = stmt.where(ProgramMembership.active.is_(True))
        return [{"id": m.id, "program": m.program, "person_id": m.person_id, "identifier": m.identifier,
                 "period": m.period, "source": m.source, "proposal_id": m.proposal_id, "active": m.active,
                 "until": m.until, "person": m.person.name if m.person else None}
                for m in db.session.scalars(stmt.order_by(ProgramMembership.program, ProgramMembership.id))]
    return read(app, get)


def expected_line(rows: list[dict]) -> list[str]:
    """What the household page shows for these memberships (active ones, ordered by program code then id)."""
    def shown(m: dict) -> str:
        person = f" ({m['person']})" if m["person"] else ""
        number = f" · …{m['identifier'][-4:]}" if m["identifier"] else ""  # card numbers: only the last 4 digits
        return PROGRAMS[m["program"]] + person + number
    return [shown(m) for m in sorted((m for m in rows if m["active"]), key=lambda m: (m["program"], m["id"]))]


def households_of_rt1(app) -> list[dict]:
    """RT 001's households without a running proposal, with their active programs and members."""
    def get():
        rt = db.session.scalar(select(User.area_id).where(User.username == RT1))
        busy = set(db.session.scalars(select(Proposal.household_id).where(Proposal.status.in_(OPEN_STATES),
                                                                          Proposal.household_id.is_not(None))))
        rows = []
        for h in db.session.scalars(select(Household).where(Household.area_id == rt).order_by(Household.id)):
            if h.id in busy or h.status == "nonaktif":
                continue
            active = db.session.execute(select(ProgramMembership.program, ProgramMembership.person_id).where(
                ProgramMembership.household_id == h.id, ProgramMembership.active.is_(True))).all()
            rows.append({"id": h.id, "programs": {p for p, _ in active},
                         "pbi_people": {person for p, person in active if p == "pbi_jk"},
                         "members": [{"id": p.id, "key": f"p{p.id}", "name": p.name} for p in h.active_members]})
        return rows
    return read(app, get)


def a_household(app, has: str | None = None, lacks: str | None = None) -> dict:
    return next(h for h in households_of_rt1(app)
                if (has is None or has in h["programs"]) and (lacks is None or lacks not in h["programs"]))


def households_with(app, username: str, program: str) -> int:
    """An independent count: households in the user's area with an active membership of the program."""
    def get():
        area = db.session.scalar(select(Area).join(User, User.area_id == Area.id).where(User.username == username))
        inside = select(Area.id).where((Area.code == area.code) | Area.code.like(area.code + ".%"))
        return db.session.scalar(select(func.count(func.distinct(ProgramMembership.household_id)))
                                 .join(Household, Household.id == ProgramMembership.household_id)
                                 .where(ProgramMembership.active.is_(True), ProgramMembership.program == program,
                                        Household.area_id.in_(inside)))
    return read(app, get)


def households_in(app, username: str) -> int:
    def get():
        area = db.session.scalar(select(Area).join(User, User.area_id == Area.id).where(User.username == username))
        inside = select(Area.id).where((Area.code == area.code) | Area.code.like(area.code + ".%"))
        return db.session.scalar(select(func.count()).select_from(Household).where(Household.area_id.in_(inside)))
    return read(app, get)


def end_membership(app, household_id: int, program: str) -> None:
    write(app, lambda: db.session.execute(update(ProgramMembership).where(
        ProgramMembership.household_id == household_id, ProgramMembership.program == program)
        .values(active=False)))


# --- acting through HTTP ----------------------------------------------------------------------------------------

@pytest.fixture
def rt(login) -> Rt:
    return Rt(login(RT1))


def start_program(rt: Rt, household_id: int) -> int:
    """From the household page: "Usulkan" with kind=program, as the RT does."""
    page = rt.get(f"/rt/rumah-tangga/{household_id}")
    assert 'value="program"' in text(page)  # the household page offers the PROGRAM kind
    return rt.start_on(household_id, "program")


def fill_program(rt: Rt, pid: int, action: str, program: str, member_key: str = "", reason: str = REASON):
    return rt.step(pid, "program", {"action": action, "program": program, "member_key": member_key,
                                    "reason": reason})


def propose_and_approve(app, rt: Rt, household_id: int, action: str, program: str, member_key: str = "") -> int:
    pid = start_program(rt, household_id)
    saved = fill_program(rt, pid, action, program, member_key)
    assert saved.status_code == 303, field_errors(saved)
    assert saved.headers["Location"].endswith(f"/rt/usulan/{pid}/langkah/berkas")
    assert problems(rt.review(pid)) == []
    submitted = rt.submit(pid)
    assert submitted.status_code == 303, errors(submitted)
    chain = Chain(app)
    chain.walk(pid, upto="camat")
    assert proposal_data(app, pid)["status"] == "diverifikasi_kecamatan"
    return pid


def entry(visitor, household_id: int, program: str, identifier: str = "", period: str = "2026-1",
          person_id: int | str = ""):
    """Dinas Sosial's "Catat kepesertaan program" form; returns (response, flashes of the page it leads to)."""
    visitor.get(f"/dinsos/rumah-tangga/{household_id}")
    response = visitor.post(f"/dinsos/rumah-tangga/{household_id}/program", {
        "program": program, "identifier": identifier, "period": period, "person_id": str(person_id)})
    assert response.status_code == 303, response.status_code
    assert response.headers["Location"].endswith(f"/dinsos/rumah-tangga/{household_id}")
    return response, flashes(visitor.get(response.headers["Location"]))


# --- memberships on the pages -----------------------------------------------------------------------------------

@pytest.mark.parametrize("username", [RT1, LURAH, CAMAT, DINSOS])
def test_the_household_page_shows_the_active_memberships(app, login, username):
    household = a_household(app, has="kks")
    rows = memberships(app, household["id"])
    assert len(rows) >= 1
    url = f"/{ROLE_OF[username]}/rumah-tangga/{household['id']}"
    visitor = login(username)
    assert shown_programs(visitor.get(url)) == expected_line(rows)

    end_membership(app, household["id"], "kks")  # an ended membership is no longer shown
    after = shown_programs(visitor.get(url))
    assert after == expected_line(memberships(app, household["id"]))
    assert not any(entry_.startswith("KKS") for entry_ in after)


def test_a_household_without_programs_shows_a_dash(app, login):
    household = next(h for h in households_of_rt1(app) if not h["programs"])
    assert shown_programs(login(RT1).get(f"/rt/rumah-tangga/{household['id']}")) == []
    assert shown_programs(login(LURAH).get(f"/kelurahan/rumah-tangga/{household['id']}")) == []


def test_a_per_person_membership_names_the_person(app, login):
    household = next(h for h in households_of_rt1(app) if h["pbi_people"])
    shown = shown_programs(login(LURAH).get(f"/kelurahan/rumah-tangga/{household['id']}"))
    names = {m["name"] for m in household["members"] if m["id"] in household["pbi_people"]}
    assert {f"PBI-JK ({n})" for n in names} <= {e.split(" · ")[0] for e in shown}


@pytest.mark.parametrize("username", [RT1, LURAH, CAMAT, DINSOS])
@pytest.mark.parametrize("program", ["pkh", "pbi_jk"])
def test_the_list_filter_counts_households_with_an_active_membership(app, login, username, program):
    visitor = login(username)
    url = f"/{ROLE_OF[username]}/rumah-tangga?program={program}"
    expected = households_with(app, username, program)
    assert expected > 0
    assert listed_count(visitor.get(url)) == expected

    household = a_household(app, has=program)  # in RT 001, so inside every one of these areas
    end_membership(app, household["id"], program)
    assert listed_count(visitor.get(url)) == expected - 1 == households_with(app, username, program)


def test_an_unknown_program_filter_is_ignored(app, login):
    visitor = login(LURAH)
    assert listed_count(visitor.get("/kelurahan/rumah-tangga?program=blt")) == households_in(app, LURAH)
    assert listed_count(visitor.get("/kelurahan/rumah-tangga?program=PKH")) == households_in(app, LURAH)


# --- Dinas Sosial records an existing membership ----------------------------------------------------------------

def test_dinas_sosial_records_a_membership_and_a_duplicate_is_refused(app, login):
    household = a_household(app, lacks="pkh")
    dinsos = login(DINSOS)
    before = memberships(app, household["id"])

    _, said = entry(dinsos, household["id"], "pkh", identifier="pkh-0012 3456", period=" 2026-2 ")
    assert said == ["Kepesertaan program dicatat."]
    added = [m for m in memberships(app, household["id"]) if m not in before]
    assert [(m["program"], m["identifier"], m["period"], m["source"], m["active"], m["person_id"])
            for m in added] == [("pkh", "PKH00123456", "2026-2", "dinsos", True, None)]
    assert read(app, lambda: db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "program.catat", AuditEvent.target_id == added[0]["id"]))) == 1
    assert "PKH" in [e.split(" · ")[0] for e in shown_programs(dinsos.get(f"/dinsos/rumah-tangga/{household['id']}"))]

    _, again = entry(dinsos, household["id"], "pkh", identifier="99999999")
    assert again == ["Sudah tercatat sebagai penerima PKH."]
    assert len(memberships(app, household["id"])) == len(before) + 1


def test_pbi_jk_is_recorded_per_person(app, login):
    household = next(h for h in households_of_rt1(app)
                     if len([m for m in h["members"] if m["id"] not in h["pbi_people"]]) >= 2)
    first, second = [m for m in household["members"] if m["id"] not in household["pbi_people"]][:2]
    dinsos = login(DINSOS)
    before = len(memberships(app, household["id"]))

    _, said = entry(dinsos, household["id"], "pbi_jk", identifier="0001234567890")
    assert said == ["Pilih anggota keluarga penerima PBI-JK."]
    assert len(memberships(app, household["id"])) == before

    assert entry(dinsos, household["id"], "pbi_jk", "0001234567890", person_id=first["id"])[1] == [
        "Kepesertaan program dicatat."]
    assert entry(dinsos, household["id"], "pbi_jk", "0001234567891", person_id=first["id"])[1] == [
        "Sudah tercatat sebagai penerima PBI-JK."]
    assert entry(dinsos, household["id"], "pbi_jk", "0001234567892", person_id=second["id"])[1] == [
        "Kepesertaan program dicatat."]
    added = [m for m in memberships(app, household["id"]) if m["program"] == "pbi_jk"
             and m["person_id"] in (first["id"], second["id"])]
    assert sorted(m["person_id"] for m in added) == sorted([first["id"], second["id"]])


def test_a_person_of_another_household_is_not_a_pbi_jk_recipient(app, login):
    household, other = households_of_rt1(app)[:2]
    stranger = other["members"][0]["id"]
    before = len(memberships(app, household["id"]))
    _, said = entry(login(DINSOS), household["id"], "pbi_jk", "0001234567890", person_id=stranger)
    assert said == ["Pilih anggota keluarga penerima PBI-JK."]
    assert len(memberships(app, household["id"])) == before
    assert read(app, lambda: db.session.scalar(select(func.count()).select_from(ProgramMembership).where(
        ProgramMembership.person_id == stranger, ProgramMembership.source == "dinsos"))) == 0


def test_a_household_program_entered_with_a_member_chosen_is_recorded_for_the_household(app, login):
    household = a_household(app, lacks="pkh")
    member = household["members"][0]
    _, said = entry(login(DINSOS), household["id"], "pkh", "12345678", person_id=member["id"])
    assert said == ["Kepesertaan program dicatat."]
    added = [m for m in memberships(app, household["id"]) if m["program"] == "pkh"]
    assert [m["person_id"] for m in added] == [None]


@pytest.mark.parametrize("program, identifier, message", [
    ("", "12345678", "Pilih program bantuan."),
    ("blt", "12345678", "Pilih program bantuan."),
    ("pkh", "12#45678", "Nomor kartu hanya berisi angka dan huruf, 4 sampai 30 karakter."),
    ("pkh", "123", "Nomor kartu hanya berisi angka dan huruf, 4 sampai 30 karakter."),
])
def test_a_bad_membership_entry_is_refused(app, login, program, identifier, message):
    household = a_household(app, lacks="pkh")
    before = memberships(app, household["id"])
    _, said = entry(login(DINSOS), household["id"], program, identifier)
    assert said == [message]
    assert memberships(app, household["id"]) == before


@pytest.mark.parametrize("username, url", [(LURAH, "/kelurahan/rumah-tangga/{}/program"),
                                           (LURAH, "/dinsos/rumah-tangga/{}/program"),
                                           (CAMAT, "/dinsos/rumah-tangga/{}/program"),
                                           (RT1, "/dinsos/rumah-tangga/{}/program")])
def test_only_dinas_sosial_records_memberships(app, login, username, url):
    household = a_household(app, lacks="pkh")
    response = login(username).post(url.format(household["id"]), {"program": "pkh", "identifier": "12345678"})
    assert response.status_code in (403, 404, 405)
    assert [m["program"] for m in memberships(app, household["id"]) if m["program"] == "pkh"] == []


# --- the PROGRAM proposal ---------------------------------------------------------------------------------------

def test_an_approved_usul_starts_the_membership(app, login, rt):
    household = a_household(app, lacks="pkh")
    before = memberships(app, household["id"])
    pid = propose_and_approve(app, rt, household["id"], "usul", "pkh")
    snapshot = proposal_data(app, pid)["snapshot"]
    assert snapshot["program"] == {"action": "usul", "program": "pkh", "member_key": "", "reason": REASON}
    assert memberships(app, household["id"]) == before  # nothing changes before Dinas Sosial approves

    lurah_page = visible(login(LURAH).get(f"/kelurahan/usulan/{pid}"))
    assert "Usulkan sebagai penerima PKH" in lurah_page and REASON in lurah_page
    Chain(app).walk(pid, start="dinsos")
    assert proposal_data(app, pid)["status"] == "disetujui_dinsos"
    added = [m for m in memberships(app, household["id"]) if m not in before]
    assert [(m["program"], m["source"], m["proposal_id"], m["active"], m["person_id"], m["until"])
            for m in added] == [("pkh", "usulan", pid, True, None, None)]
    assert "PKH" in shown_programs(rt.get(f"/rt/rumah-tangga/{household['id']}"))


def test_an_approved_usul_of_pbi_jk_starts_it_for_that_member(app, login, rt):
    household = next(h for h in households_of_rt1(app) if any(m["id"] not in h["pbi_people"] for m in h["members"]))
    member = next(m for m in household["members"] if m["id"] not in household["pbi_people"])
    pid = propose_and_approve(app, rt, household["id"], "usul", "pbi_jk", member["key"])
    assert f"Usulkan sebagai penerima PBI-JK untuk {member['name']}" in visible(
        login(LURAH).get(f"/kelurahan/usulan/{pid}"))
    Chain(app).walk(pid, start="dinsos")
    added = [m for m in memberships(app, household["id"], active_only=True) if m["proposal_id"] == pid]
    assert [(m["program"], m["person_id"], m["source"]) for m in added] == [("pbi_jk", member["id"], "usulan")]


def test_an_approved_hentikan_ends_the_membership_and_keeps_the_row(app, login, rt):
    household = a_household(app, has="kks")
    before = memberships(app, household["id"])
    kks = next(m for m in before if m["program"] == "kks" and m["active"])
    pid = propose_and_approve(app, rt, household["id"], "hentikan", "kks")
    assert memberships(app, household["id"]) == before

    Chain(app).walk(pid, start="dinsos")
    after = {m["id"]: m for m in memberships(app, household["id"])}
    assert set(after) == {m["id"] for m in before}  # the row is kept, nothing added
    ended = after[kks["id"]]
    assert ended["active"] is False and ended["until"] is not None
    assert {k: v for k, v in ended.items() if k not in ("active", "until")} == {
        k: v for k, v in kks.items() if k not in ("active", "until")}
    assert all(after[m["id"]] == m for m in before if m["id"] != kks["id"])
    assert not any(e.startswith("KKS") for e in shown_programs(rt.get(f"/rt/rumah-tangga/{household['id']}")))


def test_a_returned_or_refused_proposal_changes_no_membership(app, login, rt):
    household = a_household(app, lacks="bpnt")
    before = memberships(app, household["id"])
    pid = propose_and_approve(app, rt, household["id"], "usul", "bpnt")
    chain = Chain(app)
    assert chain.dinsos.decide(pid, "tolak", "Tidak memenuhi syarat penerima BPNT tahun ini.").status_code == 303
    assert proposal_data(app, pid)["status"] == "ditolak"
    assert memberships(app, household["id"]) == before


def test_usul_for_a_program_already_received_is_refused_in_the_step(app, rt):
    household = a_household(app, has="kks")
    pid = start_program(rt, household["id"])
    response = fill_program(rt, pid, "usul", "kks")
    assert response.status_code == 422
    assert field_errors(response)["program"] == ["Sudah tercatat sebagai penerima KKS."]
    assert proposal_data(app, pid)["draft"]["program"]["action"] == ""


def test_hentikan_for_a_program_not_received_is_refused_in_the_step(app, rt):
    household = a_household(app, lacks="pkh")
    pid = start_program(rt, household["id"])
    response = fill_program(rt, pid, "hentikan", "pkh")
    assert response.status_code == 422
    assert field_errors(response)["program"] == ["Belum tercatat sebagai penerima PKH."]


@pytest.mark.parametrize("data, field, message", [
    ({"reason": "singkat"}, "reason", "Tuliskan alasannya (minimal 10 karakter)."),
    ({"program": ""}, "program", "Pilih program bantuan."),
    ({"action": ""}, "action", "Pilih: usulkan atau hentikan."),
    ({"program": "pbi_jk", "member_key": ""}, "member_key", "Pilih anggota keluarga penerima PBI-JK."),
    ({"program": "pbi_jk", "member_key": "p999999"}, "member_key", "Pilih anggota keluarga penerima PBI-JK."),
])
def test_an_incomplete_program_step_is_refused(app, rt, data, field, message):
    household = a_household(app, lacks="pkh")
    pid = start_program(rt, household["id"])
    response = rt.step(pid, "program", {"action": "usul", "program": "pkh", "member_key": "", "reason": REASON,
                                        **data})
    assert response.status_code == 422
    assert message in field_errors(response).get(field, []) + errors(response)
    assert proposal_data(app, pid)["draft"]["program"]["action"] == ""


def test_submission_without_a_program_is_blocked(app, rt):
    household = a_household(app, lacks="pkh")
    pid = start_program(rt, household["id"])
    assert "Program bantuan yang diusulkan belum dipilih." in problems(rt.review(pid))
    response = rt.submit(pid)
    assert response.status_code == 422
    assert "Program bantuan yang diusulkan belum dipilih." in problems(response)
    assert proposal_data(app, pid)["status"] == "draf"


def test_the_program_step_lists_what_the_household_receives(app, rt):
    household = a_household(app, has="kks")
    pid = start_program(rt, household["id"])
    page = visible(rt.step(pid, "program"))
    current = [PROGRAMS[m["program"]] + (f" ({m['person']})" if m["person"] else "")
               for m in memberships(app, household["id"], active_only=True)]
    assert "KKS" in current
    assert "Tercatat sekarang: " + ", ".join(current) + "." in page
