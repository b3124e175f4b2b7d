"""Response helpers shared by every blueprint: full page or htmx fragment, security headers, error pages."""
from flask import Response, abort, current_app, flash, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from portal import boosted_post
from portal.domain.errors import DomainError
from portal.extensions import db, htmx, login_manager

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

ERROR_TEXT = {
    400: ("Permintaan tidak dapat diproses", "Periksa kembali isian Anda, lalu coba lagi."),
    403: ("Akses ditolak", "Anda tidak memiliki akses ke halaman atau tindakan ini."),
    404: ("Halaman tidak ditemukan", "Halaman yang Anda cari tidak ada atau tidak dapat Anda buka."),
    405: ("Tindakan tidak diizinkan", "Cara membuka halaman ini tidak diizinkan."),
    409: ("Data sudah berubah", "Data ini sudah diubah di tempat lain. Muat ulang halaman, lalu coba lagi."),
    413: ("Berkas terlalu besar", "Ukuran kiriman melebihi batas. Perkecil berkas lalu coba lagi."),
    429: ("Terlalu banyak percobaan", "Terlalu banyak percobaan masuk yang gagal. Tunggu 15 menit lalu coba lagi."),
    500: ("Terjadi kesalahan pada sistem", "Maaf, terjadi kesalahan. Silakan coba lagi beberapa saat lagi."),
    503: ("Layanan sedang dipulihkan", "Basis data sedang tidak dapat dihubungi. Data yang sudah tersimpan aman; "
                                       "silakan coba lagi beberapa saat lagi."),
}
CSRF_TEXT = ("Formulir kedaluwarsa",
             "Formulir ini sudah terlalu lama dibuka atau sesi Anda berganti. Muat ulang halaman, lalu kirim lagi.")


MAX_ID = 2**31 - 1  # the largest id a database integer column holds


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: a number too large for an id is simply no page (404), not a 500."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def form_ids(values: list[str]) -> list[int]:
    """Ids from repeated form fields (checkboxes); anything that is not an id is left out."""
    return [int(v) for v in values if v.isascii() and v.isdigit() and int(v) <= MAX_ID]


def wants_fragment() -> bool:
    """Only a targeted htmx request gets a fragment; boosted navigation and history restore get the page."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, block: str | None = None, status: int = 200, **context) -> tuple[str, int]:
    if block and wants_fragment():
        return render_block(template, block, **context), status
    return render_template(template, **context), status


def see_other(location: str, message: str | None = None, category: str = "success") -> Response:
    """POST/redirect/GET with 303, with an optional flash message (a boosted POST gets the next page at once)."""
    if message:
        flash(message, category)
    return boosted_post.answer_in_place(location) or redirect(location, code=303)


def apply_domain_error(form, error: DomainError) -> None:
    """Show a domain rule's message next to its field, or above the form when it has none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def attempt(form, action):
    """Run a service call for a submitted form and commit once.

    Returns the call's result (True when it returns nothing); on a broken rule, rolls back, shows the
    message on the form and returns None.
    """
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        form.rule_error = error  # lets a view react to the kind of refusal (e.g. a stale draft)
        return None
    db.session.commit()
    return True if result is None else result


def one_click(form, action, back_url: str, done: str) -> Response:
    """A one-click change (remove a line, withdraw, finalise): run it, go back and say what happened."""
    ok = form.validate_on_submit() and attempt(form, action)
    messages = dict.fromkeys(e for errors in form.errors.values() for e in errors)  # field and form errors, once
    failed = " ".join(messages) or "Gagal menyimpan. Muat ulang halaman lalu coba lagi."
    return see_other(back_url, done if ok else failed, "success" if ok else "error")


def form_status(form) -> int:
    """422 for a submitted form with errors (htmx is configured to swap it), 200 otherwise."""
    return 422 if form.is_submitted() and (form.errors or form.form_errors) else 200


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"  # pages carry personal data; never cache them
        headers.add("Vary", "HX-Request")
    return response


def _error_response(status: int, title: str, message: str) -> tuple[str, int, dict]:
    headers = {}
    if htmx:
        # Show the error to an htmx user instead of a silent dead click.
        headers = {"HX-Retarget": "body", "HX-Reswap": "innerHTML"}
    # A server error may come from the database itself: its page must not need it (no signed-in user, no menu).
    plain = status >= 500
    return (render_template("errors/error.html", status=status, title=title, message=message, plain=plain),
            status, headers)


def handle_http_error(error: HTTPException):
    status = error.code or 500
    text = ERROR_TEXT.get(status) or ERROR_TEXT[400 if status < 500 else 500]
    return _error_response(status, *text)


def handle_csrf_error(error: CSRFError):
    return _error_response(400, *CSRF_TEXT)


def handle_database_unreachable(error: OperationalError | InterfaceError):
    """The database restarting or unreachable: a clear 503 instead of a crash, and nothing half-written."""
    current_app.logger.error("database unreachable: %s", error)
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass  # the connection is gone; the pool replaces it on the next checkout (pool_pre_ping)
    login_manager._update_request_context_with_user()  # anonymous: the page must not load the user again
    return _error_response(503, *ERROR_TEXT[503])


def end_database_session(_error=None) -> None:
    """Give the request's connection back. One the database cut after the page was built (a restart) fails to
    roll back; that must not turn a finished page into gunicorn's bare 500."""
    try:
        db.session.remove()
    except SQLAlchemyError as error:
        current_app.logger.warning("database connection lost at the end of a request: %s", error)
        db.session.remove()  # the failed rollback invalidated the connection: closing now only lets it go


def refuse_nameless_fields():
    """A multipart part without a name (never sent by a browser) would crash the CSRF check: refuse it first."""
    if request.method == "POST" and (None in request.form or None in request.files):
        abort(400)


def register_error_handlers(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(OperationalError, handle_database_unreachable)
    app.register_error_handler(InterfaceError, handle_database_unreachable)
    # Also renders the 500 page: Flask wraps unexpected errors in InternalServerError (and logs them).
    app.register_error_handler(HTTPException, handle_http_error)
