"""Dashboards of the reviewing levels: each sees its own area, filtered by period and area, with a CSV of every
table. `register(bp)` adds the routes to the kelurahan, kecamatan and Dinas Sosial blueprints.
"""
from datetime import datetime
from typing import NamedTuple

from flask import Response, abort, render_template, request
from flask_login import current_user
from markupsafe import Markup

from portal import access, summary_cache
from portal.domain.areas import Level
from portal.domain.report_dates import filter_date
from portal.domain.spreadsheet import csv_chunks
from portal.extensions import db
from portal.models.types import utcnow
from portal.services import dashboard, ranking
from portal.web import render


def _filters():
    """(period, area, messages) from the query string; a bad value falls back with a message, never an error."""
    default = dashboard.default_period()
    start, bad_start = filter_date(request.args.get("dari", ""), default.start)
    end, bad_end = filter_date(request.args.get("sampai", ""), default.end)
    messages = [m for m in (bad_start, bad_end) if m]
    if end < start:
        start, end = end, start
        messages.append("Tanggal awal sesudah tanggal akhir; keduanya ditukar.")
    area = access.area_named_by(current_user, request.args.get("wilayah", ""), (Level.KECAMATAN, Level.KELURAHAN))
    return dashboard.Period(start, end), area, messages


def _by_kelurahan(area) -> bool:
    """Activity per kelurahan on the page (per RT in its CSV) unless one kelurahan is in view."""
    return (area or current_user.area).level in (Level.KOTA, Level.KECAMATAN)


def _tables(role: str, period, area, run) -> dict:
    """Each table by its CSV name, computed only when asked for."""
    user = current_user
    per_kelurahan = {"aktivitas-kelurahan": lambda: dashboard.activity(user, area, period, "kelurahan")}
    return {
        "usulan-status": lambda: dashboard.proposals_by_status(user, area, role),
        "tenggat": lambda: dashboard.deadlines(user, area, period),
        **(per_kelurahan if _by_kelurahan(area) else {}),
        "aktivitas-rt": lambda: dashboard.activity(user, area, period, "rt"),
        "kriteria": lambda: dashboard.criteria_distribution(user, area, role),
        "desil": lambda: dashboard.desil_distribution(user, area, role, run),
        "nonaktif": lambda: dashboard.nonaktif_reasons(user, area, role),
        "ppks": lambda: dashboard.ppks_by_kelurahan(user, area, role),
    }


def _scope(role: str, period, area) -> tuple:
    """What a dashboard's numbers depend on besides the data: who looks, at what, and the minute (deadlines)."""
    return role, current_user.area_id, area.id if area else None, period, utcnow().replace(second=0, microsecond=0)


def _choices() -> list[tuple[int, str]]:
    return [(a.id, f"{a.level_label} {a.name}") for level in (Level.KECAMATAN, Level.KELURAHAN)
            if level != current_user.area.level for a in db.session.scalars(access.areas_of_level(current_user, level))]


class RunStamp(NamedTuple):
    computed_at: datetime
    rules_version: str


def _run_stamp() -> RunStamp | None:
    """What the page says of the latest ranking run (kept as plain values: cached across requests)."""
    run = ranking.latest_run()
    return RunStamp(run.computed_at, run.rules_version) if run else None


def register(bp) -> None:
    role = bp.name

    @bp.get("/dasbor")
    def dashboard_page():
        period, area, messages = _filters()
        query = {k: v for k, v in request.args.items() if k in ("dari", "sampai", "wilayah")}

        def tables_html():
            # Per RT for a whole city or kecamatan is hundreds of rows: there it is a CSV only.
            tables = [make() for name, make in _tables(role, period, area, ranking.latest_run()).items()
                      if not (name == "aktivitas-rt" and _by_kelurahan(area))]
            return Markup(render_template("dashboard/_tables.html", tables=tables, period=period, area=area,
                                          messages=messages, role=role, query=query))
        key = (*_scope(role, period, area), tuple(messages), tuple(sorted(query.items())))
        return render("dashboard/page.html", tables_html=summary_cache.cached(key, tables_html), period=period,
                      area=area, choices=summary_cache.cached((role, current_user.area_id, "wilayah"), _choices),
                      role=role, run=summary_cache.cached(("ranking-run",), _run_stamp))

    @bp.get("/dasbor/<name>.csv")
    def dashboard_csv(name: str):
        period, area, _ = _filters()
        make = _tables(role, period, area, ranking.latest_run()).get(name) or abort(404)
        table = summary_cache.cached((*_scope(role, period, area), name), make)
        stamp = f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"
        return Response("".join(csv_chunks(table.columns, table.rows)), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}-{area.slug if area else "semua"}-{stamp}.csv"'})
