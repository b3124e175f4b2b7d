"""Starting, loading and ending server-side login sessions."""
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import User, UserSession
from portal.models.types import utcnow

# last_seen_at is written at most this often, so reading pages does not write on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, ip: str, user_agent: str) -> str:
    """Open a session for `user`; returns the secret token to keep in the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user=user, token_hash=_hash(token), ip=ip[:45], user_agent=user_agent[:200]))
    user.session_token = token
    return token


def load(token: str, idle: timedelta, absolute: timedelta, now: datetime | None = None) -> User | None:
    """The user of a live session, or None when the session is unknown, ended, expired or its user inactive."""
    now = now or utcnow()
    # With its user in the same query: this runs before every signed-in page.
    row = db.session.scalar(select(UserSession).options(joinedload(UserSession.user))
                            .where(UserSession.token_hash == _hash(token)))
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > idle:
        return _end(row, "idle", now)
    if now - row.created_at > absolute:
        return _end(row, "absolute", now)
    if not row.user.active:
        return _end(row, "inactive", now)
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
    row.user.session_token = token
    return row.user


def _end(row: UserSession, reason: str, now: datetime) -> None:
    row.ended_at, row.end_reason = now, reason
    return None


def end(token: str | None, reason: str) -> None:
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _hash(token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        )


def end_all(user: User, reason: str, keep_token: str | None = None) -> int:
    """End every live session of `user`, except the one holding `keep_token`; returns how many were ended."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != _hash(keep_token))
    return db.session.execute(stmt.values(ended_at=utcnow(), end_reason=reason)).rowcount


def is_token_of(row: UserSession, token: str | None) -> bool:
    return bool(token) and row.token_hash == _hash(token)


def live(user: User, idle: timedelta, absolute: timedelta, now: datetime | None = None) -> list[UserSession]:
    """The user's sessions that still open pages (not ended, not idle, not too old), most recent first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
               UserSession.last_seen_at >= now - idle, UserSession.created_at >= now - absolute)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ))


def end_own(user: User, session_id: int, reason: str) -> UserSession | None:
    """End one live session of `user` other than the current one; None when there is no such session
    (another user's, already ended, or the current one: that is what "Keluar" is for)."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or row.ended_at is not None or is_token_of(row, user.session_token):
        return None
    row.ended_at, row.end_reason = utcnow(), reason
    return row
