"""Evidence files, served to signed-in users who may read their proposal (access.get_evidence_or_404)."""
from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user, login_required
from portal import access
from portal.domain import uploads
from portal.extensions import db
from portal.services import audit
from portal.services import evidence as evidence_service

bp = Blueprint("files", __name__)

# An uploaded file is the sender's content: even if a browser renders it, it may run nothing and load nothing.
FILE_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",  # KK scans and house photos are personal data
}


@bp.get("/berkas/<int:evidence_id>")
@login_required
def download(evidence_id: int):
    evidence = access.get_evidence_or_404(current_user, evidence_id)
    path = evidence_service.path_of(evidence)
    if not path.is_file():
        current_app.logger.error("evidence %s: file %s is missing", evidence.id, path)
        abort(404)
    # A KK scan shows every member's full NIK: each opening is recorded with its reason, the proposal it belongs
    # to (files are only reachable from a proposal's pages, so no typed reason is asked on every click).
    audit.record(current_user, "berkas.lihat", evidence, proposal_id=evidence.proposal_id, kind=evidence.kind,
                 reason=f"Memeriksa berkas usulan #{evidence.proposal_id}")
    db.session.commit()
    response = send_file(path, mimetype=evidence.content_type, etag=False,
                         as_attachment=evidence.content_type not in uploads.ALLOWED_TYPES,
                         download_name=uploads.download_name(evidence.original_name, evidence.content_type))
    response.headers.update(FILE_HEADERS)
    return response
