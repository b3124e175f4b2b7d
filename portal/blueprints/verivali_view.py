"""Verivali screens. The RT works its checklist (`register_checklist`); kelurahan, kecamatan and Dinas Sosial
follow progress and open the unfinished items of an area (`register_progress`); Dinas Sosial also opens and
closes periods (`register_admin`). Each tap is its own POST, saved at once: a lost connection loses nothing
already confirmed. With htmx the item swaps in place; without JavaScript the page comes back.
"""
import io
from datetime import date

from flask import Response, abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload
from wtforms import DateField, HiddenField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Optional

from portal import access, clock
from portal.domain import verivali
from portal.domain.areas import Level
from portal.domain.programs import PROGRAMS
from portal.domain.spreadsheet import XLSX_MIMETYPE, csv_chunks, write_xlsx
from portal.domain.verivali import OUTCOME_LABELS, Outcome, PeriodRequest
from portal.extensions import db
from portal.forms import PortalForm, choices
from portal.models import Person, VerivaliItem, VerivaliPeriod
from portal.pagination import paginate_rows
from portal.services import verivali as service
from portal.web import attempt, form_status, render, see_other, wants_fragment

CHECKLIST_PAGE = 50
CHILD_LEVEL = {Level.KOTA: Level.KECAMATAN, Level.KECAMATAN: Level.KELURAHAN, Level.KELURAHAN: Level.RT}


class CheckForm(PortalForm):
    version = HiddenField()
    visit_date = DateField("Tanggal kunjungan", validators=[Optional()])


class PeriodForm(PortalForm):
    name = StringField("Nama periode", validators=[InputRequired("Tulis nama periode.")])
    starts_on = DateField("Mulai", validators=[InputRequired("Isi tanggal mulai yang benar.")])
    ends_on = DateField("Selesai", validators=[InputRequired("Isi tanggal selesai yang benar.")])
    programs = SelectMultipleField("Hanya penerima program (kosong: semua rumah tangga aktif)",
                                   choices=choices(PROGRAMS, blank=None), validate_choice=True)
    kelurahan_ids = SelectMultipleField("Hanya kelurahan (kosong: seluruh kota)", coerce=int, validate_choice=True)


def _period_or_404(period_id: int) -> VerivaliPeriod:
    return db.session.get(VerivaliPeriod, period_id) or abort(404)


def _page_of_items(period: VerivaliPeriod, area=None, only_open=False):
    stmt = service.items_stmt(current_user, period, area, only_open).options(  # one query per relation, not per row
        contains_eager(VerivaliItem.household), selectinload(VerivaliItem.proposal), selectinload(VerivaliItem.area))
    page = paginate_rows(stmt, request.args.get("page", 1, int), CHECKLIST_PAGE, scalars=True)
    return page, _heads([i.household_id for i in page.items])


def _heads(household_ids: list[int]) -> dict[int, str]:
    """Household id -> name of its head, for a page of items in one query."""
    return dict(db.session.execute(select(Person.household_id, Person.name).where(
        Person.household_id.in_(household_ids), Person.active, Person.relation == "kepala")).all())


def check_form(item) -> CheckForm:
    return CheckForm(formdata=None, version=item.version)


def _record(item_id: int, back: str):
    """POST of one tap on an item: record it, then the item (htmx) or the list (plain form)."""
    item = access.get_verivali_item_or_404(current_user, item_id)
    form = CheckForm()
    outcome = request.form.get("outcome", "")
    ok = form.validate_on_submit() and attempt(form, lambda: service.record(
        current_user, item, form.version.data, outcome, form.visit_date.data, request.form.get("note", "")))
    errors = list(dict.fromkeys(form.form_errors + [e for errs in form.errors.values() for e in errs
                                                    if isinstance(e, str)]))
    if wants_fragment() and ok and outcome in verivali.PROPOSAL_FOR and item.proposal_id:
        # The proposal needs its wizard: htmx loads that page instead of swapping the item.
        flash("Usulan dibuka dari verivali. Lengkapi lalu ajukan.", "success")
        return Response(status=204, headers={"HX-Redirect": url_for("rt.proposal_resume",
                                                                    proposal_id=item.proposal_id)})
    if wants_fragment():
        db.session.refresh(item)
        head = _heads([item.household_id]).get(item.household_id)
        return render("verivali/_item.html", item=item, head=head, form=check_form(item),
                      open=item.period.status == verivali.OPEN, role=current_user.role, today=clock.today(),
                      errors=errors, status=200 if ok else 409 if getattr(form, "rule_error", None) else 422)
    if ok and outcome in verivali.PROPOSAL_FOR and item.proposal_id:
        return see_other(url_for("rt.proposal_resume", proposal_id=item.proposal_id),
                         "Usulan dibuka dari verivali. Lengkapi lalu ajukan.")
    if ok:
        return see_other(back, f"Tercatat: {OUTCOME_LABELS[Outcome(outcome)].lower()}.")
    return see_other(back, " ".join(errors) or "Hasil tidak tersimpan.", "error")


def register_checklist(bp) -> None:
    """The Ketua RT's checklist for the open periods."""

    @bp.get("/verivali")
    def verivali_checklist():
        open_periods = service.periods(verivali.OPEN)
        period = next((p for p in open_periods if str(p.id) == request.args.get("periode")),
                      open_periods[0] if open_periods else None)
        page, heads = _page_of_items(period) if period else (None, {})
        mine = service.total_progress(current_user, period) if period else None
        return render("verivali/checklist.html", period=period, periods=open_periods, page=page, heads=heads,
                      progress=mine, days_left=verivali.days_left(period.ends_on, clock.today()) if period else 0,
                      check_form=check_form, today=clock.today())

    @bp.post("/verivali/item/<int:item_id>")
    def verivali_record(item_id: int):
        return _record(item_id, request.referrer if _same_site(request.referrer)
                       else url_for("rt.verivali_checklist"))


def _same_site(url: str | None) -> bool:
    """Only go back to one of our own pages."""
    return bool(url) and url.startswith(request.host_url)


def register_progress(bp) -> None:
    role = bp.name

    def _periods_settled():
        """Every period, those whose preparing worker died shown as failed."""
        all_periods = service.periods()
        service.settle_abandoned(all_periods)
        db.session.commit()
        return all_periods

    @bp.get("/verivali")
    def verivali_periods():
        rows = [(p, service.total_progress(current_user, p)) for p in _periods_settled()]
        form = _period_form() if role == "dinsos" else None
        return render("verivali/periods.html", rows=rows, form=form, role=role, today=clock.today(),
                      status_labels=verivali.PERIOD_STATUS_LABELS)

    @bp.get("/verivali/<int:period_id>")
    def verivali_period(period_id: int):
        """Progress per child area (ranked), htmx-polled while the period is being prepared."""
        period = _period_or_404(period_id)
        service.settle_abandoned([period])
        db.session.commit()
        within = access.area_named_by(current_user, request.args.get("wilayah", ""))
        top = within or current_user.area
        level = CHILD_LEVEL.get(top.level, Level.RT)
        rows = service.progress_by_area(current_user, period, level, within)
        return render("verivali/period.html", block="status" if period.status == "menyiapkan" else None,
                      period=period, rows=rows, level=level, within=within, role=role,
                      total=service.total_progress(current_user, period), labels_outcome=OUTCOME_LABELS,
                      days_left=verivali.days_left(period.ends_on, clock.today()), form=PortalForm(),
                      status_labels=verivali.PERIOD_STATUS_LABELS)

    @bp.get("/verivali/<int:period_id>/belum")
    def verivali_open_items(period_id: int):
        period = _period_or_404(period_id)
        within = access.area_named_by(current_user, request.args.get("wilayah", ""))
        page, heads = _page_of_items(period, within, only_open=request.args.get("semua") != "1")
        return render("verivali/items.html", period=period, page=page, heads=heads, within=within, role=role,
                      check_form=check_form, today=clock.today())

    @bp.get("/verivali/<int:period_id>/rekap.csv")
    def verivali_recap_csv(period_id: int):
        return _recap_file(_period_or_404(period_id), "csv")

    @bp.get("/verivali/<int:period_id>/rekap.xlsx")
    def verivali_recap_xlsx(period_id: int):
        return _recap_file(_period_or_404(period_id), "xlsx")

    @bp.post("/verivali/<int:period_id>/rekap")
    def verivali_recap_letter(period_id: int):
        """The recap of this period for the user's area as a numbered, verifiable letter (PDF)."""
        period = _period_or_404(period_id)
        form = PortalForm()
        letter = form.validate_on_submit() and attempt(form, lambda: service.recap_letter(current_user, period))
        if letter:
            return see_other(url_for(f"{role}.letters_page"),
                             f"Rekap {letter.number} dibuat; unduh PDF-nya di daftar surat.")
        return see_other(url_for(f"{role}.verivali_period", period_id=period.id),
                         " ".join(form.form_errors) or "Rekap tidak dapat dibuat.", "error")

    if role == "kelurahan":
        @bp.post("/verivali/item/<int:item_id>")
        def verivali_record(item_id: int):
            """The kelurahan records a check on the RT's behalf (recorded as such)."""
            fallback = url_for("kelurahan.verivali_periods")
            return _record(item_id, request.referrer if _same_site(request.referrer) else fallback)


def _recap_file(period: VerivaliPeriod, file_format: str) -> Response:
    """Progress per child area of the user's area, as CSV (UTF-8 with BOM) or XLSX."""
    level = CHILD_LEVEL.get(current_user.area.level, Level.RT)
    header = ["Wilayah", "Jumlah", "Selesai", "Persen", *OUTCOME_LABELS.values()]
    rows = [[area.full_label, p.total, p.done, p.percent, *(p.counts.get(o.value, 0) for o in Outcome)]
            for area, p in service.progress_by_area(current_user, period, level)]
    name = f"rekap-verivali-{period.id}.{file_format}"
    if file_format == "csv":
        body, mimetype = "".join(csv_chunks(header, rows)), "text/csv"
    else:
        buffer = io.BytesIO()
        write_xlsx(buffer, "Rekap verivali", header, rows)
        body, mimetype = buffer.getvalue(), XLSX_MIMETYPE
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _period_form() -> PeriodForm:
    form = PeriodForm(starts_on=clock.today(), ends_on=date(clock.today().year, 12, 31))
    form.kelurahan_ids.choices = [(k.id, k.name) for k in
                                  db.session.scalars(access.areas_of_level(current_user, Level.KELURAHAN))]
    return form


def register_admin(bp) -> None:
    """Dinas Sosial opens and closes periods."""

    @bp.post("/verivali")
    def verivali_open():
        form = _period_form()
        if form.validate_on_submit():
            request_ = PeriodRequest(form.name.data, form.starts_on.data, form.ends_on.data,
                                     tuple(form.programs.data or ()), tuple(form.kelurahan_ids.data or ()))
            period = attempt(form, lambda: service.open_period(current_user, request_))
            if period:
                service.start_building(period)
                return see_other(url_for("dinsos.verivali_period", period_id=period.id),
                                 "Periode verivali dibuka.")
        rows = [(p, service.total_progress(current_user, p)) for p in service.periods()]
        return render("verivali/periods.html", rows=rows, form=form, role="dinsos", today=clock.today(),
                      status_labels=verivali.PERIOD_STATUS_LABELS, status=form_status(form))

    @bp.post("/verivali/<int:period_id>/tutup")
    def verivali_close(period_id: int):
        period = _period_or_404(period_id)
        form = PortalForm()
        if form.validate_on_submit() and attempt(form, lambda: service.close_period(current_user, period)):
            return see_other(url_for("dinsos.verivali_period", period_id=period.id),
                             "Periode ditutup; hasilnya tidak dapat diubah lagi.")
        return see_other(url_for("dinsos.verivali_period", period_id=period.id),
                         " ".join(form.form_errors) or "Periode tidak dapat ditutup.", "error")
