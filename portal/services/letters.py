"""Issuing letters: number (gapless per office and year), snapshot, PDF, SHA-256 — then never changed again.

A correction is a new letter; the old one is revoked with a reason, never deleted or overwritten.
"""
import hashlib
import secrets
from collections.abc import Iterator

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import access, clock
from portal.domain.errors import DomainError
from portal.domain import programs
from portal.domain.household import RELATIONS, SEXES, STATUS_REASONS
from portal.domain.letter_numbers import format_number
from portal.domain.letters import KINDS, MINISTRY, SIFAT, OfficeSettings, default_settings
from portal.domain.muskel import UNSUR
from portal.domain.nik import clean_number
from portal.domain.terbilang import count_words, date_in_words, long_date
from portal.domain.workflow import KIND_LABELS, Action, Kind, State
from portal.extensions import db
from portal.models import (Area, Household, Letter, LetterSequence, Muskel, Office, Person, Proposal, User,
                           letter_proposals)
from portal.models.types import utcnow
from portal.services import audit, audit_chain, pdf, review


BNBA_COLUMNS = [("nik", "NIK"), ("no_kk", "No. KK"), ("name", "Nama"), ("birth_place", "Tempat Lahir"),
                ("birth_date", "Tanggal Lahir"), ("sex", "Jenis Kelamin"), ("mother_name", "Nama Ibu Kandung"),
                ("relation", "Hubungan Keluarga"), ("address", "Alamat"), ("rt", "RT"), ("rw", "RW"),
                ("kelurahan_code", "Kode Kelurahan"), ("kind", "Jenis Usulan"), ("note", "Keterangan")]


def office_for(area: Area) -> Office:
    office = db.session.scalar(select(Office).where(Office.area_id == area.id))
    if office is None:
        try:
            with db.session.begin_nested():  # two first visits at once: one insert wins, the other reads it
                office = Office(area=area, settings={})
                db.session.add(office)
        except IntegrityError:
            office = db.session.scalar(select(Office).where(Office.area_id == area.id))
    return office


def settings_of(office: Office) -> OfficeSettings:
    return OfficeSettings.from_dict(office.settings, default_settings(office.area.level, office.area.name))


def next_sequence(office: Office, year: int) -> int:
    """The next number of this office in this year. The row is locked (FOR UPDATE on PostgreSQL) until the
    issuing transaction ends, so two letters issued at the same moment get different numbers, and a failed
    issue rolls its number back: no gaps."""
    stmt = select(LetterSequence).where(LetterSequence.office_id == office.id, LetterSequence.year == year)
    row = db.session.scalar(stmt.with_for_update())
    if row is None:
        try:
            with db.session.begin_nested():  # two first letters of a year at once: one insert wins...
                db.session.add(LetterSequence(office_id=office.id, year=year, last=0))
        except IntegrityError:
            pass  # ...and the other waits for the winner's row below
        row = db.session.scalar(stmt.with_for_update())
    row.last += 1
    db.session.flush()
    return row.last


def bnba_identity(member: dict, no_kk: str, address: str, rt: Area) -> dict:
    """The identity columns of one person in a BNBA (shared by the letters' attachment and the exports).

    `member` holds the person as proposal content does (codes for sex and relation, ISO birth date);
    `rt` is the household's RT with its kelurahan loaded."""
    return {"nik": member["nik"], "no_kk": no_kk, "name": member["name"], "birth_place": member["birth_place"],
            "birth_date": member["birth_date"], "sex": SEXES.get(member["sex"], member["sex"]),
            "mother_name": member["mother_name"], "relation": RELATIONS.get(member["relation"], member["relation"]),
            "address": address, "rt": rt.name.removeprefix("RT "), "rw": rt.rw or "", "kelurahan_code": rt.parent.code}


def bnba_note(content: dict) -> str:
    """The "Keterangan" column: why a household leaves, or which program changes."""
    if reason := (content.get("nonaktif") or {}).get("reason"):
        return STATUS_REASONS.get(reason, reason)
    return programs.describe(content["program"]) if content.get("program") else ""


def bnba_person_rows(proposal: Proposal) -> Iterator[dict]:
    """By-name-by-address rows of one proposal, one per person staying in the household, from its frozen snapshot."""
    content = proposal.snapshot or {}
    household = content.get("household", {})
    extra = {"kind": KIND_LABELS[Kind(proposal.kind)], "note": bnba_note(content)}
    for m in content.get("members", []):
        if not m.get("leaving"):
            yield (bnba_identity(m, household.get("no_kk", ""), household.get("address", ""), proposal.area) | extra
                   | {"person_id": m.get("person_id")})


def bnba_rows(proposals: list[Proposal]) -> list[dict]:
    """The BNBA attachment of a letter: every proposal's rows, in the order given."""
    return [row for p in proposals for row in bnba_person_rows(p)]


def ready_for_usulan(actor: User, proposal_ids: list[int], sifat: str) -> list[Proposal]:
    """The proposals of a Surat Usulan, or DomainError saying why it cannot be issued."""
    if sifat not in SIFAT:
        raise DomainError("Pilih sifat surat: " + ", ".join(SIFAT) + ".", field="sifat")
    proposals = _proposals_in_area(actor, proposal_ids)
    not_ready = [p.id for p in proposals if p.status != State.DISETUJUI_DINSOS]
    if not_ready:
        raise DomainError("Usulan berikut belum disetujui atau sudah dikirim: "
                          + ", ".join(f"#{i}" for i in not_ready) + ".")
    return proposals


def issue_usulan(actor: User, proposal_ids: list[int], sifat: str = "Biasa") -> Letter:
    """The Surat Usulan to the ministry for approved proposals; they become 'dikirim ke Kementerian'."""
    proposals = ready_for_usulan(actor, proposal_ids, sifat)
    office = office_for(actor.area)
    letter = _issue(actor, office, "usulan", "Usulan Perubahan Data Terpadu Kesejahteraan Sosial", sifat,
                    {"recipient": list(MINISTRY), "rows": bnba_rows(proposals),
                     "proposal_count_text": count_words(len(proposals), "").strip(),
                     "kinds": _count_kinds(proposals)}, proposals)
    for p in proposals:
        review.decide(actor, p, p.version, Action.KIRIM)
    return letter


def issue_pengantar(actor: User, proposal_ids: list[int]) -> Letter:
    """The kecamatan's Surat Pengantar to Dinas Sosial for the proposals it forwarded."""
    proposals = _proposals_in_area(actor, proposal_ids)
    ready = {p.id for p in ready_for_pengantar(actor)}
    not_ready = [p.id for p in proposals if p.id not in ready]
    if not_ready:
        raise DomainError("Usulan berikut belum diteruskan kecamatan atau sudah punya surat pengantar: "
                          + ", ".join(f"#{i}" for i in not_ready) + ".")
    subject = "Pengantar Usulan Perubahan Data Kesejahteraan Sosial"
    body = {"recipient": ["Kepala Dinas Sosial dan Pemberdayaan Masyarakat Kota Bontang"],
            "rows": bnba_rows(proposals), "kinds": _count_kinds(proposals),
            "proposal_count_text": count_words(len(proposals), "").strip()}
    return _issue(actor, office_for(actor.area), "pengantar", subject, "Biasa", body, proposals)


def issue_berita_acara(actor: User, meeting: Muskel) -> Letter:
    """The Berita Acara of a finalised Musyawarah Kelurahan, with its attendance list and BNBA."""
    if not meeting.final:
        raise DomainError("Finalkan musyawarah dulu sebelum membuat berita acara.")
    if meeting.kind != "muskel":
        raise DomainError("Berita acara hanya untuk musyawarah kelurahan, bukan SPTJM.")
    if db.session.scalar(select(Letter.id).where(Letter.muskel_id == meeting.id, Letter.revoked_at.is_(None))):
        raise DomainError("Musyawarah ini sudah punya berita acara yang sah.")
    proposals = db.session.scalars(select(Proposal).where(Proposal.id.in_([i.proposal_id for i in meeting.items]))
                                   .order_by(Proposal.id)).all()
    verdicts = {i.proposal_id: i.verdict for i in meeting.items}
    tally: dict[str, dict[str, int]] = {}
    for p in proposals:
        row = tally.setdefault(KIND_LABELS[Kind(p.kind)], {"layak": 0, "tidak_layak": 0, "ditunda": 0})
        row[verdicts[p.id]] += 1
    kecamatan = settings_of(office_for(meeting.area.parent))
    letter = _issue(actor, office_for(meeting.area), "berita_acara", "Berita Acara Musyawarah Kelurahan", "Biasa",
                    {"opening": date_in_words(meeting.held_on), "place": meeting.place,
                     "kelurahan": meeting.area.name, "kecamatan": meeting.area.parent.name,
                     "participants": [{"name": p.name, "unsur": UNSUR.get(p.unsur, p.unsur)}
                                      for p in meeting.participants],
                     "tally": tally, "rows": bnba_rows([p for p in proposals if verdicts[p.id] == "layak"]),
                     "witness": next((p.name for p in meeting.participants if p.unsur in ("lpm", "tokoh_masyarakat")),
                                     meeting.participants[0].name if meeting.participants else ""),
                     "camat": {"title": kecamatan.signer.title, "name": kecamatan.signer.name,
                               "nip": kecamatan.signer.nip}}, proposals)
    letter.muskel_id = meeting.id
    return letter


def issue_keterangan(actor: User, nik: str, purpose: str) -> Letter:
    """A Surat Keterangan that one registered person is in the welfare data (e.g. for PBI-JK reactivation)."""
    purpose = " ".join((purpose or "").split())[:200]
    if len(purpose) < 5:
        raise DomainError("Tuliskan keperluan surat keterangan.", field="purpose")
    person = db.session.scalar(access.in_area(select(Person).join(Household), Household.area_id, actor)
                               .where(Person.nik == clean_number(nik), Person.active))
    if person is None:
        raise DomainError("NIK ini tidak terdaftar sebagai anggota rumah tangga aktif.", field="nik")
    household = person.household
    subject = "Surat Keterangan Terdaftar dalam Data Kesejahteraan Sosial"
    who = {"name": person.name, "nik": person.nik, "birth_place": person.birth_place,
           "birth_date": person.birth_date.isoformat(), "address": f"{household.address}, {household.area.full_label}"}
    return _issue(actor, office_for(actor.area), "keterangan", subject, "Biasa",
                  {"person": who, "purpose": purpose, "criteria_met": household.criteria_met,
                   "household_status": household.status}, [])


def issue_verivali_recap(actor: User, period_name: str, dates: str, closed: bool, areas: list[dict],
                         total: dict) -> Letter:
    """The recap of a verivali period per area (rows prepared by services.verivali), numbered and verifiable."""
    subject = f"Rekapitulasi Hasil {period_name}"
    return _issue(actor, office_for(actor.area), "rekap_verivali", subject, "Biasa",
                  {"period": {"name": period_name, "dates": dates, "closed": closed}, "areas": areas,
                   "total": total}, [])


def ready_for_pengantar(actor: User) -> list[Proposal]:
    """Proposals the kecamatan forwarded that no valid Surat Pengantar covers yet."""
    covered = (select(letter_proposals.c.proposal_id).join(Letter, Letter.id == letter_proposals.c.letter_id)
               .where(Letter.kind == "pengantar", Letter.revoked_at.is_(None)))
    stmt = access.proposals_in_area(actor).where(
        Proposal.status == State.DIVERIFIKASI_KECAMATAN, Proposal.id.not_in(covered))
    return db.session.scalars(stmt.order_by(Proposal.id)).all()


def _proposals_in_area(actor: User, proposal_ids: list[int]) -> list[Proposal]:
    if not proposal_ids:
        raise DomainError("Pilih minimal satu usulan.")
    stmt = access.in_area(select(Proposal), Proposal.area_id, actor).where(Proposal.id.in_(proposal_ids))
    proposals = db.session.scalars(stmt.order_by(Proposal.id)).all()
    if len(proposals) != len(set(proposal_ids)):
        raise DomainError("Sebagian usulan tidak ditemukan di wilayah Anda.")
    return proposals


def _count_kinds(proposals: list[Proposal]) -> dict:
    counts: dict[str, int] = {}
    for p in proposals:
        counts[KIND_LABELS[Kind(p.kind)]] = counts.get(KIND_LABELS[Kind(p.kind)], 0) + 1
    return counts


def _issue(actor: User, office: Office, kind: str, subject: str, sifat: str, body: dict,
           proposals: list[Proposal]) -> Letter:
    settings = settings_of(office)
    today = clock.today()
    sequence = next_sequence(office, today.year)
    number = format_number(settings.pattern, settings.classifications.get(kind, "400.9.2"), sequence,
                           settings.unit, today)
    token = secrets.token_urlsafe(18)
    data = {"kind": kind, "kind_label": KINDS[kind], "number": number, "date": today.isoformat(),
            "date_text": long_date(today), "sifat": sifat, "subject": subject,
            "lampiran": count_words(1, "berkas") if body.get("rows") or body.get("participants") else "-",
            "office": {k: v for k, v in settings.to_dict().items() if k not in ("pattern", "classifications")},
            "verify_url": f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/v/{token}", **body}
    data["entries"] = len(body.get("rows", []))
    data["audit_anchor"] = audit_chain.head()  # printed under the QR code and kept on the letter: an anchor
    context = pdf_context(data, pdf.qr_svg(data["verify_url"]))
    document = pdf.render_pdf(f"letters/{kind}.html", context,
                              title=f"{KINDS[kind]} {number}", author=settings.name, subject=subject,
                              keywords=[number, KINDS[kind]])
    letter = Letter(kind=kind, office=office, year=today.year, sequence=sequence, number=number, subject=subject,
                    issued_by_id=actor.id, data=data, pdf=document, pdf_sha256=hashlib.sha256(document).hexdigest(),
                    verify_token=token, entries=data["entries"], proposals=proposals,
                    audit_head_id=(data["audit_anchor"] or {}).get("row_id"),
                    audit_head_hash=(data["audit_anchor"] or {}).get("row_hash"))
    db.session.add(letter)
    db.session.flush()
    audit.record(actor, "letter.issue", letter, number=number, kind=kind, entries=letter.entries)
    return letter


def pdf_context(data: dict, qr) -> dict:
    """What a letter template renders from a letter's data; `qr` None for a copy that is not the verified letter."""
    return {"letter": data, "qr": qr, "verify_url": data.get("verify_url") if qr else None,
            "bnba": {"title": "Daftar nama dan alamat (BNBA) usulan", "columns": BNBA_COLUMNS,
                     "rows": data.get("rows", []), "landscape": True}}


# What _issue sets itself for every letter; a replacement keeps everything else of the old one.
ISSUED_FIELDS = {"kind", "kind_label", "number", "date", "date_text", "sifat", "subject", "lampiran", "office",
                 "verify_url", "entries", "audit_anchor"}


def replace(actor: User, letter: Letter, reason: str) -> Letter:
    """A corrected letter (new number, today's date and office settings, the same content) that replaces
    the old one; the old one is revoked with the reason and points to its replacement."""
    if letter.revoked_at is not None:
        raise DomainError("Surat ini sudah dicabut.")
    body = {k: v for k, v in letter.data.items() if k not in ISSUED_FIELDS}
    new = _issue(actor, letter.office, letter.kind, letter.subject, letter.data.get("sifat", "Biasa"), body,
                 list(letter.proposals))
    new.muskel_id = letter.muskel_id
    revoke(actor, letter, reason, replaced_by=new)
    return new


def revoke(actor: User, letter: Letter, reason: str, replaced_by: Letter | None = None) -> None:
    reason = " ".join((reason or "").split())
    if letter.revoked_at is not None:
        raise DomainError("Surat ini sudah dicabut.")
    if len(reason) < 10:
        raise DomainError("Tuliskan alasan pencabutan minimal 10 karakter.", field="reason")
    letter.revoked_at, letter.revoke_reason = utcnow(), reason[:500]
    letter.replaced_by_id = replaced_by.id if replaced_by else None
    audit.record(actor, "letter.revoke", letter, reason=reason[:200])
