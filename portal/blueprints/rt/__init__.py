"""Ketua RT: registers households and proposes changes for one RT."""
from flask import Blueprint
from flask_login import current_user
from sqlalchemy import select

from portal import access
from portal.blueprints import letters, verivali_view
from portal.domain.roles import Role
from portal.domain.workflow import State
from portal.extensions import db
from portal.models import Proposal
from portal.web import render

bp = Blueprint("rt", __name__, url_prefix="/rt")
bp.before_request(access.require_role(Role.RT))
letters.register_office_letters(bp)
verivali_view.register_checklist(bp)


@bp.get("/")
def home():
    mine = access.in_area(select(Proposal), Proposal.area_id, current_user).order_by(Proposal.updated_at.desc())
    drafts = db.session.scalars(mine.where(Proposal.status == State.DRAF).limit(20)).all()
    returned = db.session.scalars(mine.where(Proposal.status == State.DIKEMBALIKAN).limit(20)).all()
    return render("rt/home.html", area=current_user.area, drafts=drafts, returned=returned)


from portal.blueprints.rt import households, proposals  # noqa: E402,F401  (routes register on bp)
