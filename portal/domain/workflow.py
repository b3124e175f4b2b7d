"""Proposal (usulan) kinds, states and the table of allowed moves.

The review chain goes kelurahan -> kecamatan -> Dinas Sosial, then the letter to the ministry and
its outcome. TRANSITIONS is the whole table: every move not in it is refused.
"""
from dataclasses import dataclass
from enum import StrEnum

from portal.domain.areas import is_within
from portal.domain.errors import DomainError


class Kind(StrEnum):
    BARU = "baru"
    PERBAIKAN = "perbaikan"
    NONAKTIF = "nonaktif"
    PPKS = "ppks"
    PROGRAM = "program"


KIND_LABELS = {Kind.BARU: "BARU", Kind.PERBAIKAN: "PERBAIKAN", Kind.NONAKTIF: "NONAKTIF", Kind.PPKS: "PPKS",
               Kind.PROGRAM: "PROGRAM"}
KIND_DESCRIPTIONS = {
    Kind.BARU: "Rumah tangga baru beserta anggotanya",
    Kind.PERBAIKAN: "Perbaikan data rumah tangga atau anggota",
    Kind.NONAKTIF: "Penonaktifan rumah tangga dengan alasan",
    Kind.PPKS: "Tambah atau hapus kategori PPKS seseorang",
    Kind.PROGRAM: "Usul atau hentikan program bantuan (KKS, BPNT, PKH, PBI-JK)",
}


class State(StrEnum):
    DRAF = "draf"
    DIAJUKAN = "diajukan"
    DIVERIFIKASI_KELURAHAN = "diverifikasi_kelurahan"
    DIVERIFIKASI_KECAMATAN = "diverifikasi_kecamatan"
    DISETUJUI_DINSOS = "disetujui_dinsos"
    DIKIRIM_KEMENTERIAN = "dikirim_kementerian"
    DITETAPKAN = "ditetapkan"
    DITOLAK_KEMENTERIAN = "ditolak_kementerian"
    DIKEMBALIKAN = "dikembalikan"
    DITOLAK = "ditolak"
    DIBATALKAN = "dibatalkan"


STATE_LABELS = {
    State.DRAF: "Draf",
    State.DIAJUKAN: "Diajukan",
    State.DIVERIFIKASI_KELURAHAN: "Diverifikasi kelurahan",
    State.DIVERIFIKASI_KECAMATAN: "Diverifikasi kecamatan",
    State.DISETUJUI_DINSOS: "Disetujui Dinas Sosial",
    State.DIKIRIM_KEMENTERIAN: "Dikirim ke Kementerian",
    State.DITETAPKAN: "Ditetapkan Kementerian",
    State.DITOLAK_KEMENTERIAN: "Ditolak Kementerian",
    State.DIKEMBALIKAN: "Dikembalikan untuk diperbaiki",
    State.DITOLAK: "Ditolak",
    State.DIBATALKAN: "Dibatalkan",
}

# Who acts next in each state ("" for a final state).
NEXT_ACTOR = {
    State.DRAF: "Ketua RT (melengkapi dan mengajukan)",
    State.DIAJUKAN: "Kelurahan",
    State.DIVERIFIKASI_KELURAHAN: "Kecamatan",
    State.DIVERIFIKASI_KECAMATAN: "Dinas Sosial",
    State.DISETUJUI_DINSOS: "Dinas Sosial (surat usulan ke Kementerian)",
    State.DIKIRIM_KEMENTERIAN: "Kementerian Sosial",
    State.DIKEMBALIKAN: "Ketua RT (memperbaiki dan mengajukan lagi)",
    State.DITETAPKAN: "",
    State.DITOLAK_KEMENTERIAN: "",
    State.DITOLAK: "",
    State.DIBATALKAN: "",
}

FINAL_STATES = frozenset({State.DITETAPKAN, State.DITOLAK_KEMENTERIAN, State.DITOLAK, State.DIBATALKAN})
OPEN_STATES = frozenset(State) - FINAL_STATES
EDITABLE_STATES = frozenset({State.DRAF, State.DIKEMBALIKAN})


class Action(StrEnum):
    AJUKAN = "ajukan"
    BATALKAN = "batalkan"
    SETUJUI = "setujui"
    KEMBALIKAN = "kembalikan"
    TOLAK = "tolak"
    KIRIM = "kirim"                    # in an issued Surat Usulan (letters)
    TETAPKAN = "tetapkan"              # the ministry's outcome, recorded by Dinas Sosial
    TOLAK_KEMENTERIAN = "tolak_kementerian"


ACTION_LABELS = {
    Action.AJUKAN: "Diajukan", Action.BATALKAN: "Dibatalkan", Action.SETUJUI: "Disetujui",
    Action.KEMBALIKAN: "Dikembalikan untuk diperbaiki", Action.TOLAK: "Ditolak",
    Action.KIRIM: "Dikirim ke Kementerian", Action.TETAPKAN: "Ditetapkan Kementerian",
    Action.TOLAK_KEMENTERIAN: "Ditolak Kementerian",
}
# Actions that must carry a written reason.
NEEDS_REASON = frozenset({Action.KEMBALIKAN, Action.TOLAK, Action.TOLAK_KEMENTERIAN})
REVIEW_ACTIONS = (Action.SETUJUI, Action.KEMBALIKAN, Action.TOLAK)
# The ministry's answer, recorded by Dinas Sosial on a proposal that was sent.
OUTCOME_ACTIONS = (Action.TETAPKAN, Action.TOLAK_KEMENTERIAN)
# What a reviewer may press on the review page.
DECISION_ACTIONS = REVIEW_ACTIONS + OUTCOME_ACTIONS

# The state each review level waits on, and the role that reviews there.
REVIEW_LEVELS = {
    State.DIAJUKAN: ("kelurahan", State.DIVERIFIKASI_KELURAHAN),
    State.DIVERIFIKASI_KELURAHAN: ("kecamatan", State.DIVERIFIKASI_KECAMATAN),
    State.DIVERIFIKASI_KECAMATAN: ("dinsos", State.DISETUJUI_DINSOS),
}
WAITING_FOR = {role: state for state, (role, _) in REVIEW_LEVELS.items()}
REVIEWING_ROLES = frozenset(WAITING_FOR)


def may_read(role: str, submitted: bool) -> bool:
    """Who may read a proposal of their own area (its page and its evidence files, KK scans with full NIKs).

    The RT reads its own work at every stage; the reviewing levels only once the RT has submitted it (a draft
    is the RT's until then); nobody else: the admin manages accounts and offices, not the registry."""
    return role == "rt" or (submitted and role in REVIEWING_ROLES)


def _review_moves() -> dict:
    moves = {}
    for waiting, (role, approved) in REVIEW_LEVELS.items():
        moves[(waiting, Action.SETUJUI)] = (approved, role)
        moves[(waiting, Action.KEMBALIKAN)] = (State.DIKEMBALIKAN, role)
        moves[(waiting, Action.TOLAK)] = (State.DITOLAK, role)
    return moves


# (state, action) -> (new state, the one role allowed to make the move). Every other move is refused.
TRANSITIONS: dict[tuple[State, Action], tuple[State, str]] = {
    (State.DRAF, Action.AJUKAN): (State.DIAJUKAN, "rt"),
    (State.DIKEMBALIKAN, Action.AJUKAN): (State.DIAJUKAN, "rt"),
    (State.DRAF, Action.BATALKAN): (State.DIBATALKAN, "rt"),
    (State.DIKEMBALIKAN, Action.BATALKAN): (State.DIBATALKAN, "rt"),
    **_review_moves(),
    (State.DISETUJUI_DINSOS, Action.KIRIM): (State.DIKIRIM_KEMENTERIAN, "dinsos"),
    (State.DIKIRIM_KEMENTERIAN, Action.TETAPKAN): (State.DITETAPKAN, "dinsos"),
    (State.DIKIRIM_KEMENTERIAN, Action.TOLAK_KEMENTERIAN): (State.DITOLAK_KEMENTERIAN, "dinsos"),
}


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: str
    area_code: str


@dataclass(frozen=True)
class ProposalFacts:
    status: str
    area_code: str        # the RT the proposal comes from
    created_by_id: int


def can(role: str, action: Action, state: str) -> bool:
    move = TRANSITIONS.get((State(state), action))
    return move is not None and move[1] == role


def may(actor: Actor, action: Action, proposal: ProposalFacts) -> bool:
    """The full rule: the move is in the table for the actor's role, the proposal lies in the actor's
    area, and nobody reviews a proposal they created. Templates ask this to decide which buttons show."""
    if not can(actor.role, action, proposal.status):
        return False
    if not is_within(proposal.area_code, actor.area_code):
        return False
    return not (action in REVIEW_ACTIONS and proposal.created_by_id == actor.user_id)


def next_state(role: str, action: Action, state: str) -> State:
    """The state after `action`, or DomainError when the move is not in the table for this role."""
    if not can(role, action, state):
        raise DomainError(f"Tindakan ini tidak dapat dilakukan pada usulan berstatus {STATE_LABELS[State(state)]}.")
    return TRANSITIONS[(State(state), action)][0]


def check_reason(action: Action, reason: str) -> str:
    reason = " ".join((reason or "").split())
    if action in NEEDS_REASON and len(reason) < 10:
        raise DomainError("Tuliskan alasan minimal 10 karakter agar Ketua RT tahu apa yang harus diperbaiki.",
                          field="reason")
    return reason[:500]
