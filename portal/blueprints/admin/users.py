"""Admin screens for accounts: list and search, create, (de)activate, reset password."""
from flask import current_app, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from portal import access
from portal.blueprints.admin import bp
from portal.blueprints.admin.forms import ResetPasswordForm, UserCreateForm
from portal.blueprints.auth.forms import EmptyForm
from portal.domain.areas import Level
from portal.domain.errors import DomainError
from portal.domain.roles import ROLE_LABELS
from portal.extensions import db
from portal.models import Area, User
from portal.pagination import paginate_rows
from portal.services import accounts, two_factor
from portal.web import attempt, form_status, render, see_other


@bp.get("/")
def home():
    users_by_role = dict(db.session.execute(
        access.in_area(select(User.role, func.count()).where(User.active), User.area_id, current_user)
        .group_by(User.role)).all())
    inactive = db.session.scalar(
        access.in_area(select(func.count()).select_from(User).where(~User.active), User.area_id, current_user))
    rt_count = db.session.scalar(
        access.in_area(select(func.count()).select_from(Area).where(Area.level == Level.RT), Area.id, current_user))
    return render("admin/home.html", area=current_user.area, users_by_role=users_by_role,
                  role_labels=ROLE_LABELS, inactive=inactive, rt_count=rt_count)


@bp.get("/pengguna")
def users():
    q = request.args.get("q", "").strip()[:64]
    role = request.args.get("role", "")
    stmt = access.in_area(select(User), User.area_id, current_user).order_by(User.username)
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(or_(User.username.like(pattern), func.lower(User.full_name).like(pattern)))
    if role in ROLE_LABELS:
        stmt = stmt.where(User.role == role)
    page = paginate_rows(stmt, request.args.get("page", 1, int), current_app.config["PAGE_SIZE"], scalars=True)
    return render("admin/users.html", block="results", page=page, q=q, role=role, role_labels=ROLE_LABELS)


@bp.route("/pengguna/baru", methods=["GET", "POST"])
def user_new():
    form = UserCreateForm()
    if form.validate_on_submit() and (user := attempt(form, lambda: accounts.create_user(
            current_user, form.username.data, form.full_name.data, form.role.data, form.area_code.data,
            form.password.data))):
        return see_other(url_for("admin.user_detail", user_id=user.id), f"Akun {user.username} dibuat.")
    return render("admin/user_new.html", form=form, status=form_status(form))


@bp.get("/pengguna/<int:user_id>")
def user_detail(user_id: int):
    user = access.get_user_or_404(current_user, user_id)
    return render("admin/user_detail.html", user=user, status_form=EmptyForm(), reset_form=ResetPasswordForm())


@bp.post("/pengguna/<int:user_id>/status")
def user_status(user_id: int):
    user = access.get_user_or_404(current_user, user_id)
    activate = request.form.get("active") == "1"
    try:
        accounts.set_active(current_user, user, activate)
    except DomainError as error:
        db.session.rollback()
        return see_other(url_for("admin.user_detail", user_id=user.id), error.message, "error")
    db.session.commit()
    message = f"Akun {user.username} diaktifkan kembali." if activate else f"Akun {user.username} dinonaktifkan."
    return see_other(url_for("admin.user_detail", user_id=user.id), message)


@bp.post("/pengguna/<int:user_id>/kata-sandi")
def user_reset_password(user_id: int):
    user = access.get_user_or_404(current_user, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit() and attempt(form, lambda: accounts.reset_password(current_user, user,
                                                                                    form.new_password.data)):
        return see_other(url_for("admin.user_detail", user_id=user.id),
                         f"Kata sandi {user.username} diatur ulang. Sampaikan kata sandi sementara secara langsung.")
    return render("admin/user_detail.html", user=user, status_form=EmptyForm(), reset_form=form, status=422)


@bp.post("/pengguna/<int:user_id>/dua-langkah")
def user_reset_two_factor(user_id: int):
    """For a user who lost both their phone and their recovery codes (confirmed in person, not by message)."""
    user = access.get_user_or_404(current_user, user_id)
    form = EmptyForm()
    if form.validate_on_submit() and attempt(form, lambda: two_factor.reset_by_admin(current_user, user)):
        return see_other(url_for("admin.user_detail", user_id=user.id),
                         f"Verifikasi dua langkah {user.username} diatur ulang; semua sesinya diakhiri.")
    message = form.form_errors[0] if form.form_errors else "Formulir kedaluwarsa. Muat ulang halaman, lalu coba lagi."
    return see_other(url_for("admin.user_detail", user_id=user.id), message, "error")
