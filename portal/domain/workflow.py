"""Proposal (usulan) kinds, states and the moves a Ketua RT makes on their own proposals.

The review chain (kelurahan -> kecamatan -> Dinas Sosial) is added to TRANSITIONS by the approval-chain
work; every move not in the table is refused.
"""
from enum import StrEnum

from portal.domain.errors import DomainError


class Kind(StrEnum):
    BARU = "baru"
    PERBAIKAN = "perbaikan"
    NONAKTIF = "nonaktif"
    PPKS = "ppks"


KIND_LABELS = {Kind.BARU: "BARU", Kind.PERBAIKAN: "PERBAIKAN", Kind.NONAKTIF: "NONAKTIF", Kind.PPKS: "PPKS"}
KIND_DESCRIPTIONS = {
    Kind.BARU: "Rumah tangga baru beserta anggotanya",
    Kind.PERBAIKAN: "Perbaikan data rumah tangga atau anggota",
    Kind.NONAKTIF: "Penonaktifan rumah tangga dengan alasan",
    Kind.PPKS: "Tambah atau hapus kategori PPKS seseorang",
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


# (state, action) -> (new state, role allowed to make the move)
TRANSITIONS: dict[tuple[State, Action], tuple[State, str]] = {
    (State.DRAF, Action.AJUKAN): (State.DIAJUKAN, "rt"),
    (State.DIKEMBALIKAN, Action.AJUKAN): (State.DIAJUKAN, "rt"),
    (State.DRAF, Action.BATALKAN): (State.DIBATALKAN, "rt"),
    (State.DIKEMBALIKAN, Action.BATALKAN): (State.DIBATALKAN, "rt"),
}


def can(role: str, action: Action, state: str) -> bool:
    move = TRANSITIONS.get((State(state), action))
    return move is not None and move[1] == role


def next_state(role: str, action: Action, state: str) -> State:
    """The state after `action`, or DomainError when the move is not in the table for this role."""
    if not can(role, action, state):
        raise DomainError(f"Tindakan ini tidak dapat dilakukan pada usulan berstatus {STATE_LABELS[State(state)]}.")
    return TRANSITIONS[(State(state), action)][0]
