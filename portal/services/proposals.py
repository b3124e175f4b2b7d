"""A Ketua RT's proposals: start, save each step as a server-side draft, submit (freeze), withdraw.

Every save names the version the form was read at; a different current version means someone
else changed the draft (another tab or device) and the save is refused, never silently merged.
"""
import copy
import secrets
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, select

from portal.domain import programs, workflow
from portal.domain.areas import is_within
from portal.domain.criteria import EDUCATION, FLOOR_TYPES, FUELS, JOBS, LIGHTING, TOILETS, WALL_TYPES, WATER
from portal.domain.errors import BlockedError, DomainError, StaleError
from portal.domain.household import (MARITAL, NONAKTIF_REASONS, RELATIONS, SEXES, WARNING_NEEDS_REASON, clean_text,
                                     completeness_problems, content_sha256, member_label, member_nik_warnings,
                                     person_key)
from portal.domain.nik import check_birth_date, mask, parse_kk, parse_nik
from portal.domain.ppks import check_category_for
from portal.domain.proposal_steps import EVIDENCE_KINDS, required_evidence
from portal.domain.workflow import OPEN_STATES, Action, Kind, State
from portal.extensions import db
from portal.models import Household, Person, Proposal, ProposalNik, User
from portal.models.types import utcnow
from portal.services import audit, review
from portal.services import programs as program_service
from portal.services.registry import household_content

EMPTY_CONTENT = {"household": {"no_kk": "", "address": "", "rw": ""}, "members": [], "conditions": {}, "ppks": []}


class OpenProposalExists(DomainError):
    def __init__(self, proposal_id: int):
        super().__init__("Rumah tangga ini masih punya usulan yang berjalan. Selesaikan usulan itu dulu.")
        self.proposal_id = proposal_id


def open_proposal_of(household: Household) -> Proposal | None:
    open_states = [s.value for s in OPEN_STATES]
    return db.session.scalar(select(Proposal).where(Proposal.household_id == household.id,
                                                    Proposal.status.in_(open_states)))


def start(actor: User, kind: str, household: Household | None = None) -> Proposal:
    kind = Kind(kind)
    if kind == Kind.BARU:
        draft, original = copy.deepcopy(EMPTY_CONTENT), None
        draft["household"]["rw"] = actor.area.rw or ""
    else:
        if household is None:
            raise DomainError("Pilih rumah tangga yang diusulkan.")
        if household.status == "nonaktif":
            raise DomainError("Rumah tangga ini sudah nonaktif.")
        if existing := open_proposal_of(household):
            raise OpenProposalExists(existing.id)
        original = household_content(household)
        draft = copy.deepcopy(original)
        if kind == Kind.NONAKTIF:
            draft["nonaktif"] = {"reason": "", "note": ""}
        if kind == Kind.PROGRAM:
            draft["program"] = {"action": "", "program": "", "member_key": "", "reason": ""}
    proposal = Proposal(kind=kind.value, area_id=household.area_id if household else actor.area_id,
                        household=household, created_by=actor, draft=draft, original=original)
    db.session.add(proposal)
    db.session.flush()
    _refresh_niks(proposal)
    audit.record(actor, "proposal.start", proposal, kind=kind.value)
    return proposal


# --- saving steps ----------------------------------------------------------------------------------

def _editable_draft(actor: User, proposal: Proposal, version: int | str | None) -> dict:
    if not proposal.editable:
        raise DomainError(f"Usulan berstatus {proposal.status_label} tidak dapat diubah lagi.")
    if str(version) != str(proposal.version):
        raise StaleError("Draf ini sudah diubah di perangkat atau tab lain. Periksa isian di bawah, lalu simpan lagi.")
    return copy.deepcopy(proposal.draft)


def _store(proposal: Proposal, draft: dict, step: str) -> None:
    proposal.draft = draft  # a new dict, so the JSON column sees the change
    proposal.step = step
    db.session.flush()
    _refresh_niks(proposal)


def save_household(actor: User, proposal: Proposal, version, no_kk: str, address: str) -> None:
    draft = _editable_draft(actor, proposal, version)
    draft["household"]["no_kk"] = parse_kk(no_kk)
    draft["household"]["address"] = clean_text(address)
    if len(draft["household"]["address"]) < 5:
        raise DomainError("Alamat minimal 5 karakter (nama jalan/gang dan nomor rumah).", field="address")
    _store(proposal, draft, "rumah_tangga")


def save_member(actor: User, proposal: Proposal, version, key: str | None, data: dict, today: date) -> str:
    """Add (key None) or update a member; returns the member's key. Field errors raise DomainError."""
    draft = _editable_draft(actor, proposal, version)
    members = draft["members"]
    current = next((m for m in members if m["key"] == key), None) if key else None
    if key and current is None:
        raise DomainError("Anggota tidak ditemukan di draf ini.")
    member = _clean_member(data, today)
    if any(m["nik"] == member["nik"] and m is not current and not m.get("leaving") for m in members):
        raise DomainError("NIK ini sudah ada di rumah tangga ini.", field="nik")
    person_id = current.get("person_id") if current else None
    if conflict := nik_conflict(actor, proposal, member["nik"], person_id):
        raise DomainError(conflict, field="nik")
    if current is None:
        key = f"m{secrets.token_hex(4)}"
        members.append({**member, "key": key, "person_id": None, "ppks": []})
    else:
        current.update(member)
    _store(proposal, draft, "anggota")
    return key


def _clean_member(data: dict, today: date) -> dict:
    member = {"nik": parse_nik(data.get("nik"), today).nik,
              "name": clean_text(data.get("name"), 100), "birth_place": clean_text(data.get("birth_place"), 100),
              "mother_name": clean_text(data.get("mother_name"), 100), "job": data.get("job") or "",
              "warning_reason": clean_text(data.get("warning_reason"), 200)}
    for field, allowed in (("sex", SEXES), ("relation", RELATIONS), ("marital_status", MARITAL)):
        if data.get(field) not in allowed:
            raise DomainError("Pilih salah satu.", field=field)
        member[field] = data[field]
    if member["job"] and member["job"] not in JOBS:
        raise DomainError("Pilih salah satu.", field="job")
    birth = data.get("birth_date")
    if not isinstance(birth, date):
        raise DomainError("Isi tanggal lahir yang benar.", field="birth_date")
    member["birth_date"] = check_birth_date(birth, today).isoformat()
    for field in ("name", "birth_place", "mother_name"):
        if len(member[field]) < 2:
            raise DomainError("Wajib diisi (minimal 2 karakter).", field=field)
    return member


def set_member_leaving(actor: User, proposal: Proposal, version, key: str, leaving: bool, reason: str = "") -> None:
    """Take a member out of the draft. A registered person is marked as leaving (shown old -> new), never deleted."""
    draft = _editable_draft(actor, proposal, version)
    member = next((m for m in draft["members"] if m["key"] == key), None)
    if member is None:
        raise DomainError("Anggota tidak ditemukan di draf ini.")
    if member.get("person_id"):
        member["leaving"] = leaving
        member["leaving_reason"] = clean_text(reason, 200) if leaving else ""
    elif leaving:
        draft["members"].remove(member)  # only ever typed into this draft: nothing in the registry
        draft["ppks"] = [c for c in draft.get("ppks", []) if c["member_key"] != key]
    _store(proposal, draft, "anggota")


CONDITION_CHOICES = {"floor_type": FLOOR_TYPES, "wall_type": WALL_TYPES, "toilet": TOILETS, "lighting": LIGHTING,
                     "water": WATER, "cooking_fuel": FUELS, "head_job": JOBS, "head_education": EDUCATION}
CONDITION_NUMBERS = {"meat_per_week": (0, 21), "clothes_per_year": (0, 50), "meals_per_day": (0, 10),
                     "head_income_monthly": (0, 1_000_000_000), "assets_value": (0, 100_000_000_000)}


def save_conditions(actor: User, proposal: Proposal, version, answers: dict) -> None:
    """The house conditions and the answers behind the 14 criteria; unanswered values stay None."""
    draft = _editable_draft(actor, proposal, version)
    clean = {}
    for field, choices in CONDITION_CHOICES.items():
        value = answers.get(field) or None
        if value is not None and value not in choices:
            raise DomainError("Pilih salah satu.", field=field)
        clean[field] = value
    for field, (low, high) in CONDITION_NUMBERS.items():
        value = answers.get(field)
        if value is not None and not low <= value <= high:
            raise DomainError(f"Isi angka {low} sampai {high:,}.".replace(",", "."), field=field)
        clean[field] = value
    floor = answers.get("floor_area_m2")
    if floor is not None and not 1 <= floor <= 10_000:
        raise DomainError("Luas lantai 1 sampai 10.000 m².", field="floor_area_m2")
    # "22", not "22.00": the same area must read the same, or an unchanged PERBAIKAN looks changed.
    clean["floor_area_m2"] = format(Decimal(str(floor)).normalize(), "f") if floor is not None else None
    clean["can_pay_clinic"] = {"ya": True, "tidak": False}.get(answers.get("can_pay_clinic") or "")
    clean["has_shelter"] = answers.get("has_shelter") != "tidak"
    draft["conditions"] = clean
    _store(proposal, draft, "kondisi")


def add_ppks_change(actor: User, proposal: Proposal, version, member_key: str, category: str, action: str,
                    today: date) -> None:
    draft = _editable_draft(actor, proposal, version)
    member = next((m for m in draft["members"] if m["key"] == member_key and not m.get("leaving")), None)
    if member is None:
        raise DomainError("Pilih anggota rumah tangga.", field="member_key")
    if action not in ("tambah", "hapus"):
        raise DomainError("Pilih tambah atau hapus.", field="action")
    birth = date.fromisoformat(member["birth_date"]) if member.get("birth_date") else None
    if action == "tambah":
        check_category_for(category, birth, today)
        if category in member.get("ppks", []):
            raise DomainError("Orang ini sudah tercatat dalam kategori tersebut.", field="category")
    elif category not in member.get("ppks", []):
        raise DomainError("Orang ini tidak tercatat dalam kategori tersebut.", field="category")
    changes = [c for c in draft.get("ppks", []) if not (c["member_key"] == member_key and c["category"] == category)]
    changes.append({"member_key": member_key, "category": category, "action": action})
    draft["ppks"] = changes
    _store(proposal, draft, "ppks")


def remove_ppks_change(actor: User, proposal: Proposal, version, index: int) -> None:
    draft = _editable_draft(actor, proposal, version)
    if not 0 <= index < len(draft.get("ppks", [])):
        raise DomainError("Perubahan PPKS tidak ditemukan.")
    del draft["ppks"][index]  # an unsent line of this draft, not registry data
    _store(proposal, draft, "ppks")


def save_nonaktif(actor: User, proposal: Proposal, version, reason: str, note: str) -> None:
    draft = _editable_draft(actor, proposal, version)
    if reason not in NONAKTIF_REASONS:
        raise DomainError("Pilih alasan penonaktifan.", field="reason")
    note = clean_text(note, 500)
    if len(note) < 10:
        raise DomainError("Tuliskan keterangan minimal 10 karakter (apa yang Anda ketahui dan kapan).", field="note")
    draft["nonaktif"] = {"reason": reason, "note": note}
    _store(proposal, draft, "alasan")


def save_program(actor: User, proposal: Proposal, version, action: str, program: str, member_key: str,
                 reason: str) -> None:
    """Which program to start or stop, for the household or (PBI-JK) one member, and why."""
    draft = _editable_draft(actor, proposal, version)
    member = None
    if program in programs.PER_PERSON:
        member = next((m for m in draft["members"] if m["key"] == member_key and not m.get("leaving")), None)
        if member is None:
            raise DomainError("Pilih anggota keluarga penerima PBI-JK.", field="member_key")
    has_it = program_service.has_program(proposal.household, program, member.get("person_id") if member else None)
    reason = clean_text(reason, 500)
    programs.check_change(action, program, has_it, reason)
    draft["program"] = {"action": action, "program": program, "member_key": member["key"] if member else "",
                        "reason": reason}
    _store(proposal, draft, "program")


# --- checks ----------------------------------------------------------------------------------------

def nik_conflict(actor: User, proposal: Proposal, nik: str, person_id: int | None) -> str | None:
    """Why this NIK may not be used here (another household, another open proposal), or None."""
    other = db.session.scalar(select(Person).where(Person.nik == nik, Person.active))
    if other is not None and other.id != person_id:
        where = other.household.area
        place = f" ({where.full_label})" if is_within(where.code, actor.area.code) else ""
        return f"NIK ini sudah terdaftar di rumah tangga lain{place}."
    open_states = [s.value for s in OPEN_STATES]
    clash = db.session.scalar(
        select(Proposal).join(ProposalNik, ProposalNik.proposal_id == Proposal.id)
        .where(ProposalNik.nik == nik, Proposal.id != proposal.id, Proposal.status.in_(open_states)))
    if clash is not None:
        mine = is_within(clash.area.code, actor.area.code)
        return "NIK ini sudah ada di usulan lain yang masih berjalan" + (f" (usulan #{clash.id})." if mine else ".")
    return None


def member_warnings(proposal: Proposal, member: dict, today: date) -> list[str]:
    """Warnings that need a written reason: NIK disagreements and a likely duplicate under another NIK."""
    warnings = member_nik_warnings(member, today)
    if member.get("name") and member.get("birth_date") and member.get("mother_name"):
        key = person_key(member["name"], member["birth_date"], member["mother_name"])
        twin = db.session.scalar(select(Person.nik).where(
            Person.person_key == key, Person.active, Person.nik != member.get("nik"),
            Person.id != (member.get("person_id") or 0)).limit(1))  # not the registered person being corrected
        if twin:
            warnings.append(f"Kemungkinan data ganda: nama, tanggal lahir dan nama ibu sama dengan NIK {mask(twin)}.")
    return warnings


def submission_problems(actor: User, proposal: Proposal, today: date) -> list[str]:
    """Everything that still stops 'Ajukan', from the gate, the duplicate checks and the evidence."""
    draft = proposal.draft
    problems = []
    if proposal.kind in (Kind.BARU, Kind.PERBAIKAN):
        problems += completeness_problems(draft, today)
        for i, member in enumerate(m for m in draft["members"] if not m.get("leaving")):
            conflict = member.get("nik") and nik_conflict(actor, proposal, member["nik"], member.get("person_id"))
            if conflict:
                problems.append(f"{member_label(i, member)}: {conflict}")
            if member_warnings(proposal, member, today) and not member.get("warning_reason"):
                problem = f"{member_label(i, member)}: {WARNING_NEEDS_REASON}"
                if problem not in problems:
                    problems.append(problem)
        if proposal.kind == Kind.PERBAIKAN and draft == proposal.original:
            problems.append("Belum ada data yang diubah.")
    if proposal.kind == Kind.NONAKTIF and not draft.get("nonaktif", {}).get("reason"):
        problems.append("Alasan penonaktifan belum diisi.")
    if proposal.kind == Kind.PPKS and not draft.get("ppks"):
        problems.append("Belum ada perubahan kategori PPKS.")
    if proposal.kind == Kind.PROGRAM and not draft.get("program", {}).get("action"):
        problems.append("Program bantuan yang diusulkan belum dipilih.")
    uploaded = {e.kind for e in proposal.active_evidence}
    for kind in required_evidence(proposal.kind, draft, proposal.original):
        if kind not in uploaded:
            problems.append(f"Berkas belum diunggah: {EVIDENCE_KINDS[kind]}.")
    return problems


# --- moving the proposal ---------------------------------------------------------------------------

def submit(actor: User, proposal: Proposal, version, today: date) -> None:
    """Freeze the draft as the snapshot reviewers decide on, with its SHA-256, and send it to the kelurahan."""
    _editable_draft(actor, proposal, version)
    new_state = workflow.next_state(actor.role, Action.AJUKAN, proposal.status)
    if problems := submission_problems(actor, proposal, today):
        raise BlockedError("Usulan belum dapat diajukan. Lengkapi dulu:", problems)
    from_status = proposal.status
    if from_status == State.DIKEMBALIKAN:
        proposal.round += 1  # a resubmission after a return opens a new round; earlier decisions keep theirs
    snapshot = copy.deepcopy(proposal.draft)
    evidence = [{"id": e.id, "kind": e.kind, "sha256": e.sha256} for e in proposal.active_evidence]
    snapshot["meta"] = {"proposal_id": proposal.id, "kind": proposal.kind, "round": proposal.round,
                        "household_id": proposal.household_id, "evidence": evidence}
    proposal.snapshot = snapshot
    proposal.snapshot_sha256 = content_sha256(snapshot)
    proposal.status = new_state.value
    proposal.submitted_at = utcnow()
    review.record(actor, proposal, Action.AJUKAN, from_status)
    db.session.flush()
    audit.record(actor, "proposal.submit", proposal, sha256=proposal.snapshot_sha256, round=proposal.round)


def withdraw(actor: User, proposal: Proposal, version) -> None:
    """The RT withdraws a draft or a returned proposal; it stays visible in the history as 'Dibatalkan'."""
    if str(version) != str(proposal.version):
        raise StaleError("Usulan ini sudah berubah. Muat ulang halaman lalu coba lagi.")
    from_status = proposal.status
    proposal.status = workflow.next_state(actor.role, Action.BATALKAN, proposal.status).value
    review.record(actor, proposal, Action.BATALKAN, from_status)
    db.session.flush()
    audit.record(actor, "proposal.withdraw", proposal)


def _refresh_niks(proposal: Proposal) -> None:
    """Keep the NIK lookup of this proposal equal to its draft (a derived index, not registry data)."""
    db.session.execute(delete(ProposalNik).where(ProposalNik.proposal_id == proposal.id))
    for member in proposal.draft.get("members", []):
        if member.get("nik") and not member.get("leaving"):
            db.session.add(ProposalNik(proposal_id=proposal.id, nik=member["nik"]))
    db.session.flush()
