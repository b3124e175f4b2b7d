"""Filters and globals every template may use: Indonesian dates, masked numbers, rupiah, option labels."""
from datetime import date

from flask_babel import format_date, format_datetime

from portal.domain import criteria, household, programs, purposes, verivali
from portal.domain.errors import DomainError
from portal.domain.letter_numbers import format_nip
from portal.domain.nik import mask
from portal.domain.ppks import categories
from portal.domain.proposal_steps import EVIDENCE_KINDS

LABELS = {
    "sexes": household.SEXES, "relations": household.RELATIONS, "marital": household.MARITAL,
    "nonaktif": household.STATUS_REASONS, "jobs": criteria.JOBS, "evidence": EVIDENCE_KINDS,
    "ppks": {code: c.name for code, c in categories().items()},
    "verivali": verivali.OUTCOME_LABELS, "verivali_hints": verivali.OUTCOME_HINTS, "programs": programs.PROGRAMS,
    "purposes": purposes.PURPOSES,
}


def tanggal(value) -> str:
    """27 November 2026 (accepts a date, a datetime or an ISO date string)."""
    if not value:
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, "d MMMM y")


def waktu(value) -> str:
    return format_datetime(value, "d MMMM y HH.mm") + " WITA" if value else "–"


def rupiah(value) -> str:
    return "–" if value is None else "Rp" + f"{int(value):,}".replace(",", ".")


def assessment_of(content: dict) -> criteria.Assessment:
    """The 14-criteria result of a household's content (draft, snapshot or registry)."""
    return criteria.assess(household.conditions_from(content))


def nip(value: str) -> str:
    """18 digits printed the official way, "19800101 200501 1 001"; anything else as it is."""
    try:
        return format_nip(value)
    except DomainError:
        return value or ""


def init_app(app) -> None:
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True  # smaller pages on 2G
    app.jinja_env.filters.update(tanggal=tanggal, waktu=waktu, rupiah=rupiah, mask=mask, nip=nip)
    app.jinja_env.globals.update(labels=LABELS, assessment_of=assessment_of)
