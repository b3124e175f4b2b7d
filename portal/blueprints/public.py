"""Pages anyone may open without signing in: the verification of a letter from its QR code."""
import re

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from portal.extensions import db
from portal.models import Letter

bp = Blueprint("public", __name__)
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,40}")


@bp.get("/v/<token>")
def verify(token: str):
    """Number, date, office, subject, entries, SHA-256 and status — never personal data."""
    if not TOKEN.fullmatch(token):
        abort(404)
    letter = db.session.scalar(select(Letter).where(Letter.verify_token == token)) or abort(404)
    return render_template("public/verify.html", letter=letter)
