"""Admin screens for the issuing offices: kop surat, letter numbering, signer and tembusan of each office."""
from flask import abort, request, url_for
from flask_login import current_user

from portal import access
from portal.blueprints.admin import bp
from portal.blueprints.admin.forms import LogoForm, OfficeForm
from portal.domain.areas import Level
from portal.domain.letters import KINDS
from portal.extensions import db
from portal.services import letters
from portal.services import offices as office_service
from portal.web import attempt, form_status, one_click, render, see_other, wants_fragment


@bp.get("/kantor")
def offices():
    rows = [(office, office_label(office.area), letters.settings_of(office))
            for office in office_service.offices_of(current_user)]
    db.session.commit()  # offices opened for the first time are stored with their defaults
    return render("admin/offices.html", rows=rows)


@bp.route("/kantor/<int:area_id>", methods=["GET", "POST"])
def office_edit(area_id: int):
    area = access.get_area_or_404(current_user, area_id)
    if area.level not in office_service.OFFICE_LEVELS:
        abort(404)
    if request.method == "GET" and "pattern" in request.args and wants_fragment():  # the live "Contoh nomor" line
        return render("admin/office_edit.html", block="preview", preview=office_service.sample_number(
            area.level, request.args))
    office = letters.office_for(area)
    db.session.commit()
    form = OfficeForm(data=office_service.form_values(letters.settings_of(office)))
    if form.validate_on_submit() and attempt(form, lambda: office_service.update_settings(
            current_user, office, form.data)):
        return see_other(url_for("admin.offices"), f"Pengaturan {office_label(area)} disimpan.")
    _show_every_error(form)
    return render("admin/office_edit.html", area=area, label=office_label(area), form=form, kinds=KINDS,
                  main_kind=office_service.MAIN_KIND[area.level],
                  preview=office_service.sample_number(area.level, form.data), status=form_status(form))


@bp.post("/kantor/<int:area_id>/logo")
def office_logo(area_id: int):
    area = access.get_area_or_404(current_user, area_id)
    if area.level not in office_service.OFFICE_LEVELS:
        abort(404)
    office = letters.office_for(area)
    form = LogoForm()
    if request.form.get("hapus") == "1":
        return one_click(form, lambda: office_service.remove_logo(current_user, office),
                         url_for("admin.office_edit", area_id=area.id), "Logo dihapus.")
    return one_click(form, lambda: office_service.set_logo(current_user, office, request.files.get("logo")),
                     url_for("admin.office_edit", area_id=area.id), "Logo disimpan; surat berikutnya memakainya.")


def office_label(area) -> str:
    return "Dinas Sosial" if area.level == Level.KOTA else area.label


def _show_every_error(form) -> None:
    """attempt() shows the first refused field; the service reports all of them, so show the others too."""
    for field, message in getattr(getattr(form, "rule_error", None), "errors", {}).items():
        if (f := getattr(form, field, None)) is not None and message not in f.errors:
            f.errors = [*f.errors, message]
