"""Pages anyone may open without signing in: the verification of a letter from its QR code, the privacy notice."""
import re

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select

from portal.extensions import db
from portal.domain.retention import Policy
from portal.models import Letter
from portal.services import offices

bp = Blueprint("public", __name__)
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,40}")


@bp.get("/v/<token>")
def verify(token: str):
    """Number, date, office, subject, entries, SHA-256 and status — never personal data."""
    if not TOKEN.fullmatch(token):
        abort(404)
    letter = db.session.scalar(select(Letter).where(Letter.verify_token == token)) or abort(404)
    return render_template("public/verify.html", letter=letter)


@bp.get("/privasi")
def privacy():
    """What the portal collects, why, on which legal basis, who sees what, how long, rights and contact."""
    return render_template("public/privacy.html", office=offices.city_settings(),
                           retention=Policy.from_config(current_app.config))
