"""The transition table, exhaustively: every (state, action, role) is either the one allowed move or refused."""
import itertools

import pytest

from portal.domain.errors import DomainError
from portal.domain.roles import Role
from portal.domain.workflow import (FINAL_STATES, REVIEW_LEVELS, TRANSITIONS, Action, Actor, ProposalFacts, State,
                                    can, check_reason, may, may_read, next_state)

# The chain as the office describes it, written out by hand so a change to the table is noticed here.
EXPECTED = {
    ("draf", "ajukan", "rt"): "diajukan",
    ("dikembalikan", "ajukan", "rt"): "diajukan",
    ("draf", "batalkan", "rt"): "dibatalkan",
    ("dikembalikan", "batalkan", "rt"): "dibatalkan",
    ("diajukan", "setujui", "kelurahan"): "diverifikasi_kelurahan",
    ("diajukan", "kembalikan", "kelurahan"): "dikembalikan",
    ("diajukan", "tolak", "kelurahan"): "ditolak",
    ("diverifikasi_kelurahan", "setujui", "kecamatan"): "diverifikasi_kecamatan",
    ("diverifikasi_kelurahan", "kembalikan", "kecamatan"): "dikembalikan",
    ("diverifikasi_kelurahan", "tolak", "kecamatan"): "ditolak",
    ("diverifikasi_kecamatan", "setujui", "dinsos"): "disetujui_dinsos",
    ("diverifikasi_kecamatan", "kembalikan", "dinsos"): "dikembalikan",
    ("diverifikasi_kecamatan", "tolak", "dinsos"): "ditolak",
    ("disetujui_dinsos", "kirim", "dinsos"): "dikirim_kementerian",
    ("dikirim_kementerian", "tetapkan", "dinsos"): "ditetapkan",
    ("dikirim_kementerian", "tolak_kementerian", "dinsos"): "ditolak_kementerian",
}
ALL = list(itertools.product(State, Action, Role))


@pytest.mark.parametrize("state, action, role", ALL, ids=[f"{s.value}-{a.value}-{r.value}" for s, a, r in ALL])
def test_every_combination(state, action, role):
    expected = EXPECTED.get((state.value, action.value, role.value))
    assert can(role.value, action, state.value) is (expected is not None)
    if expected:
        assert next_state(role.value, action, state.value) == State(expected)
    else:
        with pytest.raises(DomainError, match="tidak dapat dilakukan"):
            next_state(role.value, action, state.value)


def test_table_has_exactly_the_expected_moves():
    assert {(s.value, a.value, r): n.value for (s, a), (n, r) in TRANSITIONS.items()} == EXPECTED


def test_nothing_leaves_a_final_state():
    assert not [key for key in TRANSITIONS if key[0] in FINAL_STATES]


def test_levels_are_in_order_no_level_can_be_skipped():
    # Each review level only accepts what the level below approved.
    chain = [State.DIAJUKAN, State.DIVERIFIKASI_KELURAHAN, State.DIVERIFIKASI_KECAMATAN, State.DISETUJUI_DINSOS]
    for waiting, approved in itertools.pairwise(chain):
        assert REVIEW_LEVELS[waiting][1] == approved
    assert not can("kecamatan", Action.SETUJUI, "diajukan")
    assert not can("dinsos", Action.TOLAK, "diajukan")       # an upper level cannot reject before the lower acted
    assert not can("dinsos", Action.SETUJUI, "diverifikasi_kelurahan")


RT = "64.74.01.1006.001"
PROPOSAL = ProposalFacts(status="diajukan", area_code=RT, created_by_id=7)


@pytest.mark.parametrize("actor, allowed", [
    (Actor(1, "kelurahan", "64.74.01.1006"), True),           # own kelurahan
    (Actor(1, "kelurahan", "64.74.01.1005"), False),          # another kelurahan
    (Actor(7, "kelurahan", "64.74.01.1006"), False),          # never on a proposal one created
    (Actor(1, "kecamatan", "64.74.01"), False),               # wrong level for this state
    (Actor(1, "rt", RT), False),
])
def test_may_approve(actor, allowed):
    assert may(actor, Action.SETUJUI, PROPOSAL) is allowed


def test_city_level_covers_every_area():
    facts = ProposalFacts(status="diverifikasi_kecamatan", area_code=RT, created_by_id=7)
    assert may(Actor(2, "dinsos", "64.74"), Action.SETUJUI, facts)


def test_rt_may_withdraw_own_draft_only_in_own_rt():
    draft = ProposalFacts(status="draf", area_code=RT, created_by_id=7)
    assert may(Actor(7, "rt", RT), Action.BATALKAN, draft)
    assert not may(Actor(8, "rt", "64.74.01.1006.002"), Action.BATALKAN, draft)


@pytest.mark.parametrize("action", [Action.KEMBALIKAN, Action.TOLAK, Action.TOLAK_KEMENTERIAN])
def test_return_and_reject_need_a_reason(action):
    with pytest.raises(DomainError) as error:
        check_reason(action, "  kurang  ")
    assert error.value.field == "reason"
    assert check_reason(action, "NIK anak   belum sesuai KK") == "NIK anak belum sesuai KK"


def test_approval_needs_no_reason():
    assert check_reason(Action.SETUJUI, "") == ""


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("submitted", [False, True])
def test_who_reads_a_proposal(role, submitted):
    """A proposal's page and its evidence: the RT always, the reviewing levels once submitted, never the admin."""
    expected = role == Role.RT or (submitted and role in (Role.KELURAHAN, Role.KECAMATAN, Role.DINSOS))
    assert may_read(role, submitted) is expected
