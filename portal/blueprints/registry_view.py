"""The registry as the reviewing levels see it: list, search, household, "Lihat NIK lengkap", explanation.

`register(bp)` adds the routes to the kelurahan, kecamatan and Dinas Sosial blueprints; the RT blueprint gets
the shared list (`household_list`) and explanation (`register_explanation`). Search is a POST, so no name,
NIK or No. KK ever lands in a URL, a server log or the browser history.
"""
from flask import current_app, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from portal import access
from portal.domain import ranking as ranking_rules
from portal.domain.criteria import CRITERIA_CODES, assess
from portal.domain.household import STATUS_REASONS, conditions_from
from portal.domain.ppks import categories
from portal.domain.programs import PROGRAMS
from portal.extensions import db
from portal.forms import PortalForm, choices
from portal.models import Person
from portal.services import audit, programs, ranking, registry
from portal.web import attempt, form_ids, render, see_other


class SearchForm(PortalForm):
    q = StringField("Cari awal nama, No. KK atau NIK lengkap", validators=[Length(max=60)])
    page = HiddenField(default="1")


class RevealForm(PortalForm):
    person_id = HiddenField()
    reason = StringField("Alasan melihat NIK lengkap", filters=[lambda s: " ".join(s.split()) if s else s],
                         validators=[DataRequired("Tuliskan alasan melihat NIK lengkap."), Length(min=10, max=200)])


def _int_arg(name: str, low: int, high: int) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and low <= int(value) <= high else None


def list_filters() -> registry.HouseholdFilter:
    """Filters from the query string; anything unknown is ignored (a filter, never an error)."""
    reason, status, ppks = request.args.get("alasan", ""), request.args.get("status", ""), request.args.get("ppks", "")
    return registry.HouseholdFilter(
        area_id=next(iter(form_ids([request.args.get("wilayah", "")])), None),
        criteria_met=_int_arg("kriteria", 0, 14), desil=_int_arg("desil", 1, 10),
        nonaktif_reason=reason if reason in STATUS_REASONS else None,
        status=status if status in ("aktif", "nonaktif") else None,
        ppks=ppks if ppks in categories() else None,
        program=request.args.get("program") if request.args.get("program") in PROGRAMS else None)


def filter_args(f: registry.HouseholdFilter) -> dict:
    """The query string of the filters in force (what was ignored is left out)."""
    args = {"wilayah": f.area_id, "kriteria": f.criteria_met, "desil": f.desil, "status": f.status,
            "alasan": f.nonaktif_reason, "ppks": f.ppks, "program": f.program}
    return {k: v for k, v in args.items() if v is not None}


def household_list(role: str):
    """GET: the filtered list; POST: a search (the term stays in the request body)."""
    form = SearchForm()
    searching = form.validate_on_submit()
    query = (form.q.data or "").strip() if searching else ""
    if searching:
        text = form.page.data or ""
        page_no = int(text) if text.isascii() and text.isdigit() else 1  # "²".isdigit() is True too
    else:
        page_no = request.args.get("page", 1, int)
    filters = registry.HouseholdFilter() if searching else list_filters()
    run = ranking.latest_run()
    page = registry.household_page(current_user, query, filters, run, page_no, current_app.config["PAGE_SIZE"])
    people_in_category = registry.count_people_with(current_user, filters) if filters.ppks else None
    held = programs.programs_by_household([hh.id for hh, *_ in page.items])  # one query for the page
    page_programs = {hid: ", ".join(dict.fromkeys(PROGRAMS[p] for p, _ in ms)) for hid, ms in held.items()}
    active = {} if searching else filter_args(filters)
    return render("registry/households.html", block="results", form=form, page=page, query=query, role=role,
                  run=run, filter_args=active, filters=filters, people_in_category=people_in_category,
                  page_programs=page_programs,
                  area=access.get_area_or_404(current_user, filters.area_id) if filters.area_id else None)


def explanation_page(role: str, household_id: int):
    household = access.get_household_or_404(current_user, household_id)
    content = registry.household_content(household)
    assessment = assess(conditions_from(content))
    labels = {r.code: r.label for r in assessment.results}
    explained = ranking.explanation(household, labels, CRITERIA_CODES)
    sentences = []
    if explained:
        row, rules = explained.row, ranking_rules.rules_for(explained.run.ranking_version)
        facts = ranking_rules.HouseholdFacts(household.id, row.kelurahan_id, row.rank_city is not None,
                                             row.criteria_met, row.fakir_miskin, row.dependants, row.elderly,
                                             row.disabled, row.ppks)
        kelurahan = household.area.parent.name if household.area.parent else ""
        sentences = [ranking_rules.poverty_sentence(row.criteria_met, row.fakir_miskin, rules.poor_threshold),
                     ranking_rules.rank_sentence(explained.standing, kelurahan,
                                                 STATUS_REASONS.get(household.nonaktif_reason or "")),
                     ranking_rules.tie_break_sentence(facts, rules)]
    return render("registry/explanation.html", household=household, assessment=assessment, explained=explained,
                  sentences=sentences, role=role)


class ProgramEntryForm(PortalForm):
    """Dinas Sosial records a membership that exists outside the portal (e.g. the KKS list)."""
    program = SelectField("Program", choices=choices(PROGRAMS), validate_choice=False)
    person_id = SelectField("Anggota (khusus PBI-JK)", choices=[], validate_choice=False)
    identifier = StringField("Nomor kartu / ID penerima", validators=[Length(max=40)])
    period = StringField("Periode", validators=[Length(max=20)], description="Misalnya 2026-1.")


def _program_form(members) -> ProgramEntryForm:
    form = ProgramEntryForm()
    form.person_id.choices = [("", "–")] + [(str(p.id), p.name) for p in members]
    return form


def register_explanation(bp) -> None:
    role = bp.name

    @bp.get("/rumah-tangga/<int:household_id>/peringkat")
    def household_ranking(household_id: int):
        return explanation_page(role, household_id)


def register(bp) -> None:
    role = bp.name
    register_explanation(bp)

    if role == "dinsos":
        @bp.post("/rumah-tangga/<int:household_id>/program")
        def household_program(household_id: int):
            household = access.get_household_or_404(current_user, household_id)
            form = ProgramEntryForm()
            person = next((p for p in household.active_members if str(p.id) == form.person_id.data), None)
            back = url_for("dinsos.household", household_id=household.id)
            if form.validate_on_submit() and attempt(form, lambda: programs.enter(
                    current_user, household, form.program.data, form.identifier.data or "", form.period.data or "",
                    person)):
                return see_other(back, "Kepesertaan program dicatat.")
            errors = [e for errs in form.errors.values() for e in errs if isinstance(e, str)] + form.form_errors
            return see_other(back, " ".join(dict.fromkeys(errors)) or "Kepesertaan tidak tercatat.", "error")

    @bp.route("/rumah-tangga", methods=["GET", "POST"])
    def households():
        return household_list(role)

    @bp.route("/rumah-tangga/<int:household_id>", methods=["GET", "POST"])
    def household(household_id: int):
        """GET shows NIKs masked; POST (a reason) shows one person's full NIK in this response only, audited."""
        household = access.get_household_or_404(current_user, household_id)
        members = db.session.scalars(select(Person).where(Person.household_id == household.id, Person.active)
                                     .options(selectinload(Person.ppks)).order_by(Person.id)).all()
        form, revealed = RevealForm(), {}
        if form.validate_on_submit():
            person = next((p for p in members if str(p.id) == form.person_id.data), None)
            if person is None:
                form.person_id.errors = ["Anggota tidak ditemukan di rumah tangga ini."]
            else:
                audit.record(current_user, "nik.lihat", person, ip=request.remote_addr or "",
                             household_id=household.id, reason=form.reason.data)
                db.session.commit()
                revealed[person.id] = person.nik
        status = 422 if form.errors else 200
        return render("registry/household.html", household=household, members=members, form=form,
                      revealed=revealed, role=role, status=status, programs=programs.memberships_of(household),
                      program_form=_program_form(members) if role == "dinsos" else None,
                      assessment=assess(conditions_from(registry.household_content(household))),
                      back=url_for(f"{role}.households"))
