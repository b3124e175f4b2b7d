"""Musyawarah Kelurahan rules: who may attend (unsur), the verdicts, and when a meeting may be finalised."""
from datetime import date

from portal.domain.errors import DomainError
from portal.domain.workflow import Action

UNSUR = {
    "rt_rw": "Ketua RT / RW",
    "lpm": "LPM",
    "tokoh_masyarakat": "Tokoh masyarakat",
    "tksk": "TKSK",
    "psm": "PSM",
    "pendamping_pkh": "Pendamping PKH",
    "operator": "Operator kelurahan",
    "lurah": "Lurah / perangkat kelurahan",
}

KINDS = {"muskel": "Musyawarah Kelurahan", "sptjm": "SPTJM (Surat Pernyataan Tanggung Jawab Mutlak)"}
# A meeting needs people present; an SPTJM needs the one who signs it.
MIN_PARTICIPANTS = {"muskel": 3, "sptjm": 1}

VERDICTS = {"layak": "Layak (setujui)", "tidak_layak": "Tidak layak (tolak)", "ditunda": "Ditunda"}
# What finalising does with each verdict; "ditunda" leaves the proposal waiting.
VERDICT_ACTION = {"layak": Action.SETUJUI, "tidak_layak": Action.TOLAK}


def check_meeting(held_on: date, place: str, today: date) -> None:
    if held_on > today:
        raise DomainError("Tanggal musyawarah tidak boleh di masa depan.", field="held_on")
    if len(place.strip()) < 3:
        raise DomainError("Tuliskan tempat musyawarah.", field="place")


def check_verdict(verdict: str, reason: str) -> None:
    if verdict not in VERDICTS:
        raise DomainError("Pilih putusan: layak, tidak layak, atau ditunda.")
    if verdict == "tidak_layak" and len(reason.strip()) < 10:
        raise DomainError("Usulan yang tidak layak perlu alasan minimal 10 karakter.")


def check_can_finalise(kind: str, participants: int, verdicts: int, decided: int) -> None:
    """Finalised with the people it needs and at least one proposal decided (not only postponed)."""
    problems = []
    if participants < MIN_PARTICIPANTS[kind]:
        problems.append("Catat minimal 3 peserta musyawarah." if kind == "muskel"
                        else "Catat Lurah yang menandatangani SPTJM sebagai peserta.")
    if verdicts == 0:
        problems.append("Belum ada usulan yang diputuskan dalam musyawarah ini.")
    elif decided == 0:
        problems.append("Semua usulan ditunda; tidak ada yang dapat difinalkan.")
    if problems:
        raise DomainError(" ".join(problems))
