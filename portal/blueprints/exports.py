"""Export page of the reviewing levels: the BNBA of proposals or the registry of the area, as CSV or XLSX.

`register(bp)` adds `/ekspor` to the kelurahan, kecamatan and Dinas Sosial blueprints. A plain form POST
answers with the file (or the form again with its messages), so it works without JavaScript. Every export
states its purpose (keperluan, `portal.domain.purposes`), which the audit log keeps as its reason.
"""
import tempfile

from flask import Response, abort, request, send_file, stream_with_context
from flask_login import current_user
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from portal import access
from portal.domain.areas import Level
from portal.domain.report_dates import EARLIEST, LATEST
from portal.domain.spreadsheet import XLSX_MIMETYPE, csv_chunks, write_xlsx
from portal.domain.workflow import KIND_LABELS, Kind
from portal.extensions import db
from portal.forms import PurposeForm, choices
from portal.models import Area, Letter
from portal.services import exports
from portal.services.dashboard import Period
from portal.template_helpers import tanggal
from portal.web import attempt, form_ids, form_status, render


def _within_range(form, field) -> None:
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(f"Isi tanggal antara {EARLIEST:%Y} dan {LATEST:%Y}.")


class ExportForm(PurposeForm):
    what = RadioField("Data", default="bnba", choices=choices(
        {"bnba": "BNBA usulan", "registri": "Registri rumah tangga (anggota aktif)"}, None))
    file_format = RadioField("Format", default="xlsx", choices=choices({"xlsx": "XLSX (Excel)", "csv": "CSV"}, None))
    kelurahan = SelectField("Kelurahan", validate_choice=False)  # the area loader decides: 404 outside the area
    letter = SelectField("Surat Usulan", validate_choice=False)  # likewise the letters the user can see
    start = DateField("Diperbarui dari", validators=[Optional(), _within_range])
    end = DateField("Sampai", validators=[Optional(), _within_range])
    kind = SelectField("Jenis usulan", choices=choices({k.value: KIND_LABELS[k] for k in Kind}, "Semua jenis"))
    status = SelectField("Status usulan", choices=choices(
        {value: label for value, (label, _) in exports.STATUS_CHOICES.items()}, None))
    unmasked = BooleanField("Tampilkan NIK/No. KK lengkap")
    reason = StringField("Alasan menampilkan NIK/No. KK lengkap", validators=[Length(max=200)])

    def validate_end(self, field) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("Tanggal akhir sebelum tanggal awal.")


def _one_id(raw: str | None) -> int | None:
    """None for "all"; the id for a number; 404 for anything else (never a 500)."""
    if not raw:
        return None
    return next(iter(form_ids([raw])), None) or abort(404)


def _kelurahan(raw: str | None) -> Area | None:
    area_id = _one_id(raw)
    return access.get_area_or_404(current_user, area_id, Level.KELURAHAN) if area_id else None


def _letter(raw: str | None) -> Letter | None:
    letter_id = _one_id(raw)
    if letter_id is None:
        return None
    return db.session.scalar(exports.usulan_letters(current_user).where(Letter.id == letter_id)) or abort(404)


def _period(form: ExportForm) -> Period | None:
    """The two optional dates as a period; an open end reaches the portal's earliest or latest day."""
    if not (form.start.data or form.end.data):
        return None
    return Period(form.start.data or EARLIEST, form.end.data or LATEST)


def _prepare(form: ExportForm) -> exports.Export:
    reveal = (form.reason.data or "") if form.unmasked.data else None
    kelurahan, ip = _kelurahan(form.kelurahan.data), request.remote_addr or ""
    purpose = {"purpose": form.keperluan.data or "", "note": form.keterangan.data or "", "reveal_reason": reveal,
               "ip": ip}
    if form.what.data == "registri":
        return exports.registry_export(current_user, exports.RegistrySelection(kelurahan), form.file_format.data,
                                       **purpose)
    selection = exports.ProposalSelection(letter=_letter(form.letter.data), period=_period(form), kelurahan=kelurahan,
                                          kind=Kind(form.kind.data) if form.kind.data else None,
                                          status=form.status.data)
    return exports.bnba_export(current_user, selection, form.file_format.data, **purpose)


def _file_response(export: exports.Export) -> Response:
    """CSV streamed as it is read; XLSX written to a temporary file first (a zip needs its end before sending)."""
    if export.file_format == "csv":
        response = Response(stream_with_context(csv_chunks(export.header, export.rows())),
                            mimetype="text/csv", headers={
                                "Content-Disposition": f'attachment; filename="{export.file_name}"'})
    else:
        file = tempfile.TemporaryFile(suffix=".xlsx")  # removed when the response closes it
        try:
            write_xlsx(file, export.sheet_title, export.header, export.rows())
        except BaseException:
            file.close()
            raise
        file.seek(0)
        response = send_file(file, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=export.file_name,
                             conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"  # personal data: never kept by a browser or a proxy
    return response


def register(bp) -> None:
    role = bp.name

    @bp.route("/ekspor", methods=["GET", "POST"])
    def export_page():
        form = ExportForm()
        form.kelurahan.choices = choices(
            {str(a.id): a.name for a in db.session.scalars(access.areas_of_level(current_user, Level.KELURAHAN))},
            "Seluruh wilayah saya")
        form.letter.choices = choices(
            {str(letter.id): f"{letter.number} ({tanggal(letter.issued_at)}){'' if letter.valid else ', dicabut'}"
             for letter in db.session.scalars(exports.usulan_letters(current_user))}, "Semua usulan")
        if form.validate_on_submit() and (export := attempt(form, lambda: _prepare(form))):
            return _file_response(export)
        return render("exports/page.html", form=form, role=role, status=form_status(form))
