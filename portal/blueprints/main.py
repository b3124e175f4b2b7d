"""The root: send each user to the home page of their role."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.extensions import db

bp = Blueprint("main", __name__)

HOME_ENDPOINT = {
    "rt": "rt.home",
    "kelurahan": "kelurahan.home",
    "kecamatan": "kecamatan.home",
    "dinsos": "dinsos.home",
    "admin": "admin.home",
}


def home_url() -> str:
    return url_for(HOME_ENDPOINT[current_user.role])


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_url())
    return redirect(url_for("auth.login"))


@bp.get("/healthz")
def healthz():
    """For the load balancer: the app answers and the database is reachable."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
