"""Admin screens for areas: the official kecamatan/kelurahan (read-only) and the RTs under each kelurahan."""
from flask import url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal import access
from portal.blueprints.admin import bp
from portal.blueprints.admin.forms import AddRtForm, UpdateRtForm
from portal.domain.areas import Level
from portal.extensions import db
from portal.models import Area
from portal.services import areas as area_service
from portal.web import attempt, form_status, render, see_other


@bp.get("/wilayah")
def areas():
    kelurahan = db.session.scalars(access.areas_of_level(current_user, Level.KELURAHAN)).all()
    rt_counts = dict(db.session.execute(
        access.in_area(select(Area.parent_id, func.count()).where(Area.level == Level.RT), Area.id, current_user)
        .group_by(Area.parent_id)).all())
    return render("admin/areas.html", area=current_user.area, kelurahan=kelurahan, rt_counts=rt_counts)


@bp.route("/wilayah/<int:area_id>", methods=["GET", "POST"])
def kelurahan_rts(area_id: int):
    kel = access.get_area_or_404(current_user, area_id, Level.KELURAHAN)
    form = AddRtForm()
    if form.validate_on_submit() and (rt := attempt(form, lambda: area_service.add_rt(
            current_user, kel, form.number.data, form.rw.data))):
        return see_other(url_for("admin.kelurahan_rts", area_id=kel.id), f"{rt.label} ditambahkan.")
    rts = db.session.scalars(access.child_areas(current_user, kel)).all()
    return render("admin/kelurahan_rts.html", kel=kel, rts=rts, form=form, status=form_status(form))


@bp.route("/wilayah/rt/<int:area_id>", methods=["GET", "POST"])
def rt_edit(area_id: int):
    rt = access.get_area_or_404(current_user, area_id, Level.RT)
    form = UpdateRtForm(obj=rt)
    if form.validate_on_submit() and attempt(form, lambda: area_service.update_rt(
            current_user, rt, form.rw.data, form.active.data)):
        return see_other(url_for("admin.kelurahan_rts", area_id=rt.parent_id), f"{rt.label} diperbarui.")
    return render("admin/rt_edit.html", rt=rt, form=form, status=form_status(form))
