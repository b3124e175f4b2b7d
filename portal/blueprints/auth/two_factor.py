"""Two-factor login: the code step after a correct password, and the "Keamanan akun" page.

Between the password and the code nothing is signed in: the (signed) Flask session holds only the
user's id, when the password was accepted and where to go afterwards, for TWO_FACTOR_PENDING_SECONDS.
"""
import time

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_required

from portal.blueprints.auth import sign_in
from portal.blueprints.auth.forms import (ConfirmTwoFactorForm, DisableTwoFactorForm, EmptyForm,
                                          RecoveryCodesForm, SecondStepForm)
from portal.blueprints.main import home_url
from portal.domain import totp
from portal.extensions import db, limiter
from portal.models import User
from portal.services import audit
from portal.services import two_factor as service
from portal.web import attempt, form_status, one_click, render, see_other

PENDING = "two_factor_pending"
EXPIRED = "Waktu untuk memasukkan kode sudah habis. Silakan masuk lagi."
LOW_RECOVERY_CODES = 3  # warn after a recovery-code sign-in when this many or fewer are left


def ask_for_code(user: User, next_url: str | None):
    """After a correct password: remember who is half signed in, and ask for the code."""
    session.clear()
    session[PENDING] = {"user_id": user.id, "at": time.time(), "next": sign_in.safe_next(next_url)}
    return see_other(url_for("auth.login_code"))


def _pending_user() -> User | None:
    """The half-signed-in user, or None (nothing pending, expired, or the account changed meanwhile)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("at", 0) > current_app.config["TWO_FACTOR_PENDING_SECONDS"]:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or not user.active or not user.two_factor_enabled:
        session.pop(PENDING, None)
        return None
    return user


def _pending_key() -> str:
    pending = session.get(PENDING)
    return f"login-code:{pending.get('user_id') if isinstance(pending, dict) else '-'}"


def _code_failed(_response) -> bool:
    return g.get("code_failed", False)


def login_code():
    if current_user.is_authenticated:
        return see_other(home_url())
    had_pending = PENDING in session
    user = _pending_user()
    if user is None:
        if had_pending:
            session.pop(PENDING, None)
            flash(EXPIRED, "info")
        return redirect(url_for("auth.login"))
    form = SecondStepForm()
    if not form.validate_on_submit():
        return render("auth/login_code.html", form=form, status=422 if form.is_submitted() else 200)
    method = service.check_code(user, form.code.data)
    if method is None:
        db.session.rollback()
        g.code_failed = True
        audit.record(user, "auth.two_factor_failed", user, ip=request.remote_addr or "")
        db.session.commit()
        form.code.errors = [*form.code.errors, service.WRONG_CODE]
        return render("auth/login_code.html", form=form, status=422)
    next_url = session[PENDING].get("next")
    left = service.remaining_recovery_codes(user) if method == "recovery" else None
    target = sign_in.finish(user, next_url, method=method)
    if left is not None and left <= LOW_RECOVERY_CODES:
        return see_other(url_for("auth.security"),
                         f"Anda masuk dengan kode pemulihan. Sisa kode pemulihan: {left}. Buat kode baru sekarang.",
                         "info")
    return see_other(target)


def _security_page(status: int = 200, **forms):
    """The "Keamanan akun" page in the user's state: off, being enrolled, or on; `forms` keep their errors."""
    required = service.is_required(current_user, current_app.config["TWO_FACTOR_REQUIRED_ROLES"])
    context = {"required": required}
    secret = service.pending_secret(current_user)
    if current_user.two_factor_enabled:
        context.update(remaining=service.remaining_recovery_codes(current_user),
                       disable_form=forms.get("disable_form") or DisableTwoFactorForm(formdata=None),
                       codes_form=forms.get("codes_form") or RecoveryCodesForm(formdata=None))
    elif secret:
        uri = totp.provisioning_uri(secret, current_user.username, current_app.config["TWO_FACTOR_ISSUER"])
        context.update(secret=totp.grouped(secret), uri=uri, qr=service.qr_svg(uri),
                       confirm_form=forms.get("confirm_form") or ConfirmTwoFactorForm(formdata=None))
    else:  # a confirm refused because the pending secret is gone or unreadable keeps its message here
        context.update(start_form=EmptyForm(formdata=None), refused_form=forms.get("confirm_form"))
    return render("auth/security.html", status=status, **context)


def _ip() -> str:
    return request.remote_addr or ""


@login_required
def security():
    return _security_page()


@login_required
def security_start():
    return one_click(EmptyForm(), lambda: service.start_enrolment(current_user), url_for("auth.security"),
                     "Pindai kode QR atau ketik kuncinya di aplikasi autentikator, lalu masukkan kodenya.")


def _show_codes(codes: list[str], message: str):
    """Recovery codes are shown once, in the answer to the form that made them; never stored in clear."""
    return render("auth/recovery_codes.html", codes=codes, message=message)


@login_required
def security_confirm():
    form = ConfirmTwoFactorForm()
    codes = form.validate_on_submit() and attempt(
        form, lambda: service.confirm_enrolment(current_user, form.code.data, ip=_ip()))
    if codes:
        return _show_codes(codes, "Verifikasi dua langkah sudah aktif.")
    return _security_page(status=form_status(form), confirm_form=form)


@login_required
def security_recovery_codes():
    form = RecoveryCodesForm()
    codes = form.validate_on_submit() and attempt(
        form, lambda: service.regenerate_recovery_codes(current_user, form.password.data, ip=_ip()))
    if codes:
        return _show_codes(codes, "Kode pemulihan baru sudah dibuat. Kode yang lama tidak berlaku lagi.")
    return _security_page(status=form_status(form), codes_form=form)


@login_required
def security_disable():
    form = DisableTwoFactorForm()
    if form.validate_on_submit() and attempt(form, lambda: service.disable(
            current_user, form.password.data, form.code.data, current_app.config["TWO_FACTOR_REQUIRED_ROLES"],
            ip=_ip())):
        return see_other(url_for("auth.security"), "Verifikasi dua langkah sudah dimatikan.")
    return _security_page(status=form_status(form), disable_form=form)


def register(bp) -> None:
    limited = limiter.limit(lambda: current_app.config["TWO_FACTOR_FAILURES_PER_USER"], key_func=_pending_key,
                            methods=["POST"], deduct_when=_code_failed)
    per_ip = limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_IP"], methods=["POST"],
                           deduct_when=_code_failed)
    bp.add_url_rule("/login/kode", view_func=limited(per_ip(login_code)), methods=["GET", "POST"])
    bp.add_url_rule("/akun/keamanan", view_func=security)
    bp.add_url_rule("/akun/keamanan/mulai", view_func=security_start, methods=["POST"])
    bp.add_url_rule("/akun/keamanan/konfirmasi", view_func=security_confirm, methods=["POST"])
    bp.add_url_rule("/akun/keamanan/kode-pemulihan", view_func=security_recovery_codes, methods=["POST"])
    bp.add_url_rule("/akun/keamanan/matikan", view_func=security_disable, methods=["POST"])
