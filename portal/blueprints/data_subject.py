"""Dinas Sosial's data-subject export page: a full NIK and a reason in, one JSON file out (audited).

`register(bp)` adds GET/POST /subjek-data to the Dinas Sosial blueprint (its before_request gate admits
Dinas Sosial only). The NIK travels in the POST body, never in a URL; the file name carries no personal data.
"""
import json

from flask import Response, request
from flask_login import current_user
from wtforms import StringField, TextAreaField

from portal.forms import PortalForm
from portal.services import data_subject
from portal.web import attempt, form_status, render


class DataSubjectForm(PortalForm):
    nik = StringField("NIK lengkap orang yang meminta datanya")
    reason = TextAreaField("Alasan dan dasar permintaan",
                           description="Mis. nomor dan tanggal surat permohonan warga. Paling sedikit 10 karakter.")


def register(bp) -> None:
    @bp.route("/subjek-data", methods=["GET", "POST"])
    def data_subject_export():
        form = DataSubjectForm()
        if form.validate_on_submit():
            result = attempt(form, lambda: data_subject.export(current_user, form.nik.data, form.reason.data,
                                                               ip=request.remote_addr or ""))
            if result:
                data, filename = result
                body = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")
                return Response(body, mimetype="application/json", headers={
                    "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
        return render("dinsos/data_subject.html", form=form, status=form_status(form))
