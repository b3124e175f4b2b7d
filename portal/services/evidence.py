"""Evidence files (berkas pendukung): receive, check, store and withdraw them.

Files live under UPLOAD_DIR (outside static) as <2 hex>/<32 hex random token>: nothing the sender
chose ever reaches the file system. They are only served through files.download, which checks the area.
"""
import hashlib
import logging
import os
import secrets
import tempfile
from pathlib import Path

from flask import current_app
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.domain import uploads
from portal.domain.errors import DomainError
from portal.domain.proposal_steps import EVIDENCE_KINDS
from portal.extensions import db
from portal.models import Evidence, Proposal, User
from portal.models.types import utcnow
from portal.services import audit

CHUNK = 64 * 1024
NOT_EDITABLE = "Usulan ini sedang diproses atau sudah selesai; berkasnya tidak dapat diubah."
UNKNOWN_KIND = "Pilih jenis berkas pendukung."
STORAGE_FAILED = ("Berkas belum tersimpan: ruang penyimpanan server sedang penuh atau bermasalah. "
                  "Coba lagi nanti, atau hubungi admin bila terus terjadi.")
log = logging.getLogger(__name__)


def store(actor: User, proposal: Proposal, kind: str, file_storage: FileStorage) -> Evidence:
    """Check an uploaded file by its content and keep it as evidence of `proposal`. Flushes, never commits."""
    if kind not in EVIDENCE_KINDS:
        raise DomainError(UNKNOWN_KIND, field="kind")
    if not proposal.editable:
        raise DomainError(NOT_EDITABLE)
    token = secrets.token_hex(16)
    final = _path(token)
    try:
        size, sha256, content_type = _write(file_storage, final)
    except OSError as error:  # a full disk, a quota, a failing device: the user must hear it, not see a 500
        log.error("evidence not stored: %s", error)
        raise DomainError(STORAGE_FAILED, field="file") from None
    evidence = Evidence(proposal=proposal, kind=kind, original_name=uploads.safe_display_name(file_storage.filename),
                        stored_name=token, content_type=content_type, size=size, sha256=sha256,
                        uploaded_by_id=actor.id)
    db.session.add(evidence)
    db.session.flush()
    audit.record(actor, "evidence.upload", evidence, kind=kind, proposal_id=proposal.id)
    return evidence


def _write(file_storage: FileStorage, final: Path) -> tuple[int, str, str]:
    """(size, SHA-256, content type) of the checked file now at `final`; nothing is left on disk on any error."""
    final.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the final place, then rename: a half-written file never carries the final name.
    fd, temp_name = tempfile.mkstemp(dir=final.parent, prefix=".upload-", suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            size, sha256, head = _receive(file_storage.stream, out, current_app.config["UPLOAD_MAX_BYTES"])
        content_type = uploads.check_content(head, size, current_app.config["UPLOAD_MAX_BYTES"])
        _check_readable(temp, content_type)
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return size, sha256, content_type


def remove(actor: User, proposal: Proposal, evidence: Evidence) -> None:
    """Withdraw a file from a proposal still being edited. The row and the file stay for the audit trail."""
    if evidence.proposal_id != proposal.id:
        raise ValueError("evidence does not belong to this proposal")  # a caller bug, not a user error
    if not proposal.editable:
        raise DomainError(NOT_EDITABLE)
    if evidence.removed_at is not None:
        return  # a double click: already withdrawn
    evidence.removed_at = utcnow()
    db.session.flush()
    audit.record(actor, "evidence.remove", evidence, kind=evidence.kind, proposal_id=proposal.id)


def path_of(evidence: Evidence) -> Path:
    return _path(evidence.stored_name)


def _path(token: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / token[:2] / token


def _receive(stream, out, max_bytes: int) -> tuple[int, str, bytes]:
    """Copy at most max_bytes + 1 bytes (one more tells us it is too big); return size, SHA-256, first bytes."""
    digest, size, head = hashlib.sha256(), 0, b""
    while chunk := stream.read(min(CHUNK, max_bytes + 1 - size)):
        if len(head) < uploads.SNIFF_BYTES:
            head = (head + chunk)[: uploads.SNIFF_BYTES]
        size += len(chunk)
        if size > max_bytes:
            break  # check_content refuses it; stop reading the rest
        digest.update(chunk)
        out.write(chunk)
    return size, digest.hexdigest(), head


def _check_readable(path: Path, content_type: str) -> None:
    """Refuse a file that only starts like an image or PDF: cut off during upload, corrupt, or a bomb."""
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - uploads.PDF_TAIL_BYTES))
        tail = f.read()
    if content_type == uploads.PDF:
        uploads.check_pdf_tail(tail)
        return
    if content_type == uploads.JPEG:
        uploads.check_jpeg_tail(tail)
    formats = [uploads.PILLOW_FORMATS[content_type]]
    try:
        with Image.open(path, formats=formats) as image:
            width, height = image.size
            image.verify()  # structure and checksums (PNG CRCs)
        uploads.check_image_size(width, height)  # before the full decode allocates the pixels
        with Image.open(path, formats=formats) as image:
            image.load()  # a full decode catches a truncated JPEG, which verify() lets through
    except DomainError:
        raise
    except Exception:  # Pillow meets hostile input with many exception types (OSError, SyntaxError, ...)
        raise DomainError(uploads.BROKEN_IMAGE, field="file") from None
