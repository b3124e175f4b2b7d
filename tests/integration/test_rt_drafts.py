"""Drafts on a bad connection and on several devices: saved per step, resumed elsewhere, stale saves refused,
a double-clicked "Ajukan" submitted once."""
import re

import pytest

from tests.integration.rt_wizard import (ADDRESS, HEAD, NEW_KK, RT1, WIFE, Rt, audit_count, draft, flashes,
                                         proposal_row, status, text, version_in, visible)

STALE = "Draf ini sudah diubah di perangkat atau tab lain. Periksa isian di bawah, lalu simpan lagi."


@pytest.fixture
def phone(login):
    return Rt(login(RT1))


@pytest.fixture
def laptop(login):
    return Rt(login(RT1))


def test_draft_survives_and_resumes_at_the_next_step_on_another_device(app, phone, login):
    pid = phone.start_baru()
    phone.household(pid)
    phone.add_member(pid, HEAD)
    # The phone loses its connection; the RT signs in on another device.
    laptop = Rt(login(RT1))
    home = laptop.get("/rt/")
    drafts = text(home).split("Draf usulan", 1)[1]
    assert f'href="/rt/usulan/{pid}"' in drafts
    assert f"#{pid} BARU {HEAD['name']} Draf" in visible(home)
    resumed = laptop.get(f"/rt/usulan/{pid}/lanjut")
    assert resumed.status_code == 303
    assert resumed.headers["Location"].endswith(f"/rt/usulan/{pid}/langkah/kondisi")
    assert HEAD["name"] in text(laptop.step(pid, "anggota"))
    household_step = text(laptop.step(pid, "rumah_tangga"))
    assert f'value="{NEW_KK}"' in household_step and f'value="{ADDRESS}"' in household_step
    assert "Draf tersimpan di server" in household_step


def test_a_new_draft_resumes_at_the_first_step(app, phone):
    pid = phone.start_baru()
    assert phone.get(f"/rt/usulan/{pid}/lanjut").headers["Location"].endswith("/langkah/rumah_tangga")


def test_stale_household_step_is_refused_and_can_be_saved_deliberately(app, phone, laptop):
    pid = phone.start_baru()
    url = f"/rt/usulan/{pid}/langkah/rumah_tangga"
    opened = version_in(phone.get(url))
    assert version_in(laptop.get(url)) == opened

    first = phone.post(url, {"version": opened, "no_kk": NEW_KK, "address": "Jl. Dari Ponsel No. 1"})
    assert first.status_code == 303
    second = laptop.post(url, {"version": opened, "no_kk": NEW_KK, "address": "Jl. Dari Laptop No. 2"})
    assert second.status_code == 422
    assert STALE in text(second)
    assert draft(app, pid)["household"]["address"] == "Jl. Dari Ponsel No. 1"  # not silently overwritten
    assert 'value="Jl. Dari Laptop No. 2"' in text(second)  # the typed input is not lost either
    newer = version_in(second)
    assert newer != opened and newer == str(proposal_row(app, pid).version)

    again = laptop.post(url, {"version": newer, "no_kk": NEW_KK, "address": "Jl. Dari Laptop No. 2"})
    assert again.status_code == 303
    assert draft(app, pid)["household"]["address"] == "Jl. Dari Laptop No. 2"


def test_stale_member_form_does_not_add_a_member_twice(app, phone, laptop):
    pid = phone.start_baru()
    phone.household(pid)
    url = f"/rt/usulan/{pid}/anggota/tambah"
    opened = version_in(phone.get(url))
    assert phone.post(url, {**HEAD, "version": opened}).status_code == 303
    refused = laptop.post(url, {**WIFE, "version": opened})
    assert refused.status_code == 422 and STALE in text(refused)
    assert [m["name"] for m in draft(app, pid)["members"]] == [HEAD["name"]]


def test_ajukan_from_a_stale_review_is_refused(app, phone, laptop):
    """Nobody submits content they have not seen: the review was read before another device changed it."""
    pid = phone.baru_ready(members=[HEAD])
    seen = version_in(laptop.review(pid))
    laptop.v.get("/rt/")
    phone.add_member(pid, WIFE)
    refused = laptop.submit(pid, version=seen)
    assert refused.status_code == 422 and STALE in text(refused)
    assert status(app, pid) == "draf"
    assert laptop.submit(pid).status_code == 303  # after looking again
    assert [m["name"] for m in proposal_row(app, pid).snapshot["members"]] == [HEAD["name"], WIFE["name"]]


def test_double_clicked_ajukan_submits_once(app, phone):
    pid = phone.baru_ready()
    version = version_in(phone.review(pid))
    first = phone.post(f"/rt/usulan/{pid}/ajukan", {"version": version})
    second = phone.post(f"/rt/usulan/{pid}/ajukan", {"version": version})
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"].endswith(f"/rt/usulan/{pid}")
    # The browser shows the answer to the second click, which carries both messages.
    assert flashes(phone.get(second.headers["Location"])) == [
        "Usulan diajukan ke kelurahan. Isinya kini terkunci.", "Usulan ini sudah berstatus Diajukan."]
    assert audit_count(app, "proposal.submit", pid) == 1
    proposal = proposal_row(app, pid)
    assert proposal.status == "diajukan" and proposal.round == 1


def test_two_devices_submitting_at_once_make_one_submission(app, phone, laptop):
    pid = phone.baru_ready()
    version = version_in(phone.review(pid))
    laptop.review(pid)
    assert phone.post(f"/rt/usulan/{pid}/ajukan", {"version": version}).status_code == 303
    late = laptop.post(f"/rt/usulan/{pid}/ajukan", {"version": version})
    assert "Usulan ini sudah berstatus Diajukan." in flashes(laptop.get(late.headers["Location"]))
    assert audit_count(app, "proposal.submit", pid) == 1


def test_a_member_typed_only_into_the_draft_can_be_taken_out_of_it(app, phone):
    pid = phone.start_baru()
    phone.household(pid)
    phone.add_member(pid, HEAD)
    phone.add_member(pid, WIFE)
    key = next(m["key"] for m in draft(app, pid)["members"] if m["name"] == WIFE["name"])
    page = text(phone.step(pid, "anggota"))
    assert re.search(rf'/anggota/{key}/keluar".*?Hapus dari draf', page, re.S)
    assert "Draf tersimpan." in flashes(phone.get(phone.leave(pid, key).headers["Location"]))
    assert [m["name"] for m in draft(app, pid)["members"]] == [HEAD["name"]]
