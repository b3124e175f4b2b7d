"""The numbers behind the dashboards. Every table is computed inside the user's area (access.in_area) with the
same filters the lists use, so a number on the dashboard is the count of the list it links to.
"""
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, url_for
from sqlalchemy import case, func, select

from portal import access, clock
from portal.domain.household import STATUS_REASONS
from portal.domain.ppks import categories
from portal.domain.roles import Role
from portal.domain.workflow import KIND_LABELS, STATE_LABELS, WAITING_FOR, Action, Kind, State
from portal.extensions import db
from portal.models import (Area, Decision, Household, HouseholdRank, Person, PersonPpks, Proposal, RankingRun, User,
                           VerivaliCheck, VerivaliItem)
from portal.models.types import UTCDateTime, utcnow

LEVELS = {Role.KELURAHAN.value: "Kelurahan", Role.KECAMATAN.value: "Kecamatan", Role.DINSOS.value: "Dinas Sosial"}
REVIEW_ACTIONS = (Action.SETUJUI.value, Action.KEMBALIKAN.value, Action.TOLAK.value)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The period's days in Bontang time (WITA) as UTC instants: [start 00:00, end+1 00:00)."""
        begin = datetime.combine(self.start, time(), clock.WITA).astimezone(UTC)
        finish = datetime.combine(self.end + timedelta(days=1), time(), clock.WITA).astimezone(UTC)
        return begin, finish


def default_period() -> Period:
    today = clock.today()
    return Period(date(today.year, 1, 1), today)


@dataclass
class Table:
    """One dashboard block: a table (first column the label), a chart of one column, a CSV of the same rows."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)
    chart: int = -1  # the column drawn as bars (index into a row)
    note: str = ""

    @property
    def chart_max(self) -> int:
        return max((r[self.chart] for r in self.rows), default=0) or 1


def _within(stmt, column, user: User, area: Area | None):
    """The user's area, narrowed to the filter's area (already checked to lie inside it)."""
    stmt = access.in_area(stmt, column, user)
    return stmt.where(column.in_(access.area_ids_within(area))) if area else stmt


def _households(user: User, area: Area | None):
    return _within(select(Household), Household.area_id, user, area)


def _proposals(user: User, area: Area | None):
    return _within(select(Proposal), Proposal.area_id, user, area).where(Proposal.status != State.DRAF)


def _areas(user: User, area: Area | None, level: str) -> list[Area]:
    return db.session.scalars(_within(select(Area).where(Area.level == level), Area.id, user, area)
                              .order_by(Area.code)).all()


def _list(role: str, **args) -> str:
    return url_for(f"{role}.households", **{k: v for k, v in args.items() if v is not None})


def proposals_by_status(user: User, area: Area | None, role: str) -> Table:
    sub = _proposals(user, area).subquery()
    counts = {(s, k): n for s, k, n in db.session.execute(
        select(sub.c.status, sub.c.kind, func.count()).group_by(sub.c.status, sub.c.kind))}
    kinds = list(Kind)
    table = Table("usulan-status", "Usulan menurut status dan jenis",
                  ["Status", *(KIND_LABELS[k] for k in kinds), "Jumlah"], chart=len(kinds) + 1)
    for state, label in STATE_LABELS.items():
        if state == State.DRAF:
            continue
        row = [counts.get((state.value, k.value), 0) for k in kinds]
        table.rows.append([label, *row, sum(row)])
        table.links.append(url_for(f"{role}.proposals", status=state.value, wilayah=area.id if area else None))
    return table


def deadlines(user: User, area: Area | None, period: Period) -> Table:
    """Per level: waiting now, waiting past the level's deadline, and average days the level took."""
    sub = _proposals(user, area).subquery()
    now = utcnow()
    overdue_days = current_app.config["OVERDUE_DAYS"]
    table = Table("tenggat", "Waktu di setiap tingkat",
                  ["Tingkat", "Menunggu", "Lewat tenggat", "Rata-rata hari (periode)"], chart=1,
                  note="Tenggat: " + ", ".join(f"{LEVELS[r]} {d} hari" for r, d in overdue_days.items()) + ".")
    averages = average_days(user, area, period)
    for role, label in LEVELS.items():
        waiting = sub.c.status == WAITING_FOR[role]
        late = waiting & (sub.c.updated_at <= now - timedelta(days=overdue_days[role]))
        count, overdue = db.session.execute(select(
            func.count(case((waiting, 1))), func.count(case((late, 1))))).one()
        table.rows.append([label, count, overdue, averages.get(role, "–")])
        table.links.append(None)
    return table


def average_days(user: User, area: Area | None, period: Period) -> dict[str, float]:
    """Mean days between a proposal reaching a level (the decision before) and that level's decision."""
    arrived = func.lag(Decision.at, type_=UTCDateTime()).over(partition_by=Decision.proposal_id,
                                                              order_by=Decision.id)
    steps = (select(Decision.role, Decision.action, Decision.at, arrived.label("arrived"))
             .where(Decision.proposal_id.in_(_proposals(user, area).with_only_columns(Proposal.id)))).subquery()
    begin, finish = period.utc_bounds
    spans: dict[str, list[float]] = {}
    for role, at, came in db.session.execute(
            select(steps.c.role, steps.c.at, steps.c.arrived).where(
                steps.c.action.in_(REVIEW_ACTIONS), steps.c.at >= begin, steps.c.at < finish,
                steps.c.arrived.is_not(None))):
        spans.setdefault(role, []).append((at - came).total_seconds() / 86400)
    return {role: round(sum(v) / len(v), 1) for role, v in spans.items()}


ACTIVITY = {"diajukan": "Diajukan RT", "diputus": "Diputuskan", "dikembalikan": "Dikembalikan", "ditolak": "Ditolak",
            "dikirim": "Dikirim ke Kementerian", "dicek": "Dicek saat verivali"}


def activity(user: User, area: Area | None, period: Period, by_level: str) -> Table:
    """Verivali activity per area of `by_level` (kelurahan or RT) in the period, most active first."""
    begin, finish = period.utc_bounds
    rt = Area.__table__.alias("rt")
    group = rt.c.id if by_level == "rt" else rt.c.parent_id
    counted = {
        "diajukan": Decision.action == Action.AJUKAN.value,
        "diputus": Decision.action.in_(REVIEW_ACTIONS),
        "dikembalikan": Decision.action == Action.KEMBALIKAN.value,
        "ditolak": Decision.action.in_((Action.TOLAK.value, Action.TOLAK_KEMENTERIAN.value)),
        "dikirim": Decision.action == Action.KIRIM.value,
    }
    stmt = (select(group, *(func.count(case((cond, 1))) for cond in counted.values()))
            .select_from(Decision).join(Proposal, Decision.proposal_id == Proposal.id)
            .join(rt, rt.c.id == Proposal.area_id)
            .where(Decision.at >= begin, Decision.at < finish,
                   Proposal.id.in_(_proposals(user, area).with_only_columns(Proposal.id)))
            .group_by(group))
    counts = {row[0]: list(row[1:]) for row in db.session.execute(stmt)}
    # Verivali checks (append-only, so every confirmation counts) by the household's RT at the period's opening.
    checks = (select(group, func.count()).select_from(VerivaliCheck)
              .join(VerivaliItem, VerivaliCheck.item_id == VerivaliItem.id).join(rt, rt.c.id == VerivaliItem.area_id)
              .where(VerivaliCheck.at >= begin, VerivaliCheck.at < finish,
                     VerivaliItem.area_id.in_(_within(select(Area.id), Area.id, user, area)))
              .group_by(group))
    for area_id, n in db.session.execute(checks):
        counts.setdefault(area_id, [0] * len(counted)).append(n)
    areas = _areas(user, area, by_level)
    title = "Aktivitas verivali per " + ("RT" if by_level == "rt" else "kelurahan")
    table = Table(f"aktivitas-{by_level}", title, ["Wilayah", *ACTIVITY.values(), "Jumlah"], chart=len(ACTIVITY) + 1,
                  note=f"Periode {period.start:%d-%m-%Y} s.d. {period.end:%d-%m-%Y}; yang paling aktif di atas.")
    rows = []
    for a in areas:
        values = (counts.get(a.id, []) + [0] * len(ACTIVITY))[:len(ACTIVITY)]
        rows.append([a.full_label if by_level == "rt" else a.name, *values, sum(values) - values[2] - values[3]])
    rows.sort(key=lambda r: (-r[-1], r[0]))
    table.rows, table.links = rows, [None] * len(rows)
    return table


def criteria_distribution(user: User, area: Area | None, role: str) -> Table:
    sub = _households(user, area).where(Household.status != "nonaktif").subquery()
    counts = dict(db.session.execute(select(sub.c.criteria_met, func.count()).group_by(sub.c.criteria_met)).all())
    table = Table("kriteria", "Rumah tangga aktif menurut jumlah kriteria terpenuhi",
                  ["Kriteria terpenuhi", "Rumah tangga"], chart=1,
                  note="9 kriteria atau lebih: memenuhi kriteria miskin (14 kriteria BPS).")
    for n in range(15):
        table.rows.append([f"{n} dari 14", counts.get(n, 0)])
        table.links.append(_list(role, status="aktif", kriteria=n, wilayah=area.id if area else None))
    return table


def desil_distribution(user: User, area: Area | None, role: str, run: RankingRun | None) -> Table:
    table = Table("desil", "Rumah tangga menurut desil indikatif lokal", ["Desil indikatif", "Rumah tangga"],
                  chart=1, note="Indikatif lokal, bukan desil resmi DTSEN. "
                  + (f"Dihitung {run.computed_at.astimezone(clock.WITA):%d-%m-%Y %H.%M} WITA." if run else
                     "Peringkat belum pernah dihitung."))
    counts = {}
    if run:
        sub = _households(user, area).with_only_columns(Household.id).subquery()
        counts = dict(db.session.execute(
            select(HouseholdRank.desil, func.count()).where(HouseholdRank.run_id == run.id,
                                                            HouseholdRank.household_id.in_(select(sub.c.id)))
            .group_by(HouseholdRank.desil)).all())
    for d in range(1, 11):
        table.rows.append([f"Desil {d}", counts.get(d, 0)])
        table.links.append(_list(role, desil=d, wilayah=area.id if area else None))
    return table


def nonaktif_reasons(user: User, area: Area | None, role: str) -> Table:
    sub = _households(user, area).where(Household.status == "nonaktif").subquery()
    counts = dict(db.session.execute(select(sub.c.nonaktif_reason, func.count())
                                     .group_by(sub.c.nonaktif_reason)).all())
    table = Table("nonaktif", "Rumah tangga nonaktif menurut alasan", ["Alasan", "Rumah tangga"], chart=1,
                  note="Rumah tangga nonaktif tetap tersimpan beserta alasannya.")
    for reason, label in STATUS_REASONS.items():
        table.rows.append([label, counts.get(reason, 0)])
        table.links.append(_list(role, status="nonaktif", alasan=reason, wilayah=area.id if area else None))
    return table


def ppks_by_kelurahan(user: User, area: Area | None, role: str) -> Table:
    """Active people per PPKS category (rows) and kelurahan (columns)."""
    kelurahan = _areas(user, area, "kelurahan")
    households = _households(user, area).with_only_columns(Household.id)
    rt = Area.__table__.alias("rt")
    counts = {(c, k): n for c, k, n in db.session.execute(
        select(PersonPpks.category, rt.c.parent_id, func.count(func.distinct(Person.id)))
        .join(Person, PersonPpks.person_id == Person.id).join(Household, Person.household_id == Household.id)
        .join(rt, rt.c.id == Household.area_id)
        .where(Person.active, PersonPpks.active, Household.id.in_(households))
        .group_by(PersonPpks.category, rt.c.parent_id))}
    table = Table("ppks", "Warga PPKS menurut kategori dan kelurahan",
                  ["Kategori", *(k.name for k in kelurahan), "Jumlah"], chart=len(kelurahan) + 1)
    for code, category in categories().items():
        row = [counts.get((code, k.id), 0) for k in kelurahan]
        table.rows.append([category.name, *row, sum(row)])
        table.links.append(_list(role, ppks=code, wilayah=area.id if area else None))
    return table
