"""The review screens every reviewing level shares (kelurahan, kecamatan, Dinas Sosial).

`register(bp)` adds the same routes to each role's blueprint, so each level keeps its own URLs and role
gate while the rules stay in one place (domain.workflow.may via services.review).
"""
from datetime import timedelta

from flask import current_app, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portal import access
from portal.domain.proposal_steps import STEP_LABELS
from portal.domain.workflow import ACTION_LABELS, DECISION_ACTIONS, KIND_LABELS, STATE_LABELS, WAITING_FOR, Action
from portal.extensions import db
from portal.forms import PortalForm
from portal.models import Proposal, VerificationNote
from portal.models.types import utcnow
from portal.pagination import paginate_rows
from portal.services import review
from portal.web import attempt, form_ids, form_status, render, see_other

REQUIRED = "Wajib diisi."
BATCH_LIMIT = 100  # more than a queue page ever shows


class DecisionForm(PortalForm):
    """The action comes from the button pressed (name="action"), so one form carries all three."""
    version = HiddenField()
    reason = TextAreaField("Alasan (wajib untuk mengembalikan atau menolak)", validators=[Length(max=500)])


class NoteForm(PortalForm):
    visit_date = DateField("Tanggal kunjungan", validators=[InputRequired("Isi tanggal kunjungan yang benar.")])
    officer = StringField("Petugas", validators=[DataRequired(REQUIRED), Length(max=100)])
    findings = TextAreaField("Temuan lapangan", validators=[DataRequired(REQUIRED), Length(min=10, max=2000)])


def overdue_days(role: str) -> int:
    return current_app.config["OVERDUE_DAYS"][role]


def queue_stmt(user, kind: str = "", area_id: int | None = None, older_than: int | None = None):
    """What waits for this user's decision, oldest first; never their own proposals."""
    stmt = access.proposals_in_area(user).where(
        Proposal.status == WAITING_FOR[user.role], Proposal.created_by_id != user.id)
    if kind in KIND_LABELS:
        stmt = stmt.where(Proposal.kind == kind)
    if area_id:
        stmt = stmt.where(Proposal.area_id.in_(access.area_ids_within(access.get_area_or_404(user, area_id))))
    if older_than:
        stmt = stmt.where(Proposal.updated_at <= utcnow() - timedelta(days=older_than))
    return stmt.order_by(Proposal.updated_at, Proposal.id)


def waiting_summary(user, limit: int = 10) -> dict:
    """For the home page: how many wait for this user, how many are overdue, and the oldest few."""
    stmt = queue_stmt(user)
    overdue_before = utcnow() - timedelta(days=overdue_days(user.role))
    count = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    overdue = db.session.scalar(select(func.count()).select_from(
        stmt.where(Proposal.updated_at <= overdue_before).order_by(None).subquery()))
    return {"count": count, "overdue": overdue, "oldest": db.session.scalars(stmt.limit(limit)).all(),
            "overdue_before": overdue_before}


def batch_items(user, values: list[str]) -> tuple[list[tuple[Proposal, str]], str]:
    """The proposals a batch approval names, each with the version the reviewer saw, or why the whole batch is
    refused. Every id is checked before anything is decided, so no decision is ever hidden behind an error."""
    if len(values) > BATCH_LIMIT:
        return [], f"Tidak ada usulan yang diputuskan: pilih paling banyak {BATCH_LIMIT} usulan sekaligus."
    wanted: dict[int, str] = {}  # in the order sent; an id sent twice counts once
    unreadable = 0
    for raw in values:
        proposal_id, _, version = raw.partition(":")
        if ids := form_ids([proposal_id]):
            wanted.setdefault(ids[0], version)
        else:
            unreadable += 1
    found = {p.id: p for p in db.session.scalars(access.readable_proposals(user).where(Proposal.id.in_(wanted)))}
    problems = []
    if missing := [f"#{pid}" for pid in wanted if pid not in found]:
        problems.append(f"usulan {', '.join(missing)} tidak ditemukan di wilayah Anda")
    if unreadable:
        problems.append(f"{unreadable} pilihan tidak dikenali")
    if problems:
        return [], f"Tidak ada usulan yang diputuskan: {'; '.join(problems)}. Muat ulang antrian lalu pilih lagi."
    return [(found[pid], version) for pid, version in wanted.items()], ""


def register(bp) -> None:
    role = bp.name

    @bp.get("/antrian")
    def queue():
        kind = request.args.get("jenis", "")
        area_id = next(iter(form_ids([request.args.get("wilayah", "")])), None)
        older = next(iter(form_ids([request.args.get("umur", "")])), None)
        older = min(older, 3650) if older else None  # a filter, not a date arithmetic overflow
        stmt = queue_stmt(current_user, kind, area_id, older)
        page = paginate_rows(stmt, request.args.get("page", 1, int), current_app.config["PAGE_SIZE"], scalars=True)
        areas = db.session.scalars(access.child_areas(current_user, current_user.area)).all()
        return render("review/queue.html", block="results", page=page, kind=kind, area_id=area_id, older=older,
                      areas=areas, kinds=KIND_LABELS, overdue_before=utcnow() - timedelta(days=overdue_days(role)),
                      form=DecisionForm())

    @bp.get("/usulan")
    def proposals():
        status, kind = request.args.get("status", ""), request.args.get("jenis", "")
        area_id = next(iter(form_ids([request.args.get("wilayah", "")])), None)
        # Drafts are the RT's own work until submitted.
        stmt = access.readable_proposals(current_user).order_by(Proposal.updated_at.desc())
        if status in {s.value for s in STATE_LABELS}:
            stmt = stmt.where(Proposal.status == status)
        if kind in KIND_LABELS:
            stmt = stmt.where(Proposal.kind == kind)
        if area_id:
            stmt = stmt.where(Proposal.area_id.in_(access.area_ids_within(access.get_area_or_404(current_user,
                                                                                                area_id))))
        page = paginate_rows(stmt, request.args.get("page", 1, int), current_app.config["PAGE_SIZE"], scalars=True)
        return render("review/proposals.html", page=page, status_filter=status, states=STATE_LABELS,
                      kind=kind if kind in KIND_LABELS else "", area_id=area_id)

    @bp.route("/usulan/<int:proposal_id>", methods=["GET", "POST"])
    def review_page(proposal_id: int):
        proposal = access.get_readable_proposal_or_404(current_user, proposal_id)
        form = DecisionForm()
        action = request.form.get("action", "")
        if form.validate_on_submit() and action not in {a.value for a in DECISION_ACTIONS}:
            form.form_errors.append("Pilih salah satu keputusan: setujui, kembalikan, atau tolak.")
        elif form.validate_on_submit():
            if attempt(form, lambda: review.decide(current_user, proposal, form.version.data, action,
                                                   form.reason.data or "")):
                return see_other(url_for(f"{role}.queue"),
                                 f"Usulan #{proposal.id}: {ACTION_LABELS[Action(action)].lower()}.")
            if isinstance(getattr(form, "rule_error", None), review.AlreadyDecided):
                return see_other(url_for(f"{role}.review_page", proposal_id=proposal.id),
                                 review.who_decided_first(proposal.id), "error")
        form.version.data = proposal.version
        notes = db.session.scalars(select(VerificationNote).where(VerificationNote.proposal_id == proposal.id)
                                   .order_by(VerificationNote.id)).all()
        return render("review/detail.html", proposal=proposal, form=form, note_form=NoteForm(), notes=notes,
                      actions=review.allowed_actions(current_user, proposal), timeline=review.timeline(proposal),
                      content=proposal.snapshot or proposal.draft, step_labels=STEP_LABELS,
                      status=form_status(form))

    @bp.post("/antrian/setujui")
    def batch():
        """Approve several at once: each gets its own decision; one stale item does not fail the others.
        An id outside the user's reach refuses the whole batch before anything is decided."""
        items, refusal = batch_items(current_user, request.form.getlist("ids"))
        if refusal:
            return render("review/batch_result.html", status=422, results=[], refusal=refusal)
        results = []
        for proposal, version in items:
            proposal_id = proposal.id  # readable after a rollback expires the object
            try:
                review.decide(current_user, proposal, version, Action.SETUJUI)
                db.session.commit()
                results.append((proposal_id, True, "Disetujui."))
            except review.AlreadyDecided:
                db.session.rollback()
                results.append((proposal_id, False, review.who_decided_first(proposal_id)))
            except review.DomainError as error:
                db.session.rollback()
                results.append((proposal_id, False, error.message))
        return render("review/batch_result.html", results=results)

    if role == "dinsos":
        @bp.post("/usulan/<int:proposal_id>/verifikasi")
        def verification_note(proposal_id: int):
            proposal = access.get_proposal_or_404(current_user, proposal_id)
            form = NoteForm()
            if form.validate_on_submit() and attempt(form, lambda: review.add_verification_note(
                    current_user, proposal, form.visit_date.data, form.officer.data, form.findings.data)):
                return see_other(url_for("dinsos.review_page", proposal_id=proposal.id), "Catatan verifikasi disimpan.")
            messages = [e for errors in form.errors.values() for e in errors]
            return see_other(url_for("dinsos.review_page", proposal_id=proposal.id),
                             "Catatan belum disimpan: " + " ".join(messages), "error")
