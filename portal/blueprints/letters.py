"""Letters: Dinas Sosial issues and revokes them; every office (and those above it) downloads its letters.

A download states its purpose (keperluan, `portal.domain.purposes`) in the query string of a GET form; the
audit log keeps it as the reason of `letter.download`.
"""
from flask import Blueprint, Response, abort, current_app, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal import access
from portal.domain.errors import DomainError
from portal.domain.letters import SIFAT
from portal.domain.purposes import purpose_reason
from portal.domain.workflow import State
from portal.extensions import db
from portal.forms import PortalForm, PurposeForm, choices
from portal.models import Letter, LetterJob, Office, Proposal
from portal.pagination import paginate_rows
from portal.services import audit, letter_copies, letter_jobs, letters
from portal.web import apply_domain_error, attempt, form_ids, form_status, one_click, render, see_other

bp = Blueprint("letters", __name__)


class IssueForm(PortalForm):
    sifat = SelectField("Sifat", choices=choices({s: s for s in SIFAT}, None), validate_choice=False)


class RevokeForm(PortalForm):
    reason = TextAreaField("Alasan pencabutan", validators=[Length(max=500)])


def _selected_ids(form) -> list[int] | None:
    """The ticked proposals; None (with the reason on the form) when a number cannot be one of ours."""
    numbers = [v for v in request.form.getlist("ids") if v.isascii() and v.isdigit()]  # other junk is ignored
    ids = form_ids(numbers)
    if len(ids) != len(numbers):
        form.form_errors.append("Sebagian usulan tidak ditemukan di wilayah Anda.")
        return None
    return ids


def _job_or_404(job_id: int) -> LetterJob:
    stmt = select(LetterJob).join(Office, LetterJob.office_id == Office.id).where(LetterJob.id == job_id)
    return db.session.scalar(access.in_area(stmt, Office.area_id, current_user)) or abort(404)


def _letter_or_404(letter_id: int) -> Letter:
    return db.session.scalar(access.letters_in_view(current_user).where(Letter.id == letter_id)) or abort(404)


class DownloadForm(PurposeForm):
    """The purpose of a download, read from the query string (a GET that changes nothing but the audit log)."""

    class Meta:
        csrf = False


@bp.get("/surat/<int:letter_id>/unduh")
@login_required
def download(letter_id: int):
    """Without ?keperluan= a page asks the purpose; with a valid one the PDF, audited with it as the reason:
    the stored letter, or a reader's copy for a reader above or beside the issuing office (letter_copies).

    The area check comes first: another office's letter is 404 whatever the purpose."""
    letter = _letter_or_404(letter_id)
    form = DownloadForm(formdata=request.args)
    copy = letter_copies.gets_copy(letter, current_user)
    if "keperluan" not in request.args:
        return render("letters/download.html", letter=letter, form=form, reader_copy=copy)
    try:
        reason = purpose_reason(form.keperluan.data, form.keterangan.data)
    except DomainError as error:
        apply_domain_error(form, error)
        return render("letters/download.html", letter=letter, form=form, reader_copy=copy, status=422)
    document = letter_copies.for_reader(letter, current_user)  # the stored original, or a reader's copy
    audit.record(current_user, "letter.download", letter, ip=request.remote_addr or "", number=letter.number,
                 reason=reason, **({"masked": True} if document.reader_copy else {}))
    db.session.commit()
    return Response(document.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{document.file_name}"', "Cache-Control": "private, no-store"})


def register_issuing(bp_dinsos) -> None:
    """The Surat Usulan screens on the Dinas Sosial blueprint."""

    @bp_dinsos.route("/surat", methods=["GET", "POST"])
    def letters_page():
        form = IssueForm()
        ids = _selected_ids(form)
        sifat = form.sifat.data or "Biasa"
        if ids is not None and form.validate_on_submit():
            if letter_jobs.is_large(ids):
                if job := attempt(form, lambda: letter_jobs.request_usulan(current_user, ids, sifat)):
                    letter_jobs.enqueue(job.id)
                    return see_other(url_for("dinsos.letter_job", job_id=job.id), "Surat sedang dibuat.", "info")
            elif letter := attempt(form, lambda: letters.issue_usulan(current_user, ids, sifat)):
                return see_other(url_for("dinsos.letters_page"), f"Surat {letter.number} diterbitkan.")
        ready = db.session.scalars(access.proposals_in_area(current_user)
                                   .where(Proposal.status == State.DISETUJUI_DINSOS).order_by(Proposal.id)).all()
        page = paginate_rows(access.letters_in_view(current_user).order_by(Letter.id.desc()),
                             request.args.get("page", 1, int), current_app.config["PAGE_SIZE"], scalars=True)
        return render("letters/list.html", form=form, ready=ready, page=page, revoke_form=RevokeForm(),
                      keterangan_form=KeteranganForm(), status=form_status(form))

    @bp_dinsos.get("/surat/proses/<int:job_id>")
    def letter_job(job_id: int):
        """Progress of a large letter: htmx polls the status block; without JavaScript the page refreshes."""
        job = _job_or_404(job_id)
        letter_jobs.settle_abandoned(job)
        db.session.commit()
        return render("letters/job.html", block="status", job=job, form=RevokeForm())

    @bp_dinsos.post("/surat/proses/<int:job_id>/ulang")
    def letter_job_retry(job_id: int):
        job = _job_or_404(job_id)
        form = RevokeForm()
        if form.validate_on_submit() and attempt(form, lambda: letter_jobs.retry(current_user, job)):
            letter_jobs.enqueue(job.id)
        return see_other(url_for("dinsos.letter_job", job_id=job.id))

    @bp_dinsos.post("/surat/<int:letter_id>/cabut")
    def letter_revoke(letter_id: int):
        letter = _letter_or_404(letter_id)
        form = RevokeForm()
        if request.form.get("ganti") == "1":
            return one_click(form, lambda: letters.replace(current_user, letter, form.reason.data or ""),
                             url_for("dinsos.letters_page"), f"Surat {letter.number} dicabut dan diganti.")
        return one_click(form, lambda: letters.revoke(current_user, letter, form.reason.data or ""),
                         url_for("dinsos.letters_page"), f"Surat {letter.number} dicabut.")


class KeteranganForm(PortalForm):
    nik = StringField("NIK", validators=[DataRequired("Wajib diisi."), Length(max=24)])
    purpose = StringField("Keperluan", validators=[DataRequired("Wajib diisi."), Length(max=200)],
                          description="Contoh: reaktivasi kepesertaan PBI-JK")


def register_keterangan(bp_dinsos) -> None:
    @bp_dinsos.post("/surat/keterangan")
    def letter_keterangan():
        form = KeteranganForm()
        if form.validate_on_submit() and (letter := attempt(form, lambda: letters.issue_keterangan(
                current_user, form.nik.data, form.purpose.data))):
            return see_other(url_for("dinsos.letters_page"), f"Surat keterangan {letter.number} diterbitkan.")
        messages = [e for errors in form.errors.values() for e in errors]
        return see_other(url_for("dinsos.letters_page"), "Surat keterangan belum dibuat: " + " ".join(messages),
                         "error")


def register_office_letters(bp_office) -> None:
    """Kelurahan and kecamatan: their letters; the kecamatan also issues the Surat Pengantar."""
    role = bp_office.name

    @bp_office.route("/surat", methods=["GET", "POST"])
    def letters_page():
        form = IssueForm()
        ids = _selected_ids(form)
        if ids is not None and role == "kecamatan" and form.validate_on_submit() and (letter := attempt(
                form, lambda: letters.issue_pengantar(current_user, ids))):
            return see_other(url_for(f"{role}.letters_page"), f"Surat pengantar {letter.number} diterbitkan.")
        ready = letters.ready_for_pengantar(current_user) if role == "kecamatan" else []
        page = paginate_rows(access.letters_in_view(current_user).order_by(Letter.id.desc()),
                             request.args.get("page", 1, int), current_app.config["PAGE_SIZE"], scalars=True)
        return render("letters/office.html", form=form, ready=ready, page=page, status=form_status(form))
