"""Kelurahan: checks the proposals of its RTs and holds the Musyawarah Kelurahan."""
from flask import Blueprint
from flask_login import current_user

from portal import access
from portal.blueprints import dashboard, exports, letters, muskel, registry_view, review, verivali_view
from portal.domain.areas import Level
from portal.domain.roles import Role
from portal.extensions import db
from portal.web import render

bp = Blueprint("kelurahan", __name__, url_prefix="/kelurahan")
bp.before_request(access.require_role(Role.KELURAHAN))
review.register(bp)
registry_view.register(bp)
dashboard.register(bp)
verivali_view.register_progress(bp)
exports.register(bp)
letters.register_office_letters(bp)
muskel.register(bp)


@bp.get("/")
def home():
    rts = db.session.scalars(access.child_areas(current_user, current_user.area)).all()
    waiting = review.waiting_summary(current_user)
    return render("kelurahan/home.html", area=current_user.area, rts=rts, waiting=waiting)


@bp.get("/rt/<int:area_id>")
def rt_detail(area_id: int):
    rt = access.get_area_or_404(current_user, area_id, Level.RT)
    return render("area_detail.html", area=rt, children=[])
