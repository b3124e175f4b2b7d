"""A data-subject export: everything the portal holds about one person, found by their full NIK.

Dinas Sosial answers a person's request for their data (UU 27/2022) with one JSON file: the person (every
registry row with that NIK), their households with members (other members' NIKs masked), the assessment and
indicative ranking, PPKS, programs, the proposals that concern them with their decisions, the registry's
change history, letters whose attachment lists them (number and date only) and the audit events about them
(officials shown by role and a masked name). The export itself is audited as `subjek.ekspor` with its reason.
"""
from datetime import datetime

from sqlalchemy import String, cast, or_, select

from portal import access, clock
from portal.domain import data_subject as rules
from portal.domain.audit_labels import action_label, mask_niks
from portal.domain.errors import DomainError
from portal.domain.letters import KINDS as LETTER_KINDS
from portal.domain.nik import mask
from portal.domain.roles import ROLE_LABELS
from portal.domain.workflow import ACTION_LABELS, KIND_LABELS, STATE_LABELS
from portal.extensions import db
from portal.models import (AuditEvent, Decision, Household, HouseholdRank, Letter, Person, PersonPpks,
                           ProgramMembership, Proposal, ProposalNik, RankingRun, RegistryChange, User,
                           letter_proposals)
from portal.models.types import utcnow
from portal.services import audit

UNKNOWN = "NIK ini tidak ditemukan di data portal. Tidak ada data yang diekspor."


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(clock.WITA).isoformat(timespec="seconds")
    return value.isoformat()


def _label(labels: dict, value) -> str:
    try:
        return labels[value]
    except (KeyError, ValueError):
        return str(value)


def _person(p: Person) -> dict:
    return {"id": p.id, "rumah_tangga_id": p.household_id, "nik": p.nik, "nama": p.name,
            "tempat_lahir": p.birth_place, "tanggal_lahir": _iso(p.birth_date), "jenis_kelamin": p.sex,
            "hubungan_keluarga": p.relation, "status_kawin": p.marital_status, "nama_ibu_kandung": p.mother_name,
            "pekerjaan": p.job, "id_art": p.id_art, "aktif": p.active}


def _household(h: Household, subject_nik: str) -> dict:
    return {"id": h.id, "no_kk": h.no_kk, "alamat": h.address, "wilayah": h.area.full_label,
            "kode_wilayah": h.area.code, "status": h.status, "alasan_nonaktif": h.nonaktif_reason,
            "id_dtks": h.id_dtks, "status_resmi": h.official_status, "desil_resmi": h.official_desil,
            "periode_desil_resmi": h.official_desil_period, "dibuat": _iso(h.created_at),
            "diperbarui": _iso(h.updated_at),
            "anggota": [{"nama": m.name, "nik": m.nik if m.nik == subject_nik else mask(m.nik),
                         "hubungan_keluarga": m.relation, "tanggal_lahir": _iso(m.birth_date), "aktif": m.active}
                        for m in h.members]}


def _assessments(households: list[Household]) -> list[dict]:
    ranks = db.session.execute(select(HouseholdRank, RankingRun.computed_at, RankingRun.ranking_version)
                               .join(RankingRun, RankingRun.id == HouseholdRank.run_id)
                               .where(HouseholdRank.household_id.in_([h.id for h in households]))
                               .order_by(HouseholdRank.household_id, RankingRun.id)).all()
    return [{"rumah_tangga_id": h.id, "kondisi": h.conditions, "kriteria_terpenuhi": h.criteria_met,
             "fakir_miskin": h.fakir_miskin,
             "peringkat_indikatif": [{"dihitung": _iso(at), "aturan": version, "status": r.status,
                                      "peringkat_kota": r.rank_city, "peringkat_kelurahan": r.rank_kelurahan,
                                      "desil_indikatif": r.desil}
                                     for r, at, version in ranks if r.household_id == h.id]}
            for h in households]


def _proposals(actor: User, nik: str, household_ids: list[int]) -> list[Proposal]:
    by_nik = select(ProposalNik.proposal_id).where(ProposalNik.nik == nik)
    return db.session.scalars(access.in_area(select(Proposal), Proposal.area_id, actor)
                              .where(or_(Proposal.id.in_(by_nik), Proposal.household_id.in_(household_ids)))
                              .order_by(Proposal.id)).all()


def _subject_entries(content: dict | None, nik: str) -> list[dict]:
    """The members of a proposal's content that are this person (their data as it was proposed)."""
    return [m for m in (content or {}).get("members", []) if m.get("nik") == nik]


def _proposal(p: Proposal, decisions: list[Decision], nik: str) -> dict:
    return {"id": p.id, "jenis": _label(KIND_LABELS, p.kind), "status": _label(STATE_LABELS, p.status),
            "dibuat": _iso(p.created_at), "diajukan": _iso(p.submitted_at), "putaran": p.round,
            "sha256_isi": p.snapshot_sha256,
            "data_anda_dalam_usulan": _subject_entries(p.snapshot or p.draft, nik),
            "keputusan": [{"waktu": _iso(d.at), "tindakan": _label(ACTION_LABELS, d.action),
                           "oleh": ROLE_LABELS.get(d.role, d.role), "alasan": d.reason, "putaran": d.round,
                           "dari_status": _label(STATE_LABELS, d.from_status),
                           "ke_status": _label(STATE_LABELS, d.to_status)}
                          for d in decisions if d.proposal_id == p.id]}


def _letters(nik: str, proposal_ids: list[int]) -> list[dict]:
    linked = select(letter_proposals.c.letter_id).where(letter_proposals.c.proposal_id.in_(proposal_ids))
    letters = db.session.execute(select(Letter.id, Letter.kind, Letter.number, Letter.issued_at, Letter.revoked_at)
                                 .where(or_(Letter.id.in_(linked), cast(Letter.data, String).contains(nik)))
                                 .order_by(Letter.issued_at)).all()
    return [{"nomor": row.number, "tanggal": _iso(row.issued_at.astimezone(clock.WITA).date()),
             "jenis": LETTER_KINDS.get(row.kind, row.kind), "dicabut": row.revoked_at is not None}
            for row in letters]


def _audit_events(persons, household_ids, proposal_ids) -> list[dict]:
    about = or_((AuditEvent.target_type == "Person") & AuditEvent.target_id.in_([p.id for p in persons]),
                (AuditEvent.target_type == "Household") & AuditEvent.target_id.in_(household_ids),
                (AuditEvent.target_type == "Proposal") & AuditEvent.target_id.in_(proposal_ids))
    rows = db.session.execute(select(AuditEvent, User.full_name, User.role)
                              .outerjoin(User, User.id == AuditEvent.actor_id)
                              .where(about).order_by(AuditEvent.id)).all()
    return [{"waktu": _iso(event.at), "tindakan": action_label(event.action), "kode_tindakan": event.action,
             "oleh": f"{ROLE_LABELS.get(role, role)} ({rules.mask_name(name)})" if name else "sistem",
             "alasan": mask_niks(str(event.detail.get("reason", ""))) if isinstance(event.detail, dict) else ""}
            for event, name, role in rows]


def export(actor: User, nik_text: str, reason_text: str, ip: str = "") -> tuple[dict, str]:
    """(the export as a JSON-ready dict, a file name without personal data); DomainError for an unknown NIK
    or a missing reason. Audited (the caller commits)."""
    reason = rules.clean_reason(reason_text)
    nik = rules.clean_nik(nik_text)
    # Dinas Sosial sees the whole city; the scoping helper keeps it so should another level ever export.
    persons = db.session.scalars(access.in_area(select(Person).join(Household), Household.area_id, actor)
                                 .where(Person.nik == nik).order_by(Person.id)).all()
    household_ids = sorted({p.household_id for p in persons})
    proposals = _proposals(actor, nik, household_ids)
    if not persons and not proposals:
        raise DomainError(UNKNOWN, field="nik")
    households = db.session.scalars(select(Household).where(Household.id.in_(household_ids))
                                    .order_by(Household.id)).all()
    proposal_ids = [p.id for p in proposals]
    decisions = db.session.scalars(select(Decision).where(Decision.proposal_id.in_(proposal_ids))
                                   .order_by(Decision.at, Decision.id)).all()
    person_ids = [p.id for p in persons]
    ppks = db.session.scalars(select(PersonPpks).where(PersonPpks.person_id.in_(person_ids))
                              .order_by(PersonPpks.id)).all()
    memberships = db.session.scalars(select(ProgramMembership).where(
        ProgramMembership.household_id.in_(household_ids),
        or_(ProgramMembership.person_id.is_(None), ProgramMembership.person_id.in_(person_ids)))
        .order_by(ProgramMembership.id)).all()
    changes = db.session.scalars(select(RegistryChange).where(
        or_(RegistryChange.person_id.in_(person_ids),
            RegistryChange.household_id.in_(household_ids) & RegistryChange.person_id.is_(None)))
        .order_by(RegistryChange.at, RegistryChange.id)).all()
    data = {
        "format": f"verivali-bontang/subjek-data/v{rules.FORMAT_VERSION}",
        "dibuat": _iso(utcnow()),
        "diminta_untuk_nik": nik,
        "alasan": reason,
        "orang": [_person(p) for p in persons],
        "rumah_tangga": [_household(h, nik) for h in households],
        "penilaian": _assessments(households),
        "ppks": [{"orang_id": x.person_id, "kategori": x.category, "aktif": x.active, "sejak": _iso(x.since),
                  "sampai": _iso(x.until)} for x in ppks],
        "program": [{"rumah_tangga_id": m.household_id, "untuk_anda_sendiri": m.person_id is not None,
                     "program": m.program, "nomor": m.identifier, "periode": m.period, "sumber": m.source,
                     "aktif": m.active, "sejak": _iso(m.since), "sampai": _iso(m.until)} for m in memberships],
        "usulan": [_proposal(p, decisions, nik) for p in proposals],
        "riwayat_perubahan": [{"waktu": _iso(c.at), "rumah_tangga_id": c.household_id, "orang_id": c.person_id,
                               "usulan_id": c.proposal_id, "kolom": c.field, "lama": c.old_value,
                               "baru": c.new_value} for c in changes],
        "surat": _letters(nik, proposal_ids),
        "log_audit": _audit_events(persons, household_ids, proposal_ids),
    }
    audit.record(actor, "subjek.ekspor", persons[0] if persons else None, ip=ip, reason=reason, nik=mask(nik),
                 persons=len(persons), proposals=len(proposals))
    return data, f"data-subjek-{clock.today():%Y%m%d}.json"
