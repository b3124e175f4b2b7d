"""Kecamatan: reviews and forwards its kelurahan's results with a Surat Pengantar."""
from flask import Blueprint
from flask_login import current_user

from portal import access
from portal.blueprints import dashboard, exports, letters, registry_view, review, verivali_view
from portal.domain.areas import Level
from portal.domain.roles import Role
from portal.extensions import db
from portal.web import render

bp = Blueprint("kecamatan", __name__, url_prefix="/kecamatan")
bp.before_request(access.require_role(Role.KECAMATAN))
review.register(bp)
registry_view.register(bp)
dashboard.register(bp)
verivali_view.register_progress(bp)
exports.register(bp)
letters.register_office_letters(bp)


@bp.get("/")
def home():
    kelurahan = db.session.scalars(access.child_areas(current_user, current_user.area)).all()
    waiting = review.waiting_summary(current_user)
    return render("kecamatan/home.html", area=current_user.area, kelurahan=kelurahan, waiting=waiting)


@bp.get("/kelurahan/<int:area_id>")
def kelurahan_detail(area_id: int):
    kel = access.get_area_or_404(current_user, area_id, Level.KELURAHAN)
    rts = db.session.scalars(access.child_areas(current_user, kel)).all()
    return render("area_detail.html", area=kel, children=rts)
