"""Dinas Sosial imports the ministry's files: upload -> preview -> confirm (or cancel). `register(bp)`."""
import csv
import io

from flask import Response, abort, send_file, url_for
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import SelectField

from portal.domain.import_rows import FORMATS
from portal.domain.spreadsheet import safe_cell
from portal.extensions import db
from portal.forms import PortalForm, choices
from portal.models import DataImport
from portal.services import imports
from portal.web import attempt, form_status, render, see_other

SAMPLES = {  # shipped example files: name -> what it shows
    "contoh-dtks.csv": "Data DTKS/DTSEN resmi, benar semua",
    "contoh-dtks-bermasalah.csv": "Data DTKS/DTSEN dengan kesalahan yang sering terjadi",
    "contoh-hasil.csv": "Hasil usulan dari Kementerian",
}


class UploadForm(PortalForm):
    kind = SelectField("Jenis berkas", choices=choices({k: label for k, (label, _, _) in FORMATS.items()}))
    file = FileField("Berkas (.csv atau .xlsx, paling besar 10 MB)")


class ConfirmForm(PortalForm):
    """Confirm and cancel carry only the CSRF token."""


def _import_or_404(import_id: int) -> DataImport:
    return db.session.get(DataImport, import_id) or abort(404)


def register(bp) -> None:
    @bp.route("/impor", methods=["GET", "POST"])
    def imports_page():
        form = UploadForm()
        if form.validate_on_submit():
            record = attempt(form, lambda: imports.receive(current_user, form.kind.data, form.file.data))
            if record:
                imports.start(imports.run_preview, record)
                return see_other(url_for("dinsos.import_detail", import_id=record.id))
        imports.settle_abandoned(imports.running_imports())  # a job whose worker died shows as failed
        db.session.commit()
        return render("imports/list.html", form=form, history=imports.history(), samples=SAMPLES,
                      formats=FORMATS, status=form_status(form))

    @bp.get("/impor/<int:import_id>")
    def import_detail(import_id: int):
        """htmx polls the status block while the file is checked or applied; without JavaScript it refreshes."""
        record = _import_or_404(import_id)
        imports.settle_abandoned([record])
        db.session.commit()
        return render("imports/detail.html", block="status", record=record, form=ConfirmForm(),
                      formats=FORMATS, earlier=imports.previously_applied(record))

    @bp.post("/impor/<int:import_id>/terapkan")
    def import_apply(import_id: int):
        record = _import_or_404(import_id)
        form = ConfirmForm()
        if form.validate_on_submit() and attempt(form, lambda: imports.request_apply(current_user, record)):
            imports.start(imports.run_apply, record)
            return see_other(url_for("dinsos.import_detail", import_id=record.id))
        message = " ".join(form.form_errors) or "Konfirmasi tidak dapat diproses."
        return see_other(url_for("dinsos.import_detail", import_id=record.id), message, "error")

    @bp.post("/impor/<int:import_id>/batal")
    def import_cancel(import_id: int):
        record = _import_or_404(import_id)
        form = ConfirmForm()
        if form.validate_on_submit() and attempt(form, lambda: imports.cancel(current_user, record)):
            return see_other(url_for("dinsos.imports_page"), "Impor dibatalkan; tidak ada data yang diubah.")
        return see_other(url_for("dinsos.import_detail", import_id=record.id), " ".join(form.form_errors), "error")

    @bp.get("/impor/<int:import_id>/galat.csv")
    def import_errors(import_id: int):
        record = _import_or_404(import_id)
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(["Baris", "Kolom", "Jenis", "Masalah"])
        findings = [(row, column, "Kesalahan", reason) for row, column, reason in record.errors]
        findings += [(row, column, "Peringatan", reason) for row, column, reason in
                     (record.details or {}).get("warnings", [])]
        writer.writerows([[safe_cell(c) for c in f] for f in findings])  # labels and values come from the file
        return Response(out.getvalue(), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="galat-impor-{record.id}.csv"'})

    @bp.get("/impor/contoh/<name>")
    def import_sample(name: str):
        if name not in SAMPLES:
            abort(404)
        return send_file(imports.SAMPLE_DIR / name, mimetype="text/csv", as_attachment=True, download_name=name)
