"""Exports for the reviewing levels: the BNBA of chosen proposals, and the registry of an area.

Everything is read inside the user's area (`access.in_area`). NIK and No. KK are masked the way lists show
them unless Dinas Sosial gives a reason, and every export is written to the audit log, with the purpose the
office stated (`portal.domain.purposes`), before its first byte leaves. Rows come from generators that read
the database in batches, so a city-sized file needs no more memory than a small one.
"""
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import joinedload, load_only

from portal import access, clock
from portal.domain import disclosure
from portal.domain.areas import slugify
from portal.domain.errors import DomainError
from portal.domain.household import HOUSEHOLD_STATUSES, STATUS_REASONS, clean_text
from portal.domain.nik import mask
from portal.domain.purposes import purpose_reason
from portal.domain.workflow import STATE_LABELS, Kind, State
from portal.extensions import db
from portal.models import Area, Household, HouseholdRank, Letter, Person, Proposal, User, letter_proposals
from portal.services import audit, letters, programs, ranking
from portal.services.dashboard import Period

BATCH = 1_000  # rows fetched from the database at a time
REASON_MIN = 10
FORMATS = ("csv", "xlsx")
NUMBERS = ("nik", "no_kk")  # masked unless Dinas Sosial gives a reason
IDENTITY_COLUMNS = letters.BNBA_COLUMNS[:12]  # NIK … Kode Kelurahan: what a BNBA and the registry share
# The fixed BNBA columns, then the household's programs as they stand (KKS, BPNT, PKH; PBI-JK per person).
BNBA_HEADER = [label for _, label in letters.BNBA_COLUMNS] + ["Program Bantuan"]
REGISTRY_HEADER = [label for _, label in IDENTITY_COLUMNS] + [
    "Status", "Alasan Nonaktif", "Kriteria Terpenuhi", "Desil Indikatif", "Desil Resmi", "Periode Desil Resmi",
    "Program Bantuan"]
SHEET_TITLES = {"bnba": "BNBA", "registri": "Registri"}

# What a BNBA is usually wanted for: proposals Dinas Sosial has approved, and what became of them after.
APPROVED_OR_LATER = (State.DISETUJUI_DINSOS, State.DIKIRIM_KEMENTERIAN, State.DITETAPKAN, State.DITOLAK_KEMENTERIAN)
# The status choices of the form: value -> (label, the states it selects). A draft has no snapshot to export.
STATUS_CHOICES = {
    "": ("Disetujui Dinas Sosial dan sesudahnya", APPROVED_OR_LATER),
    "semua": ("Semua status (kecuali draf)", tuple(s for s in State if s != State.DRAF)),
    **{s.value: (STATE_LABELS[s], (s,)) for s in State if s != State.DRAF},
}


@dataclass(frozen=True)
class ProposalSelection:
    """Which proposals a BNBA export covers; every filter narrows the ones before it."""

    letter: Letter | None = None
    period: Period | None = None      # last changed (updated_at) within these days, in WITA
    kelurahan: Area | None = None
    kind: Kind | None = None
    status: str = ""                  # a key of STATUS_CHOICES

    def described(self) -> dict:
        """The selection as the audit log keeps it."""
        chosen = {"surat": self.letter.number if self.letter else None,
                  "dari": self.period.start.isoformat() if self.period else None,
                  "sampai": self.period.end.isoformat() if self.period else None,
                  "kelurahan": self.kelurahan.code if self.kelurahan else None,
                  "jenis": self.kind.value if self.kind else None,
                  "status": [s.value for s in STATUS_CHOICES[self.status][1]]}
        return {k: v for k, v in chosen.items() if v is not None}


@dataclass(frozen=True)
class RegistrySelection:
    kelurahan: Area | None = None

    def described(self) -> dict:
        return {"kelurahan": self.kelurahan.code} if self.kelurahan else {}


@dataclass(frozen=True)
class Export:
    """A prepared export: its header, a generator of its rows (each call reads the database again) and
    what the audit log recorded about it."""

    kind: str  # "bnba" | "registri"
    file_format: str
    header: list[str]
    rows: Callable[[], Iterator[list]]
    row_count: int
    masked: bool
    area_slug: str

    @property
    def sheet_title(self) -> str:
        return SHEET_TITLES[self.kind]

    @property
    def file_name(self) -> str:
        """'bnba-api-api-20261127.xlsx': plain ASCII, safe in a Content-Disposition header."""
        return f"{self.kind}-{slugify(self.area_slug) or 'wilayah'}-{clock.today():%Y%m%d}.{self.file_format}"


def usulan_letters(user: User) -> Select:
    """The Surat Usulan the user can see (newest first): a BNBA can be exported per letter."""
    return access.letters_in_view(user).where(Letter.kind == "usulan").order_by(Letter.id.desc())


def bnba_export(user: User, selection: ProposalSelection, file_format: str, purpose: str, note: str = "",
                reveal_reason: str | None = None, ip: str = "") -> Export:
    """The BNBA rows of the chosen proposals, from their frozen snapshots, recorded in the audit log.

    `purpose`/`note`: the purpose code and its note (`purposes.purpose_reason`), required for every export.
    `reveal_reason` None: NIK and No. KK masked; otherwise Dinas Sosial's reason for showing them in full."""
    reasons = _allowed(user, file_format, purpose, note, reveal_reason)
    masked = not reasons.reveal
    proposals = _chosen_proposals(user, selection)

    def rows() -> Iterator[list]:
        memberships = programs.programs_by_household(proposals.with_only_columns(Proposal.household_id))
        for proposal in db.session.scalars(proposals.execution_options(yield_per=BATCH)):
            held = memberships.get(proposal.household_id, [])
            for row in letters.bnba_person_rows(proposal):
                yield _identity_cells(row, masked=masked) + [row["kind"], row["note"],
                                                             programs.programs_text(held, row.get("person_id"))]

    # Snapshots are JSON: counting means reading them. A BNBA is hundreds of proposals, not the registry.
    count = sum(1 for _ in rows())
    area = selection.kelurahan or user.area
    return _recorded(user, Export("bnba", file_format, BNBA_HEADER, rows, count, masked, area.slug),
                     selection.described(), reasons, ip)


def registry_export(user: User, selection: RegistrySelection, file_format: str, purpose: str, note: str = "",
                    reveal_reason: str | None = None, ip: str = "") -> Export:
    """One row per active person of the households in the area (any household status), with the household's
    status, criteria met, the latest indicative desil and the official desil; recorded in the audit log."""
    reasons = _allowed(user, file_format, purpose, note, reveal_reason)
    masked = not reasons.reveal
    people = _registry_people(user, selection)
    count = db.session.scalar(select(func.count()).select_from(people.order_by(None).subquery()))
    areas = access.in_area(select(Area), Area.id, user).options(joinedload(Area.parent))
    households = _registry_households(user, selection)  # built now: the stream below runs without `user`

    def rows() -> Iterator[list]:
        # Read here, not before: a streamed response runs this after the request's session has ended.
        rts = {a.id: a for a in db.session.scalars(areas)}
        memberships = programs.programs_by_household(households)
        for r in db.session.execute(people.execution_options(yield_per=BATCH)):
            member = {"nik": r.nik, "name": r.name, "birth_place": r.birth_place, "sex": r.sex,
                      "birth_date": r.birth_date.isoformat(), "mother_name": r.mother_name, "relation": r.relation}
            identity = letters.bnba_identity(member, r.no_kk, r.address, rts[r.area_id])
            yield _identity_cells(identity, masked=masked) + [
                HOUSEHOLD_STATUSES.get(r.status, r.status), STATUS_REASONS.get(r.nonaktif_reason or "", ""),
                r.criteria_met, r.desil, r.official_desil, r.official_desil_period or "",
                programs.programs_text(memberships.get(r.household_id, []), r.person_id)]

    area = selection.kelurahan or user.area
    return _recorded(user, Export("registri", file_format, REGISTRY_HEADER, rows, count, masked, area.slug),
                     selection.described(), reasons, ip)


@dataclass(frozen=True)
class Reasons:
    purpose: str  # the stated purpose, always
    reveal: str   # '' for a masked export; Dinas Sosial's reason for full NIK/No. KK otherwise


def _allowed(user: User, file_format: str, purpose: str, note: str, reveal: str | None) -> Reasons:
    """The cleaned reasons of an export that may go ahead (DomainError, with its form field, if not)."""
    if file_format not in FORMATS:
        raise DomainError("Pilih format berkas: CSV atau XLSX.", field="file_format")
    stated = purpose_reason(purpose, note)
    if reveal is None:
        return Reasons(stated, "")
    if not disclosure.may_reveal_on_request(user.role):
        raise DomainError("Hanya Dinas Sosial yang dapat mengekspor NIK dan No. KK lengkap.")
    reveal = clean_text(reveal)
    if len(reveal) < REASON_MIN:
        raise DomainError(f"Tuliskan alasan menampilkan NIK/No. KK lengkap, minimal {REASON_MIN} karakter.",
                          field="reason")
    return Reasons(stated, reveal)


def _identity_cells(row: dict, masked: bool) -> list:
    return [mask(row[key]) if masked and key in NUMBERS else row[key] for key, _ in IDENTITY_COLUMNS]


def _recorded(user: User, export: Export, filters: dict, reasons: Reasons, ip: str) -> Export:
    if not export.row_count:
        raise DomainError("Tidak ada data yang cocok dengan pilihan ini.")
    # The full-number reason beside the purpose, only for an export that shows full numbers.
    reveal = {} if export.masked else {"reveal_reason": reasons.reveal}
    audit.record(user, f"ekspor.{export.kind}", ip=ip, format=export.file_format, filters=filters,
                 rows=export.row_count, masked=export.masked, reason=reasons.purpose, **reveal)
    return export


def _chosen_proposals(user: User, s: ProposalSelection) -> Select:
    stmt = access.in_area(select(Proposal), Proposal.area_id, user).where(
        Proposal.status.in_(STATUS_CHOICES[s.status][1]))
    if s.letter:
        stmt = stmt.where(Proposal.id.in_(select(letter_proposals.c.proposal_id)
                                          .where(letter_proposals.c.letter_id == s.letter.id)))
    if s.kelurahan:
        stmt = stmt.where(Proposal.area_id.in_(access.area_ids_within(s.kelurahan)))
    if s.kind:
        stmt = stmt.where(Proposal.kind == s.kind)
    if s.period:
        start, end = s.period.utc_bounds
        stmt = stmt.where(Proposal.updated_at >= start, Proposal.updated_at < end)
    # Only what a BNBA row needs: the draft and the original can be as large as the snapshot.
    return stmt.options(load_only(Proposal.kind, Proposal.snapshot, Proposal.household_id),
                        joinedload(Proposal.area).joinedload(Area.parent)).order_by(Proposal.id)


def _registry_households(user: User, s: RegistrySelection) -> Select:
    stmt = access.in_area(select(Household.id), Household.area_id, user)
    return stmt.where(Household.area_id.in_(access.area_ids_within(s.kelurahan))) if s.kelurahan else stmt


def _registry_people(user: User, s: RegistrySelection) -> Select:
    """Active people with their household's columns and latest rank, ordered by RT, household and person."""
    run = ranking.latest_run()
    latest_rank = and_(HouseholdRank.household_id == Household.id, HouseholdRank.run_id == (run.id if run else -1))
    stmt = access.in_area(
        select(Person.id.label("person_id"), Person.household_id, Person.nik, Person.name, Person.birth_place,
               Person.birth_date, Person.sex, Person.mother_name, Person.relation, Household.area_id, Household.no_kk,
               Household.address, Household.status,
               Household.nonaktif_reason, Household.criteria_met, HouseholdRank.desil, Household.official_desil,
               Household.official_desil_period)
        .join(Household, Person.household_id == Household.id).join(Area, Household.area_id == Area.id)
        .outerjoin(HouseholdRank, latest_rank).where(Person.active), Household.area_id, user)
    if s.kelurahan:
        stmt = stmt.where(Household.area_id.in_(access.area_ids_within(s.kelurahan)))
    return stmt.order_by(Area.code, Household.id, Person.id)

