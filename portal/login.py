"""Flask-Login wiring: sessions loaded from the server-side table, htmx-aware redirects to the login page."""
from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user

from portal.extensions import db, htmx, login_manager
from portal.services import sessions

# Endpoints a user who must change their password may still reach.
OPEN_DURING_PASSWORD_CHANGE = {"auth.change_password", "auth.logout", "auth.login", "assets.serve"}
# Endpoints a user whose role requires two-factor login (TWO_FACTOR_REQUIRED_ROLES) may reach before enrolling.
OPEN_DURING_TWO_FACTOR_ENROLMENT = {"auth.security", "auth.security_start", "auth.security_confirm",
                                    "auth.logout", "auth.login", "assets.serve"}


@login_manager.user_loader
def load_user(token: str):
    cfg = current_app.config
    return sessions.load(token, cfg["SESSION_IDLE_TIMEOUT"], cfg["SESSION_ABSOLUTE_TIMEOUT"])


@login_manager.unauthorized_handler
def unauthorized():
    target = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    flash("Silakan masuk untuk melanjutkan.", "info")
    if htmx:
        # An expired session during an htmx click: send the whole page to the login form.
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def before_request():
    """Load the session once per request, keep its bookkeeping, and enforce a pending password change."""
    if request.endpoint == "assets.serve":
        return None
    authenticated = current_user.is_authenticated
    if db.session.dirty:  # the loader touched or ended a session row
        db.session.commit()
    if authenticated and current_user.must_change_password and request.endpoint not in OPEN_DURING_PASSWORD_CHANGE:
        flash("Silakan ganti kata sandi sementara Anda sebelum melanjutkan.", "info")
        return redirect(url_for("auth.change_password"))
    if (authenticated and not current_user.two_factor_enabled
            and current_user.role in current_app.config["TWO_FACTOR_REQUIRED_ROLES"]
            and request.endpoint not in OPEN_DURING_TWO_FACTOR_ENROLMENT):
        flash("Peran Anda wajib memakai verifikasi dua langkah. Aktifkan dulu sebelum melanjutkan.", "info")
        return redirect(url_for("auth.security"))
    return None


def init_app(app) -> None:
    login_manager.session_protection = None  # our own server-side sessions do this job
    app.before_request(before_request)
