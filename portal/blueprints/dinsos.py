"""Dinas Sosial: verifies, approves and sends proposals to the ministry for the whole city."""
from flask import Blueprint
from flask_login import current_user

from portal import access
from portal.blueprints import audit_log, review
from portal.domain.roles import Role
from portal.extensions import db
from portal.web import render

bp = Blueprint("dinsos", __name__, url_prefix="/dinsos")
bp.before_request(access.require_role(Role.DINSOS))
review.register(bp)
audit_log.register(bp)


@bp.get("/")
def home():
    kecamatan = db.session.scalars(access.child_areas(current_user, current_user.area)).all()
    waiting = review.waiting_summary(current_user)
    return render("dinsos/home.html", area=current_user.area, kecamatan=kecamatan, waiting=waiting)
