"""Ketua RT: registers households and proposes changes for one RT."""
from flask import Blueprint
from flask_login import current_user

from portal.access import require_role
from portal.domain.roles import Role
from portal.web import render

bp = Blueprint("rt", __name__, url_prefix="/rt")
bp.before_request(require_role(Role.RT))


@bp.get("/")
def home():
    return render("rt/home.html", area=current_user.area)
