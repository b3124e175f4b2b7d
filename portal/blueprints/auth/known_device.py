"""OWASP's device cookie: a browser that has signed in as a user is not held back by attacks on that user.

After a complete sign-in (password, and the code where the account has two-factor login) the browser keeps a
signed, HttpOnly cookie naming that user. An attempt for a user this browser has signed in as before skips the
per-username and per-address throttles, so an attacker elsewhere (or a colleague's typos behind the same office
NAT) cannot lock the owner out. Nothing is stored server-side but a failure counter:
- the signature (SECRET_KEY) makes the cookie unforgeable; it names the user by id, so one user's cookie is
  worth nothing for another user;
- it carries a fingerprint of the password hash, so a password change or an admin's reset voids it;
- each token has its own small budget of failures, after which it counts as unknown again: a stolen cookie
  buys no brute force.
"""
import hashlib
import hmac
import secrets
import time

from flask import after_this_request, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse
from sqlalchemy import select

from portal.extensions import db, limiter
from portal.models import User

COOKIE = "verivali_device"
SALT = "known-device"
MAX_USERS = 5  # a shared office computer remembers this many of the people who sign in on it
LIFETIME_SECONDS = 365 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    """Changes whenever the password does (every hash has a fresh salt); reveals nothing of the hash."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _entries() -> list[dict]:
    """This browser's unexpired tokens; a missing, tampered or malformed cookie is no token at all."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        entries = _serializer().loads(raw)
    except BadSignature:
        return []
    oldest = time.time() - LIFETIME_SECONDS
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("t"), int) and e["t"] >= oldest] \
        if isinstance(entries, list) else []


def remember(user: User) -> None:
    """After a complete sign-in: this browser is now a known device for `user` (a fresh token each time)."""
    kept = [e for e in _entries() if e.get("u") != user.id][-(MAX_USERS - 1):]
    entry = {"u": user.id, "p": _fingerprint(user), "n": secrets.token_urlsafe(12), "t": int(time.time())}
    value = _serializer().dumps([*kept, entry])

    @after_this_request
    def _set_cookie(response):
        response.set_cookie(COOKIE, value, max_age=LIFETIME_SECONDS, httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        return response


def _budget():
    return parse(current_app.config["LOGIN_FAILURES_PER_DEVICE"])


def _token_for(username: str) -> str | None:
    entries = _entries()
    if not entries:
        return None  # no database query for a browser that never signed in
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        return None
    for entry in entries:
        if entry.get("u") == user.id and hmac.compare_digest(str(entry.get("p")), _fingerprint(user)):
            token = str(entry.get("n"))
            # Counters live where Flask-Limiter keeps its own (Redis, or memory while Redis is down).
            return token if limiter.limiter.test(_budget(), "login-device", token) else None
    return None


def trusted(username: str) -> bool:
    """Whether this request comes from a known device of `username` with failures left (once per request)."""
    if "known_device" not in g:
        g.known_device = _token_for(username)
    return g.known_device is not None


def count_failure() -> None:
    """A failed attempt from a known device spends that device's budget (and only that)."""
    token = g.get("known_device")
    if token is None:
        return
    try:
        limiter.limiter.hit(_budget(), "login-device", token)
    except Exception:  # the counter store went away mid-request; Flask-Limiter falls back on the next one
        current_app.logger.warning("could not count a failed sign-in of a known device", exc_info=True)
