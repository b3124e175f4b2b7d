"""The households of the RT: list and search (shared with the other levels), detail, explanation."""
from flask import request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access
from portal.blueprints.rt import bp
from portal.blueprints import registry_view
from portal.blueprints.rt.forms import VersionForm
from portal.domain.criteria import assess
from portal.domain.household import conditions_from
from portal.domain.proposal_steps import STEPS_BY_KIND
from portal.domain.workflow import KIND_DESCRIPTIONS, Kind
from portal.extensions import db
from portal.models import Person, Proposal
from portal.services import programs as program_service
from portal.services import proposals, registry
from portal.web import render, see_other


PROPOSABLE = (Kind.PERBAIKAN, Kind.NONAKTIF, Kind.PPKS, Kind.PROGRAM)  # what an RT may propose for a household


@bp.route("/rumah-tangga", methods=["GET", "POST"])
def households():
    return registry_view.household_list("rt")


registry_view.register_explanation(bp)


@bp.get("/rumah-tangga/<int:household_id>")
def household(household_id: int):
    household = access.get_household_or_404(current_user, household_id)
    members = db.session.scalars(select(Person).where(Person.household_id == household.id, Person.active)
                                 .options(selectinload(Person.ppks)).order_by(Person.id)).all()
    history = db.session.scalars(select(Proposal).where(Proposal.household_id == household.id)
                                 .order_by(Proposal.id.desc())).all()
    content = registry.household_content(household)
    return render("rt/household.html", household=household, members=members, history=history,
                  assessment=assess(conditions_from(content)), open_proposal=proposals.open_proposal_of(household),
                  kinds={k: KIND_DESCRIPTIONS[k] for k in PROPOSABLE},
                  programs=program_service.memberships_of(household),
                  form=VersionForm())


@bp.post("/rumah-tangga/<int:household_id>/usulan")
def household_propose(household_id: int):
    household = access.get_household_or_404(current_user, household_id)
    kind = request.form.get("kind", "")
    if kind not in PROPOSABLE:
        return see_other(url_for("rt.household", household_id=household.id), "Pilih jenis usulan.", "error")
    try:
        proposal = proposals.start(current_user, kind, household)
    except proposals.OpenProposalExists as error:
        db.session.rollback()
        return see_other(url_for("rt.proposal", proposal_id=error.proposal_id), error.message, "error")
    except proposals.DomainError as error:
        db.session.rollback()
        return see_other(url_for("rt.household", household_id=household.id), error.message, "error")
    db.session.commit()
    # Straight to the first step (not via /lanjut): one round trip less on a 2G link.
    first = STEPS_BY_KIND[proposal.kind][0]
    return see_other(url_for("rt.proposal_step", proposal_id=proposal.id, step=first), "Draf usulan dibuat.")
