"""Verivali periods: every chosen household is looked at by its RT once per period.

An item's history is append-only: each check is a new entry and the item shows the latest. A verivali
outcome never changes the registry by itself: "perlu perbaikan" and "usul nonaktif" open proposals that
go through the chain like any other.
"""
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from portal.domain.errors import DomainError


class Outcome(StrEnum):
    SESUAI = "sesuai"
    PERLU_PERBAIKAN = "perlu_perbaikan"
    USUL_NONAKTIF = "usul_nonaktif"
    TIDAK_DITEMUKAN = "tidak_ditemukan"


OUTCOME_LABELS = {
    Outcome.SESUAI: "Sesuai",
    Outcome.PERLU_PERBAIKAN: "Perlu perbaikan",
    Outcome.USUL_NONAKTIF: "Usul nonaktif",
    Outcome.TIDAK_DITEMUKAN: "Tidak ditemukan",
}
OUTCOME_HINTS = {
    Outcome.SESUAI: "Data dan kelayakan sudah dicek dan benar.",
    Outcome.PERLU_PERBAIKAN: "Membuka usulan PERBAIKAN berisi data rumah tangga ini.",
    Outcome.USUL_NONAKTIF: "Membuka usulan NONAKTIF dengan alasan.",
    Outcome.TIDAK_DITEMUKAN: "Rumah tangga tidak ditemukan di alamatnya.",
}
# Outcomes that start a proposal of this kind (the proposal carries the change through the chain).
PROPOSAL_FOR = {Outcome.PERLU_PERBAIKAN: "perbaikan", Outcome.USUL_NONAKTIF: "nonaktif"}

OPEN, PREPARING, CLOSED = "buka", "menyiapkan", "ditutup"
PERIOD_STATUS_LABELS = {PREPARING: "Sedang disiapkan", OPEN: "Berjalan", CLOSED: "Ditutup"}
NAME_MAX = 80
LONGEST_DAYS = 366


@dataclass(frozen=True)
class PeriodRequest:
    name: str
    starts_on: date
    ends_on: date
    programs: tuple[str, ...] = ()      # empty: every active household; else recipients of these programs
    kelurahan_ids: tuple[int, ...] = ()  # empty: the whole city


def check_period(request: PeriodRequest, today: date) -> PeriodRequest:
    name = " ".join((request.name or "").split())
    if len(name) < 5:
        raise DomainError("Tulis nama periode, misalnya “Verivali Semester I 2026”.", field="name")
    if len(name) > NAME_MAX:
        raise DomainError(f"Nama periode paling panjang {NAME_MAX} karakter.", field="name")
    if request.ends_on < request.starts_on:
        raise DomainError("Tanggal selesai harus sesudah tanggal mulai.", field="ends_on")
    if request.ends_on < today:
        raise DomainError("Tanggal selesai sudah lewat.", field="ends_on")
    if (request.ends_on - request.starts_on).days > LONGEST_DAYS:
        raise DomainError("Satu periode paling lama satu tahun.", field="ends_on")
    return PeriodRequest(name, request.starts_on, request.ends_on, request.programs, request.kelurahan_ids)


def check_can_record(period_status: str, starts_on: date, visit: date, today: date) -> None:
    """A check is recorded only while the period is open, for a visit made during it."""
    if period_status == CLOSED:
        raise DomainError("Periode verivali ini sudah ditutup; hasilnya tidak dapat diubah lagi.")
    if period_status != OPEN:
        raise DomainError("Periode verivali ini belum dibuka.")
    if visit > today:
        raise DomainError("Tanggal kunjungan tidak boleh di masa depan.", field="visit_date")
    if visit < starts_on and (today - visit).days <= LONGEST_DAYS:
        raise DomainError("Tanggal kunjungan sebelum periode dimulai.", field="visit_date")
    if (today - visit).days > LONGEST_DAYS:
        raise DomainError("Tanggal kunjungan terlalu lama.", field="visit_date")


def days_left(ends_on: date, today: date) -> int:
    return max(0, (ends_on - today).days)


@dataclass(frozen=True)
class Progress:
    """Items of one area: how many, how many done, and the outcomes."""

    total: int
    counts: dict[str, int]  # outcome -> items whose latest check has it

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
