"""Creating accounts, checking and changing passwords, (de)activating users."""
import secrets
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.domain.errors import DomainError
from portal.domain.passwords import check_password
from portal.domain.roles import check_area_fits_role, parse_role
from portal.domain.usernames import normalise_username
from portal.extensions import db
from portal.models import Area, User
from portal.models.types import utcnow
from portal.services import audit, sessions

def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@lru_cache(maxsize=4)
def _stand_in_hash(method: str) -> str:
    """Checked against when the username is unknown: made with the configured method and cost, so an unknown
    name takes as long as a wrong password and timing cannot tell which accounts exist. Made once per method."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, else None. Unknown and wrong look the same."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        check_password_hash(_stand_in_hash(current_app.config["PASSWORD_HASH_METHOD"]), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def find_area(code: str) -> Area:
    area = db.session.scalar(select(Area).where(Area.code == (code or "").strip()))
    if area is None or not area.active:
        raise DomainError("Kode wilayah tidak dikenal atau tidak aktif.", field="area_code")
    return area


def create_user(actor: User | None, username: str, full_name: str, role: str, area_code: str,
                password: str, must_change_password: bool = True) -> User:
    username = normalise_username(username)
    full_name = " ".join((full_name or "").split())
    if not 3 <= len(full_name) <= 120:
        raise DomainError("Nama lengkap 3–120 karakter.", field="full_name")
    role = parse_role(role)
    area = find_area(area_code)
    check_area_fits_role(role, area.level)
    check_password(password, username)
    if db.session.scalar(select(func.count()).select_from(User).where(User.username == username)):
        raise DomainError("Nama pengguna ini sudah dipakai.", field="username")
    user = User(username=username, full_name=full_name, role=role.value, area=area,
                password_hash=hash_password(password), must_change_password=must_change_password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, username=username, role=role.value, area=area.code)
    return user


def set_active(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id and not active:
        raise DomainError("Anda tidak dapat menonaktifkan akun Anda sendiri.")
    user.active = active
    if not active:
        sessions.end_all(user, "deactivated")
    audit.record(actor, "user.activate" if active else "user.deactivate", user)


def reset_password(actor: User, user: User, new_password: str) -> None:
    """An admin sets a temporary password; the user must choose their own at next login."""
    check_password(new_password, user.username, field="new_password")
    _set_password(user, new_password)
    user.must_change_password = True
    sessions.end_all(user, "password_reset")
    audit.record(actor, "user.reset_password", user)


def change_own_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise DomainError("Kata sandi saat ini salah.", field="current_password")
    check_password(new, user.username, field="new_password")
    if check_password_hash(user.password_hash, new):
        raise DomainError("Kata sandi baru harus berbeda dari yang lama.", field="new_password")
    _set_password(user, new)
    user.must_change_password = False
    sessions.end_all(user, "password_changed", keep_token=user.session_token)
    audit.record(user, "user.change_password", user)


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
