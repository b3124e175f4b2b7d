"""Two-factor login: enrolment, checking a code at sign-in, recovery codes, switching it off.

The TOTP arithmetic lives in portal/domain/totp.py; here are the stored state and its rules:
a code is accepted once (users.totp_last_step only moves forward, in one conditional UPDATE, so two
requests with the same code cannot both pass), and a recovery code is spent by one conditional UPDATE.
The secret is stored sealed (portal/services/secret_box.py); recovery codes only as slow hashes.
"""
import logging
import time

import segno
from sqlalchemy import delete, func, or_, select, update
from werkzeug.security import check_password_hash

from portal.domain import totp
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import RecoveryCode, User
from portal.models.types import utcnow
from portal.services import audit, secret_box, sessions

log = logging.getLogger(__name__)

WRONG_CODE = "Kode salah atau sudah pernah dipakai. Periksa aplikasi autentikator Anda, lalu coba lagi."
WRONG_PASSWORD = "Kata sandi salah."


def is_required(user: User, required_roles) -> bool:
    return user.role in required_roles


def start_enrolment(user: User) -> str:
    """Give `user` a new, not yet active secret (a new one each time enrolment starts)."""
    if user.two_factor_enabled:
        raise DomainError("Verifikasi dua langkah sudah aktif.")
    secret = totp.new_secret()
    user.totp_secret = secret_box.seal(secret, user.id)
    user.totp_last_step = None
    return secret


def _secret(user: User) -> str | None:
    """The user's TOTP secret in clear, or None when it does not open (wrong key or an altered row): logged,
    and the code is refused rather than the request failing."""
    try:
        return secret_box.unseal(user.totp_secret, user.id)
    except secret_box.SecretUnreadable as error:
        log.error("two-factor secret of user %s does not open (%s): TOTP_ENCRYPTION_KEY changed or the row was "
                  "altered; TOTP codes are refused until the user re-enrols (admin reset)", user.id, error)
        return None


def _reseal_legacy(user: User) -> None:
    """A plaintext secret from before encryption, just used successfully: store it sealed from now on."""
    if user.totp_secret and not secret_box.is_sealed(user.totp_secret):
        user.totp_secret = secret_box.seal(user.totp_secret, user.id)


def pending_secret(user: User) -> str | None:
    """The secret being enrolled, shown until the user confirms it with a code (None: start again)."""
    return _secret(user) if user.totp_secret and not user.two_factor_enabled else None


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (no script, no image request)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, title="Kode QR verifikasi dua langkah")


def confirm_enrolment(user: User, code: str, ip: str = "", now: float | None = None) -> list[str]:
    """Switch two-factor login on once the user proves their app shows the right code; returns the recovery codes."""
    if user.two_factor_enabled:
        raise DomainError("Verifikasi dua langkah sudah aktif.")
    secret = _secret(user) if user.totp_secret else None
    if not secret:
        raise DomainError("Mulai lagi pengaktifan verifikasi dua langkah.")
    step = totp.verify(secret, code, time.time() if now is None else now, user.totp_last_step)
    if step is None:
        raise DomainError(WRONG_CODE, field="code")
    _reseal_legacy(user)
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    codes = _replace_recovery_codes(user)
    audit.record(user, "two_factor.enable", user, ip=ip)
    return codes


def _check_password(user: User, password: str) -> None:
    if not check_password_hash(user.password_hash, password or ""):
        raise DomainError(WRONG_PASSWORD, field="password")


def disable(user: User, password: str, code: str, required_roles, ip: str = "") -> None:
    if not user.two_factor_enabled:
        raise DomainError("Verifikasi dua langkah belum aktif.")
    if is_required(user, required_roles):
        raise DomainError("Peran Anda wajib memakai verifikasi dua langkah, jadi tidak dapat dimatikan.")
    _check_password(user, password)
    if check_code(user, code) is None:
        raise DomainError(WRONG_CODE, field="code")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(user, "two_factor.disable", user, ip=ip)


def reset_by_admin(actor: User, user: User) -> None:
    """A lost phone and lost recovery codes: an admin turns two-factor off; the user must enrol again.

    Every session of the user ends; a role that requires two-factor is sent to enrol at the next sign-in.
    """
    if actor.id == user.id:
        raise DomainError("Verifikasi dua langkah akun Anda sendiri diatur di halaman Keamanan akun.")
    if not user.two_factor_enabled:
        raise DomainError("Verifikasi dua langkah akun ini memang belum aktif.")
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    sessions.end_all(user, "two_factor_reset")
    audit.record(actor, "two_factor.reset", user)


def regenerate_recovery_codes(user: User, password: str, ip: str = "") -> list[str]:
    """New recovery codes; the old ones stop working."""
    if not user.two_factor_enabled:
        raise DomainError("Verifikasi dua langkah belum aktif.")
    _check_password(user, password)
    codes = _replace_recovery_codes(user)
    audit.record(user, "two_factor.recovery_codes", user, ip=ip)
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=totp.hash_recovery_code(user.id, code))
                       for code in codes)
    db.session.flush()
    return codes


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def check_code(user: User, text: str, now: float | None = None) -> str | None:
    """Spend a TOTP code or a recovery code of an enrolled user: "totp", "recovery", or None when refused.

    A secret that does not open refuses every TOTP code; recovery codes do not depend on the key and still work,
    so the user can get in and re-enrol."""
    if not user.two_factor_enabled or not user.totp_secret:
        return None
    if totp.looks_like_totp(text):
        secret = _secret(user)
        if secret is None or not _spend_totp(user, secret, text, time.time() if now is None else now):
            return None
        _reseal_legacy(user)
        return "totp"
    code = totp.normalise_recovery_code(text)
    if code is None:
        return None
    spent = db.session.execute(  # either stored form: scrypt, or SHA-256 from before migration 0013
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash.in_(totp.recovery_hashes(user.id, code)),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return None
    _reseal_legacy(user)
    return "recovery"


def _spend_totp(user: User, secret: str, text: str, now: float) -> bool:
    step = totp.matching_step(secret, text, now)
    if step is None:
        return False
    moved = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return False  # this step (or a later one) was already used: a replayed code
    db.session.refresh(user, ["totp_last_step"])
    return True
