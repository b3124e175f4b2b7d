"""The last step of every sign-in (password only, or password then code): start the server-side session."""
from urllib.parse import urlsplit

from flask import request, session
from flask_login import login_user

from portal.blueprints.auth import known_device
from portal.blueprints.main import home_url
from portal.extensions import db
from portal.models import User
from portal.services import audit, sessions


def safe_next(target: str | None) -> str | None:
    """Only same-site paths, so the login page cannot be used to send users elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target else None


def finish(user: User, next_url: str | None, **detail) -> str:
    """Open the session, audit the sign-in, commit; returns where to go next."""
    session.clear()
    sessions.start(user, request.remote_addr or "", request.user_agent.string)
    login_user(user)
    audit.record(user, "auth.login", user, ip=request.remote_addr or "", **detail)
    db.session.commit()
    known_device.remember(user)  # only now: a password without its second factor makes no known device
    return safe_next(next_url) or home_url()
