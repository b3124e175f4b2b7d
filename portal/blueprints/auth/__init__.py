"""Signing in and out, and changing one's own password; two-factor login and "my sessions" are modules."""
import math
import time

from flask import Blueprint, current_app, g, render_template, request, url_for
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required, logout_user

from portal.blueprints.auth import known_device, my_sessions, sign_in, two_factor
from portal.blueprints.auth.forms import ChangePasswordForm, LoginForm
from portal.blueprints.main import home_url
from portal.extensions import db, limiter
from portal.services import accounts, audit, sessions
from portal.web import attempt, form_status, render, see_other

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Nama pengguna atau kata sandi salah."
ACCOUNT_INACTIVE = "Akun ini tidak aktif. Hubungi admin Dinas Sosial."


def _username_key() -> str:
    return "login-username:" + request.form.get("username", "").strip().lower()


def _login_failed(_response) -> bool:
    """Only failed attempts count toward throttling; a busy office signing in together is never blocked."""
    return g.get("login_failed", False)


def _known_device() -> bool:
    """A browser that has signed in as the typed user before is never held back by others' failures."""
    return request.method == "POST" and known_device.trusted(request.form.get("username", ""))


def _wait_message() -> str:
    """How long the breached limits still hold, in whole minutes (never a silent, open-ended lock)."""
    ends = [limit.window[0] for limit in limiter.current_limits if limit.breached]
    seconds = max(ends) - time.time() if ends else 15 * 60
    # Less a second: Redis keeps expiry in whole seconds, and "16 menit" for a 15-minute window reads wrong.
    return f"Terlalu banyak percobaan masuk. Coba lagi dalam {max(1, math.ceil((seconds - 1) / 60))} menit."


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(_error):
    message = _wait_message()
    if request.endpoint == "auth.login":  # the form stays, with the wait above it
        form = LoginForm()
        form.form_errors.append(message)
        return render("auth/login.html", form=form, status=429)
    return render_template("errors/error.html", status=429, title="Terlalu banyak percobaan",
                           message=message), 429


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_USERNAME"], key_func=_username_key,
               methods=["POST"], deduct_when=_login_failed, exempt_when=_known_device)
@limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_IP"], methods=["POST"], deduct_when=_login_failed,
               exempt_when=_known_device)
def login():
    if current_user.is_authenticated:
        return see_other(home_url())
    form = LoginForm()
    if not form.validate_on_submit():
        return render("auth/login.html", form=form, status=422 if form.is_submitted() else 200)
    user = accounts.authenticate(form.username.data, form.password.data)
    if user is None or not user.active:
        g.login_failed = True
        known_device.count_failure()
        audit.record(user, "auth.login_failed", user, ip=request.remote_addr or "",
                     username=form.username.data.strip().lower()[:64])
        db.session.commit()
        form.form_errors.append(LOGIN_FAILED if user is None else ACCOUNT_INACTIVE)
        return render("auth/login.html", form=form, status=422)
    if user.two_factor_enabled:  # no session yet: the code comes first
        return two_factor.ask_for_code(user, request.args.get("next"))
    return see_other(sign_in.finish(user, request.args.get("next")))


@bp.post("/logout")
@login_required
def logout():
    sessions.end(current_user.session_token, "logout")
    logout_user()
    db.session.commit()
    return see_other(url_for("auth.login"), "Anda telah keluar. Sampai jumpa.", "info")


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit() and attempt(form, lambda: accounts.change_own_password(
            current_user, form.current_password.data, form.new_password.data)):
        known_device.remember(current_user)  # the new password voided every device cookie; this browser proved it
        return see_other(home_url(), "Kata sandi berhasil diganti. Sesi di perangkat lain telah diakhiri.")
    return render("auth/change_password.html", form=form, status=form_status(form))


two_factor.register(bp)
my_sessions.register(bp)
