"""Verivali periods: opening (one item per household, in the background), checks, progress, closing.

Rules are in domain.verivali; scoping goes through access.in_area like every other query.
"""
import logging
from collections import defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.orm.exc import StaleDataError

from portal import access, clock
from portal.domain import verivali
from portal.domain.areas import Level
from portal.domain.errors import DomainError, StaleError
from portal.domain.roles import Role
from portal.domain.verivali import Outcome, PeriodRequest
from portal.extensions import db
from portal.models import (Area, Household, ProgramMembership, User, VerivaliCheck, VerivaliItem,
                           VerivaliPeriod)
from portal.models.types import utcnow
from portal.services import audit, background, letters, proposals

log = logging.getLogger(__name__)
QUEUE = "verivali"
STOPPED = "Proses terhenti sebelum selesai (server dimulai ulang). Silakan buka periode baru dengan isian yang sama."


# --- opening and closing ---------------------------------------------------------------------------------------

def open_period(actor: User, request: PeriodRequest) -> VerivaliPeriod:
    request = verivali.check_period(request, clock.today())
    kelurahan = db.session.scalars(access.areas_of_level(actor, Level.KELURAHAN)).all()
    unknown = set(request.kelurahan_ids) - {k.id for k in kelurahan}
    if unknown:
        raise DomainError("Pilih kelurahan di wilayah Anda.", field="kelurahan_ids")
    period = VerivaliPeriod(name=request.name, starts_on=request.starts_on, ends_on=request.ends_on,
                            scope={"programs": list(request.programs), "kelurahan_ids": list(request.kelurahan_ids)},
                            created_by_id=actor.id)
    db.session.add(period)
    db.session.flush()
    audit.record(actor, "verivali.buka", period, name=period.name, scope=period.scope)
    return period


def _households_in_scope(period: VerivaliPeriod):
    """(period, household, RT) for every household the period covers: active ones, optionally program recipients
    and optionally only some kelurahan."""
    rt = Area.__table__.alias("rt")
    stmt = (select(literal(period.id), Household.id, Household.area_id)
            .join(rt, rt.c.id == Household.area_id).where(Household.status != "nonaktif"))
    if period.scope.get("kelurahan_ids"):
        stmt = stmt.where(rt.c.parent_id.in_(period.scope["kelurahan_ids"]))
    if period.scope.get("programs"):
        stmt = stmt.where(Household.id.in_(select(ProgramMembership.household_id).where(
            ProgramMembership.active, ProgramMembership.program.in_(period.scope["programs"]))))
    return stmt


def start_building(period: VerivaliPeriod) -> None:
    """A small city is done in the request; a large one in the background with a progress bar."""
    expected = db.session.scalar(select(func.count()).select_from(_households_in_scope(period).subquery()))
    if expected <= current_app.config["VERIVALI_INLINE_ITEMS"]:
        build_items(period.id)
    else:
        background.submit(build_items, period.id, QUEUE)


def build_items(period_id: int) -> None:
    """One item per household in one INSERT ... SELECT (50,000 households in a few seconds).

    The items and the "buka" status commit together: a worker that dies in between leaves a period "menyiapkan"
    without items, which `settle_abandoned` fails after background.JOB_TIMEOUT."""
    if background.with_app(build_items, period_id):
        return
    period = db.session.get(VerivaliPeriod, period_id)
    if period is None or period.status != verivali.PREPARING:
        return
    try:
        period.progress = 20
        db.session.commit()
        db.session.execute(insert(VerivaliItem).from_select(
            ["period_id", "household_id", "area_id"], _households_in_scope(period)))
        count = db.session.scalar(select(func.count()).select_from(VerivaliItem)
                                  .where(VerivaliItem.period_id == period_id))
        opened = db.session.execute(  # a period already settled as failed keeps no items
            update(VerivaliPeriod).where(VerivaliPeriod.id == period_id, VerivaliPeriod.status == verivali.PREPARING)
            .values(status=verivali.OPEN, progress=100, item_count=count)
            .execution_options(synchronize_session=False)).rowcount
        if opened != 1:
            db.session.rollback()
            log.warning("verivali period %s was settled as failed while it was prepared; no items kept", period_id)
            return
        db.session.commit()
    except Exception:  # noqa: BLE001 — a failed opening leaves no items and says so
        db.session.rollback()
        log.exception("verivali period %s could not be opened", period_id)
        db.session.execute(update(VerivaliPeriod).where(VerivaliPeriod.id == period_id,
                                                        VerivaliPeriod.status == verivali.PREPARING)
                           .values(status="gagal", progress=100))
        db.session.commit()


def settle_abandoned(periods_seen) -> None:
    """Fail the periods among `periods_seen` still being prepared past background.JOB_TIMEOUT: the worker that
    built their items died (the build started when the period was created, in the same request)."""
    background.fail_abandoned(VerivaliPeriod, periods_seen, {verivali.PREPARING: STOPPED}, lambda p: p.created_at)


def close_period(actor: User, period: VerivaliPeriod) -> None:
    if period.status != verivali.OPEN:
        raise DomainError("Hanya periode yang sedang berjalan yang dapat ditutup.")
    period.status, period.closed_at, period.closed_by_id = verivali.CLOSED, utcnow(), actor.id
    audit.record(actor, "verivali.tutup", period, items=period.item_count)


def periods(status: str | None = None) -> list[VerivaliPeriod]:
    stmt = select(VerivaliPeriod).order_by(VerivaliPeriod.id.desc())
    return db.session.scalars(stmt.where(VerivaliPeriod.status == status) if status else stmt).all()


# --- checks ----------------------------------------------------------------------------------------------------

def items_stmt(user: User, period: VerivaliPeriod, area: Area | None = None, only_open: bool = False):
    """The items of a period inside the user's area (and `area`), households in address order."""
    stmt = access.in_area(select(VerivaliItem).where(VerivaliItem.period_id == period.id), VerivaliItem.area_id, user)
    if area is not None:
        stmt = stmt.where(VerivaliItem.area_id.in_(access.area_ids_within(area)))
    if only_open:
        stmt = stmt.where(VerivaliItem.outcome.is_(None))
    return stmt.join(Household, VerivaliItem.household_id == Household.id).order_by(
        VerivaliItem.outcome.is_not(None), Household.address, VerivaliItem.id)


def record(actor: User, item: VerivaliItem, version, outcome: str, visit_date: date | None,
           note: str = "") -> VerivaliCheck:
    """Append a check to the item. Only the RT of the household, or its kelurahan on the RT's behalf."""
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise DomainError("Pilih hasil verivali.", field="outcome") from None
    visit_date = visit_date or clock.today()
    verivali.check_can_record(item.period.status, item.period.starts_on, visit_date, clock.today())
    on_behalf = actor.role == Role.KELURAHAN
    if on_behalf and outcome in verivali.PROPOSAL_FOR:
        raise DomainError("Usulan perbaikan atau nonaktif dibuka oleh Ketua RT dari daftar periksanya.")
    if str(version) != str(item.version):
        raise StaleError(stale_message(item))
    proposal_id = None
    if outcome in verivali.PROPOSAL_FOR:
        try:
            proposal_id = proposals.start(actor, verivali.PROPOSAL_FOR[outcome], item.household).id
        except proposals.OpenProposalExists as existing:
            proposal_id = existing.proposal_id  # the running proposal already carries the change
    item.outcome, item.checked_at, item.proposal_id = outcome.value, utcnow(), proposal_id or item.proposal_id
    check = VerivaliCheck(item_id=item.id, outcome=outcome.value, visit_date=visit_date,
                          note=" ".join((note or "").split())[:500], by_id=actor.id, on_behalf=on_behalf,
                          proposal_id=proposal_id)
    db.session.add(check)
    try:
        db.session.flush()  # the version check: of two taps at once, the second stops here
    except StaleDataError:
        db.session.rollback()  # the failed flush leaves the session unusable; the message needs a fresh read
        raise StaleError(stale_message(item)) from None
    audit.record(actor, "verivali.cek", item, outcome=outcome.value, on_behalf=on_behalf,
                 household_id=item.household_id)
    return check


def stale_message(item: VerivaliItem) -> str:
    latest = db.session.scalar(select(VerivaliCheck).where(VerivaliCheck.item_id == item.id)
                               .order_by(VerivaliCheck.id.desc()).limit(1))
    if latest is None:
        return "Data ini baru saja berubah. Muat ulang daftar lalu coba lagi."
    return (f"Sudah dicatat {verivali.OUTCOME_LABELS[Outcome(latest.outcome)].lower()} oleh "
            f"{latest.by.full_name}. Muat ulang daftar untuk melihatnya.")


def history(item: VerivaliItem) -> list[VerivaliCheck]:
    return db.session.scalars(select(VerivaliCheck).where(VerivaliCheck.item_id == item.id)
                              .order_by(VerivaliCheck.id)).all()


# --- progress --------------------------------------------------------------------------------------------------

def progress_by_area(user: User, period: VerivaliPeriod, level: str, within: Area | None = None
                     ) -> list[tuple[Area, verivali.Progress]]:
    """Progress per area of `level` (rt, kelurahan, kecamatan) inside the user's area, most done first."""
    stmt = access.in_area(select(VerivaliItem.area_id, VerivaliItem.outcome, func.count())
                          .where(VerivaliItem.period_id == period.id), VerivaliItem.area_id, user)
    if within is not None:
        stmt = stmt.where(VerivaliItem.area_id.in_(access.area_ids_within(within)))
    counts = db.session.execute(stmt.group_by(VerivaliItem.area_id, VerivaliItem.outcome)).all()
    areas = {a.id: a for a in db.session.scalars(access.in_area(select(Area), Area.id, user))}
    totals: dict[int, int] = defaultdict(int)
    outcomes: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for rt_id, outcome, n in counts:
        target = _ancestor_at(areas, rt_id, level)
        if target is None:
            continue
        totals[target] += n
        if outcome:
            outcomes[target][outcome] += n
    rows = [(areas[a], verivali.Progress(totals[a], dict(outcomes[a]))) for a in totals]
    return sorted(rows, key=lambda r: (-r[1].percent, -r[1].done, r[0].code))


def _ancestor_at(areas: dict[int, Area], area_id: int, level: str) -> int | None:
    area = areas.get(area_id)
    while area is not None and area.level != level:
        area = areas.get(area.parent_id)
    return area.id if area is not None else None


def recap_letter(actor: User, period: VerivaliPeriod):
    """Issue the recap of the period for the actor's area as a numbered letter (per kelurahan)."""
    def row(name: str, p: verivali.Progress) -> dict:
        return {"name": name, "total": p.total, "done": p.done, "percent": p.percent,
                **{o.value: p.counts.get(o.value, 0) for o in Outcome}}

    if period.status not in (verivali.OPEN, verivali.CLOSED):
        raise DomainError("Periode ini belum siap direkap.")
    level = Level.RT if actor.area.level == Level.KELURAHAN else Level.KELURAHAN
    areas = [row(a.full_label, p) for a, p in sorted(progress_by_area(actor, period, level), key=lambda r: r[0].code)]
    dates = f"{period.starts_on:%d-%m-%Y} s.d. {period.ends_on:%d-%m-%Y}"
    return letters.issue_verivali_recap(actor, period.name, dates, period.status == verivali.CLOSED, areas,
                                        row("Jumlah", total_progress(actor, period)))


def total_progress(user: User, period: VerivaliPeriod) -> verivali.Progress:
    stmt = access.in_area(select(VerivaliItem.outcome, func.count()).where(VerivaliItem.period_id == period.id),
                          VerivaliItem.area_id, user).group_by(VerivaliItem.outcome)
    rows = db.session.execute(stmt).all()
    return verivali.Progress(sum(n for _, n in rows), {o: n for o, n in rows if o})
