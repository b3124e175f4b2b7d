"""Helpers for the letter tests: reading issued PDFs back (pypdf), the Dinas Sosial letter screens over HTTP,
and plain-data views of the letter tables read in their own app context.

The PDF helpers fold white space, because WeasyPrint wraps long names and addresses inside the narrow BNBA
columns (a name may come back as "Zubaidah\\nSinaga", a long word broken in two).
"""
import hashlib
import html
import io
import re

from pypdf import PdfReader
from pypdf.generic import StreamObject
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Decision, Letter, LetterSequence, Office, Proposal, User

ISSUE_URL = "/dinsos/surat"
NUMBER_RE = re.compile(r"400\.9\.2/(\d{4})/Dinsos/(\d{4})")
SHA_RE = re.compile(r'<code class="hash">([0-9a-f]{64})</code>')
NOT_FOUND = "Halaman tidak ditemukan"


# --- PDF ------------------------------------------------------------------------------------------------------

def reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def fold(text: str) -> str:
    return " ".join(text.split())


def squeeze(text: str) -> str:
    """Without any white space: for text that may be wrapped anywhere, even inside a word."""
    return "".join(text.split())


def page_texts(data: bytes) -> list[str]:
    return [fold(page.extract_text() or "") for page in reader(data).pages]


def pdf_text(data: bytes) -> str:
    return " ".join(page_texts(data))


def text_positions(data: bytes) -> list[tuple[int, float, float, str]]:
    """(page index, page width, x where the text starts, text) of every piece of text drawn, in PDF points.

    The x is the text matrix carried through the current transformation matrix, as a viewer places it."""
    found = []
    for index, page in enumerate(reader(data).pages):
        width = float(page.mediabox.width)

        def visit(text, cm, tm, _font, _size, index=index, width=width):
            if text.strip():
                found.append((index, width, tm[4] * cm[0] + tm[5] * cm[2] + cm[4], text.strip()))
        page.extract_text(visitor_text=visit)
    return found


def decoded_streams(data: bytes) -> list[bytes]:
    """Every stream of the file, decompressed (content streams, fonts, XMP, any embedded file)."""
    pdf = reader(data)
    streams = []
    for number in range(1, int(pdf.trailer["/Size"])):
        try:
            obj = pdf.get_object(number)
        except Exception:  # noqa: BLE001 - a free object number
            continue
        if isinstance(obj, StreamObject):
            streams.append(obj.get_data())
    return streams


def embedded_files(data: bytes) -> list[str]:
    """Whatever would make the PDF carry a file: attachments, an EmbeddedFiles name tree, associated files
    (/AF, PDF/A-3), file-attachment annotations, EmbeddedFile streams."""
    pdf = reader(data)
    found = [f"attachment {name}" for name in pdf.attachments]
    root = pdf.trailer["/Root"]
    names = root.get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        found.append("/Names /EmbeddedFiles")
    if "/AF" in root:
        found.append("/Root /AF")
    for i, page in enumerate(pdf.pages, 1):
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                found.append(f"FileAttachment annotation on page {i}")
    for number in range(1, int(pdf.trailer["/Size"])):
        try:
            obj = pdf.get_object(number)
        except Exception:  # noqa: BLE001
            continue
        if hasattr(obj, "get") and obj.get("/Type") in ("/EmbeddedFile", "/Filespec"):
            found.append(f"object {number} {obj.get('/Type')}")
    return found


# --- HTTP -----------------------------------------------------------------------------------------------------

def page_text(response) -> str:
    return response.get_data(as_text=True)


def visible(response) -> str:
    return fold(html.unescape(re.sub(r"<[^>]+>", " ", page_text(response))))


def issue(visitor, ids, sifat: str = "Biasa", **extra):
    """Open the letters page (CSRF token), then press "Terbitkan Surat Usulan" with these proposal ids."""
    assert visitor.get(ISSUE_URL).status_code == 200
    return visitor.post(ISSUE_URL, {"ids": [str(i) for i in ids], "sifat": sifat, **extra})


def revoke(visitor, letter_id: int, reason: str, **kw):
    assert visitor.get(ISSUE_URL).status_code == 200
    return visitor.post(f"{ISSUE_URL}/{letter_id}/cabut", {"reason": reason}, **kw)


def shown_sha(response) -> str:
    match = SHA_RE.search(page_text(response))
    assert match, "no SHA-256 on the verification page"
    return match.group(1)


# --- the database ---------------------------------------------------------------------------------------------

def ready_ids(app) -> list[int]:
    """Proposals approved by Dinas Sosial and not yet sent: what the Surat Usulan may carry."""
    with app.app_context():
        return list(db.session.scalars(select(Proposal.id).where(Proposal.status == "disetujui_dinsos")
                                       .order_by(Proposal.id)))


def sent_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Proposal.id).where(Proposal.status == "dikirim_kementerian")
                                       .order_by(Proposal.id)))


def letter(app, letter_id: int | None = None, number: str | None = None) -> dict:
    with app.app_context():
        stmt = select(Letter).where(Letter.id == letter_id if letter_id else Letter.number == number)
        row = db.session.scalar(stmt)
        assert row is not None, (letter_id, number)
        return {"id": row.id, "kind": row.kind, "number": row.number, "year": row.year, "sequence": row.sequence,
                "subject": row.subject, "data": row.data, "pdf": bytes(row.pdf), "sha": row.pdf_sha256,
                "token": row.verify_token, "entries": row.entries, "issued_by": row.issued_by.username,
                "office_area": row.office.area.code, "office_id": row.office_id, "revoked_at": row.revoked_at,
                "reason": row.revoke_reason, "proposals": [p.id for p in row.proposals],
                "issued_at": row.issued_at}


def usulan_letters(app) -> list[dict]:
    """Every Surat Usulan, oldest first."""
    with app.app_context():
        ids = list(db.session.scalars(select(Letter.id).where(Letter.kind == "usulan").order_by(Letter.id)))
    return [letter(app, i) for i in ids]


def dinsos_office(app) -> int:
    with app.app_context():
        dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
        return db.session.scalar(select(Office.id).where(Office.area_id == dinsos.area_id))


def sequences(app, office_id: int, year: int) -> list[int]:
    """The sequence numbers of the office's letters in that year, sorted."""
    with app.app_context():
        return sorted(db.session.scalars(select(Letter.sequence).where(Letter.office_id == office_id,
                                                                        Letter.year == year)))


def sequence_last(app, office_id: int, year: int) -> int | None:
    with app.app_context():
        return db.session.scalar(select(LetterSequence.last).where(LetterSequence.office_id == office_id,
                                                                   LetterSequence.year == year))


def people(app, proposal_ids) -> list[dict]:
    """The persons of the proposals' frozen snapshots that the BNBA lists (members not leaving)."""
    with app.app_context():
        rows = []
        for pid in proposal_ids:
            snapshot = db.session.get(Proposal, pid).snapshot
            household = snapshot.get("household", {})
            rows += [{"nik": m["nik"], "name": m["name"], "mother_name": m["mother_name"],
                      "no_kk": household.get("no_kk", ""), "address": household.get("address", "")}
                     for m in snapshot["members"] if not m.get("leaving")]
        return rows


def statuses(app, proposal_ids) -> dict[int, str]:
    with app.app_context():
        return {pid: db.session.get(Proposal, pid).status for pid in proposal_ids}


def kirim_decisions(app, proposal_ids) -> dict[int, list[tuple]]:
    with app.app_context():
        return {pid: [(d.action, d.role, d.actor.username, d.from_status, d.to_status)
                      for d in db.session.scalars(select(Decision).where(Decision.proposal_id == pid,
                                                                         Decision.action == "kirim"))]
                for pid in proposal_ids}


def audit_events(app, action: str, target_id: int | None = None) -> list[dict]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        if target_id is not None:
            stmt = stmt.where(AuditEvent.target_type == "Letter", AuditEvent.target_id == target_id)
        return [{"actor": db.session.get(User, e.actor_id).username if e.actor_id else None,
                 "target": (e.target_type, e.target_id), "detail": e.detail} for e in db.session.scalars(stmt)]


def written_state(app) -> dict:
    """Everything issuing or revoking may write: compared before and after a refusal."""
    with app.app_context():
        return {
            "letters": sorted(tuple(r) for r in db.session.execute(
                select(Letter.id, Letter.number, Letter.pdf_sha256, Letter.revoked_at, Letter.revoke_reason))),
            "pdf": sorted((i, hashlib.sha256(bytes(b)).hexdigest())
                          for i, b in db.session.execute(select(Letter.id, Letter.pdf))),
            "sequences": sorted(tuple(r) for r in db.session.execute(
                select(LetterSequence.office_id, LetterSequence.year, LetterSequence.last))),
            "offices": db.session.scalar(select(func.count()).select_from(Office)),
            "proposals": sorted(tuple(r) for r in db.session.execute(
                select(Proposal.id, Proposal.status, Proposal.version))),
            "decisions": db.session.scalar(select(func.count()).select_from(Decision)),
            "events": db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action.like("letter.%") | AuditEvent.action.like("proposal.%"))),
        }
