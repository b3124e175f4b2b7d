"""The proposal wizard: every step is saved on the server as it is sent, so a lost connection loses at most
the step being typed, and the Ketua RT can continue later from any device."""
from datetime import date
from decimal import Decimal

from flask import abort, current_app, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import access, clock
from portal.blueprints.rt import bp
from portal.blueprints.rt.forms import (ConditionsForm, EvidenceForm, HouseholdForm, LeaveForm, MemberForm,
                                        NonaktifForm, PpksForm, ProgramForm, VersionForm)
from portal.domain.errors import StaleError
from portal.domain.proposal_steps import EVIDENCE_KINDS, STEP_LABELS, STEPS_BY_KIND, required_evidence
from portal.domain.workflow import KIND_DESCRIPTIONS, Kind
from portal.forms import choices
from portal.models import Proposal
from portal.pagination import paginate_rows
from portal.services import evidence as evidence_service
from portal.services import programs as program_service
from portal.services import proposals, review
from portal.web import attempt, form_status, one_click, render, see_other

SAVED = "Draf tersimpan."


def _load(proposal_id: int, step: str | None = None, editable: bool = True) -> Proposal:
    proposal = access.get_readable_proposal_or_404(current_user, proposal_id)
    if step and step not in STEPS_BY_KIND[proposal.kind]:
        abort(404)
    if editable and not proposal.editable:
        abort(see_other(url_for("rt.proposal", proposal_id=proposal.id),
                        f"Usulan ini berstatus {proposal.status_label} dan tidak dapat diubah lagi.", "info"))
    return proposal


def _step_url(proposal: Proposal, step: str) -> str:
    return url_for("rt.proposal_step", proposal_id=proposal.id, step=step)


def _next_step_url(proposal: Proposal, step: str) -> str:
    steps = STEPS_BY_KIND[proposal.kind]
    return _step_url(proposal, steps[min(steps.index(step) + 1, len(steps) - 1)])


def _step_page(template: str, proposal: Proposal, step: str, form, **context):
    stale = isinstance(getattr(form, "rule_error", None), StaleError)
    if isinstance(form, VersionForm) and (not form.is_submitted() or stale):
        # After a stale save the user sees the newer draft next to their input; saving again is deliberate.
        form.version.data = proposal.version
    return render(template, proposal=proposal, step=step, steps=STEPS_BY_KIND[proposal.kind],
                  step_labels=STEP_LABELS, form=form, status=form_status(form), **context)


@bp.get("/usulan")
def proposal_list():
    stmt = access.in_area(select(Proposal), Proposal.area_id, current_user).order_by(Proposal.updated_at.desc())
    page = paginate_rows(stmt, request.args.get("page", 1, int), current_app.config["PAGE_SIZE"], scalars=True)
    return render("rt/proposals.html", page=page)


@bp.route("/usulan/baru", methods=["GET", "POST"])
def proposal_new():
    form = VersionForm()
    if form.validate_on_submit() and (proposal := attempt(form, lambda: proposals.start(current_user, Kind.BARU))):
        return see_other(_step_url(proposal, "rumah_tangga"),
                         "Draf usulan BARU dibuat.")
    return render("rt/proposal_new.html", form=form, description=KIND_DESCRIPTIONS[Kind.BARU])


@bp.get("/usulan/<int:proposal_id>")
def proposal(proposal_id: int):
    proposal = _load(proposal_id, editable=False)
    # The RT sees what it is editing; once submitted, the frozen snapshot (a withdrawn draft never had one).
    content = proposal.draft if proposal.editable or proposal.snapshot is None else proposal.snapshot
    return render("rt/proposal.html", proposal=proposal, form=VersionForm(version=proposal.version),
                  content=content, timeline=review.timeline(proposal))


@bp.get("/usulan/<int:proposal_id>/lanjut")
def proposal_resume(proposal_id: int):
    """Continue where the draft was left, from any device."""
    proposal = _load(proposal_id)
    steps = STEPS_BY_KIND[proposal.kind]
    step = _next_step_url(proposal, proposal.step) if proposal.step in steps else None
    return see_other(step or _step_url(proposal, steps[0]))


@bp.route("/usulan/<int:proposal_id>/langkah/<step>", methods=["GET", "POST"])
def proposal_step(proposal_id: int, step: str):
    proposal = _load(proposal_id, step)
    return STEP_VIEWS[step](proposal)


def _household_step(proposal: Proposal):
    form = HouseholdForm(data=proposal.draft["household"])
    if form.validate_on_submit() and attempt(form, lambda: proposals.save_household(
            current_user, proposal, form.version.data, form.no_kk.data, form.address.data)):
        return see_other(_next_step_url(proposal, "rumah_tangga"), SAVED)
    return _step_page("rt/step_household.html", proposal, "rumah_tangga", form)


def _members_step(proposal: Proposal):
    form = VersionForm()
    if form.validate_on_submit():  # "Lanjut": the members themselves are saved one by one
        return see_other(_next_step_url(proposal, "anggota"))
    today = clock.today()
    warnings = {m["key"]: proposals.member_warnings(proposal, m, today) for m in proposal.draft["members"]}
    return _step_page("rt/step_members.html", proposal, "anggota", form, warnings=warnings)


def _conditions_step(proposal: Proposal):
    saved = dict(proposal.draft.get("conditions") or {})
    saved["can_pay_clinic"] = {True: "ya", False: "tidak"}.get(saved.get("can_pay_clinic"), "")
    saved["has_shelter"] = "tidak" if saved.get("has_shelter") is False else "ya"
    if saved.get("floor_area_m2") not in (None, ""):
        saved["floor_area_m2"] = Decimal(saved["floor_area_m2"])  # kept as text in the JSON draft
    form = ConditionsForm(data=saved)
    if form.validate_on_submit() and attempt(form, lambda: proposals.save_conditions(
            current_user, proposal, form.version.data, {f.name: f.data for f in form if f.name != "csrf_token"})):
        return see_other(_next_step_url(proposal, "kondisi"), SAVED)
    return _step_page("rt/step_conditions.html", proposal, "kondisi", form)


def _ppks_step(proposal: Proposal):
    form = PpksForm()
    members = [m for m in proposal.draft["members"] if not m.get("leaving")]
    form.member_key.choices = choices({m["key"]: m["name"] for m in members})
    if form.validate_on_submit() and attempt(form, lambda: proposals.add_ppks_change(
            current_user, proposal, form.version.data, form.member_key.data, form.category.data,
            form.action.data, clock.today())):
        return see_other(request.path, "Perubahan PPKS dicatat. " + SAVED)
    return _step_page("rt/step_ppks.html", proposal, "ppks", form, members=members,
                      remove_form=VersionForm(version=proposal.version))


def _nonaktif_step(proposal: Proposal):
    form = NonaktifForm(data=proposal.draft.get("nonaktif") or {})
    if form.validate_on_submit() and attempt(form, lambda: proposals.save_nonaktif(
            current_user, proposal, form.version.data, form.reason.data, form.note.data)):
        return see_other(_next_step_url(proposal, "alasan"), SAVED)
    return _step_page("rt/step_nonaktif.html", proposal, "alasan", form)


def _program_step(proposal: Proposal):
    form = ProgramForm(data=proposal.draft.get("program") or {})
    form.member_key.choices = [("", "–")] + [(m["key"], m["name"]) for m in proposal.draft["members"]
                                             if not m.get("leaving")]
    if form.validate_on_submit() and attempt(form, lambda: proposals.save_program(
            current_user, proposal, form.version.data, form.action.data, form.program.data,
            form.member_key.data or "", form.reason.data)):
        return see_other(_next_step_url(proposal, "program"), SAVED)
    return _step_page("rt/step_program.html", proposal, "program", form,
                      current=program_service.memberships_of(proposal.household))


def _evidence_step(proposal: Proposal):
    form = EvidenceForm()
    if form.validate_on_submit() and attempt(form, lambda: evidence_service.store(
            current_user, proposal, form.kind.data, request.files.get("file"))):
        return see_other(request.path, "Berkas diunggah.")
    needed = required_evidence(proposal.kind, proposal.draft, proposal.original)
    return _step_page("rt/step_evidence.html", proposal, "berkas", form, needed=needed, kinds=EVIDENCE_KINDS,
                      remove_form=VersionForm(version=proposal.version))


def _review_step(proposal: Proposal, form: VersionForm | None = None):
    today = clock.today()
    return _step_page("rt/step_review.html", proposal, "tinjau", form or VersionForm(), today=today,
                      problems=proposals.submission_problems(current_user, proposal, today),
                      content=proposal.draft)


STEP_VIEWS = {"rumah_tangga": _household_step, "anggota": _members_step, "kondisi": _conditions_step,
              "ppks": _ppks_step, "alasan": _nonaktif_step, "program": _program_step, "berkas": _evidence_step,
              "tinjau": _review_step}


@bp.route("/usulan/<int:proposal_id>/anggota/tambah", methods=["GET", "POST"])
def member_new(proposal_id: int):
    return member(proposal_id, None)


@bp.route("/usulan/<int:proposal_id>/anggota/<key>", methods=["GET", "POST"])
def member(proposal_id: int, key: str | None):
    proposal = _load(proposal_id, "anggota")
    current = next((m for m in proposal.draft["members"] if m["key"] == key), None) if key else None
    if key and current is None:
        abort(404)
    data = dict(current or {})
    if data.get("birth_date"):
        data["birth_date"] = date.fromisoformat(data["birth_date"])
    form = MemberForm(data=data)
    if form.validate_on_submit() and attempt(form, lambda: proposals.save_member(
            current_user, proposal, form.version.data, key, form.data, clock.today())):
        return see_other(_step_url(proposal, "anggota"),
                         "Anggota disimpan. " + SAVED)
    warnings = proposals.member_warnings(proposal, current, clock.today()) if current else []
    return _step_page("rt/member.html", proposal, "anggota", form, member=current, warnings=warnings)


@bp.post("/usulan/<int:proposal_id>/anggota/<key>/keluar")
def member_leave(proposal_id: int, key: str):
    proposal = _load(proposal_id, "anggota")
    form = LeaveForm()
    leaving = request.form.get("undo") != "1"
    return one_click(form, lambda: proposals.set_member_leaving(
        current_user, proposal, form.version.data, key, leaving, form.reason.data),
        _step_url(proposal, "anggota"), SAVED)


@bp.post("/usulan/<int:proposal_id>/ppks/<int:index>/hapus")
def ppks_remove(proposal_id: int, index: int):
    proposal = _load(proposal_id, "ppks")
    form = VersionForm()
    return one_click(form, lambda: proposals.remove_ppks_change(current_user, proposal, form.version.data, index),
                   _step_url(proposal, "ppks"), SAVED)


@bp.post("/usulan/<int:proposal_id>/berkas/<int:evidence_id>/hapus")
def evidence_remove(proposal_id: int, evidence_id: int):
    proposal = _load(proposal_id, "berkas")
    item = next((e for e in proposal.active_evidence if e.id == evidence_id), None) or abort(404)
    return one_click(VersionForm(), lambda: evidence_service.remove(current_user, proposal, item),
                   _step_url(proposal, "berkas"), "Berkas dilepas dari usulan.")


@bp.post("/usulan/<int:proposal_id>/ajukan")
def proposal_submit(proposal_id: int):
    proposal = _load(proposal_id, editable=False)
    if not proposal.editable:  # a double click, or another device was faster: nothing happens twice
        return see_other(url_for("rt.proposal", proposal_id=proposal.id),
                         f"Usulan ini sudah berstatus {proposal.status_label}.", "info")
    form = VersionForm()
    if form.validate_on_submit() and attempt(form, lambda: proposals.submit(
            current_user, proposal, form.version.data, clock.today())):
        return see_other(url_for("rt.proposal", proposal_id=proposal.id),
                         "Usulan diajukan ke kelurahan. Isinya kini terkunci.")
    return _review_step(proposal, form)


@bp.post("/usulan/<int:proposal_id>/batalkan")
def proposal_withdraw(proposal_id: int):
    proposal = _load(proposal_id, editable=False)
    form = VersionForm()
    return one_click(form, lambda: proposals.withdraw(current_user, proposal, form.version.data),
                   url_for("rt.proposal", proposal_id=proposal.id), "Usulan dibatalkan. Riwayatnya tetap tersimpan.")
