"""The audit log viewer, for Dinas Sosial and admin: who did what, when, from where; never a NIK in clear.

`register(bp)` adds GET /audit to a role's blueprint (that blueprint's before_request gate decides who
may open it). Filters come from the query string, so every filtered view is a plain link:
pengguna (username, exact or partial), wilayah (area code: the actor's area lies within it),
aksi ("proposal." = every action of that kind; "auth.login" = that action), dari/sampai (WITA dates,
inclusive).
"""
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from portal import access
from portal.clock import WITA
from portal.domain.areas import Level
from portal.domain.audit_labels import action_groups, action_label, detail_pairs, mask_niks
from portal.domain.roles import ROLE_LABELS
from portal.extensions import db
from portal.models import Area, AuditEvent, User
from portal.pagination import paginate_rows
from portal.web import render, wants_fragment

AREA_CODE = re.compile(r"[0-9]{2}(?:\.[0-9]{1,4}){0,4}")
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")
DATE_LABELS = {"dari": "Dari tanggal", "sampai": "Sampai tanggal"}
FILTERS = ("pengguna", "wilayah", "aksi", "dari", "sampai")


def parse_day(text: str) -> date:
    """'2026-11-27', '27-11-2026' or '27/11/2026' -> date; ValueError for anything else."""
    for fmt in DATE_FORMATS:
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if 1900 <= day.year <= 2999:  # keeps the day's bounds inside what datetimes can hold
            return day
    raise ValueError(text)


def wita_midnight(day: date) -> datetime:
    """The UTC instant at which `day` begins in Bontang (WITA)."""
    return datetime.combine(day, time.min, WITA).astimezone(UTC)


@dataclass
class Filters:
    """The filters as typed (shown back in the form), the SQL conditions they make, and messages."""

    pengguna: str = ""
    wilayah: str = ""
    aksi: str = ""
    dari: str = ""
    sampai: str = ""
    conditions: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> "Filters":
        f = cls(**{name: args.get(name, "").strip()[:64] for name in FILTERS})
        f._user()
        f._area()
        f._action()
        f._dates()
        return f

    def _user(self) -> None:
        if not self.pengguna:
            return
        text = self.pengguna.lower()
        # A failed login has no actor (nobody signed in, even when the name exists); the name typed is in its detail.
        typed = and_(AuditEvent.actor_id.is_(None), AuditEvent.action == "auth.login_failed",
                     AuditEvent.detail["username"].as_string().contains(text, autoescape=True))
        self.conditions.append(or_(User.username.contains(text, autoescape=True), typed))

    def _area(self) -> None:
        if not self.wilayah:
            return
        if not AREA_CODE.fullmatch(self.wilayah):
            self.errors.append("Kode wilayah tidak valid (tulis seperti 64.74.01), jadi tidak dipakai.")
            return
        self.conditions.append(or_(Area.code == self.wilayah, Area.code.like(self.wilayah + ".%")))

    def _action(self) -> None:
        if not self.aksi:
            return
        if self.aksi.endswith("."):
            self.conditions.append(or_(AuditEvent.action.startswith(self.aksi, autoescape=True),
                                       AuditEvent.action == self.aksi[:-1]))
        else:
            self.conditions.append(or_(AuditEvent.action == self.aksi,
                                       AuditEvent.action.startswith(self.aksi + ".", autoescape=True)))

    def _day(self, name: str) -> date | None:
        text = getattr(self, name)
        if not text:
            return None
        try:
            day = parse_day(text)
        except ValueError:
            self.errors.append(f"{DATE_LABELS[name]} tidak valid (tulis seperti 27-11-2026), jadi tidak dipakai.")
            return None
        setattr(self, name, day.isoformat())  # what a date input can show back
        return day

    def _dates(self) -> None:
        start, end = self._day("dari"), self._day("sampai")
        if start and end and end < start:
            self.errors.append("Sampai tanggal tidak boleh sebelum dari tanggal.")
        if start:
            self.conditions.append(AuditEvent.at >= wita_midnight(start))
        if end:  # inclusive: everything before the next day begins in WITA
            self.conditions.append(AuditEvent.at < wita_midnight(end + timedelta(days=1)))

    @property
    def args(self) -> dict:
        """The filters in use, for the pager's links."""
        return {name: getattr(self, name) for name in FILTERS if getattr(self, name)}


def visible_to(viewer: User):
    """Events of actors inside the viewer's area, and events without an actor (failed logins, the system)."""
    actor = aliased(User)
    return or_(AuditEvent.actor_id.is_(None),
               AuditEvent.actor_id.in_(access.in_area(select(actor.id), actor.area_id, viewer)))


def events_stmt(viewer: User, filters: Filters):
    """Every visible event with its actor's name, role and area, in one query, newest first."""
    return (select(AuditEvent, User.username, User.full_name, User.role, Area)
            .outerjoin(User, AuditEvent.actor_id == User.id)
            .outerjoin(Area, User.area_id == Area.id)
            .where(visible_to(viewer), *filters.conditions)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))


@dataclass
class Row:
    """One event as shown: plain text only, every NIK already masked."""

    at: datetime
    username: str
    full_name: str
    role: str
    area: str
    area_code: str
    action: str
    action_label: str
    target: str
    ip: str
    details: list[tuple[str, str]]


def present(row) -> Row:
    event = row.AuditEvent
    target = f"{event.target_type} #{event.target_id}" if event.target_id is not None else event.target_type
    area = row.Area
    # No actor: the system (seed, command line), or someone not signed in (a failed login of an unknown name).
    nobody = "tamu (tanpa akun)" if event.action.startswith("auth.") else "sistem"
    return Row(at=event.at, username=row.username or "", full_name=mask_niks(row.full_name or nobody),
               role=ROLE_LABELS.get(row.role, row.role or ""), area=area.label if area else "",
               area_code=area.code if area else "", action=event.action, action_label=action_label(event.action),
               target=target, ip=event.ip, details=detail_pairs(event.detail))


def filter_choices(viewer: User) -> dict:
    """The form's options: the actions recorded so far, and the kota/kecamatan/kelurahan codes."""
    actions = db.session.scalars(select(AuditEvent.action).distinct()).all()
    areas = db.session.scalars(access.in_area(select(Area).where(Area.level != Level.RT), Area.id, viewer)
                               .order_by(Area.code)).all()
    groups = action_groups(actions)
    known = {value for value, _, _ in groups} | set(actions)
    return {"action_groups": groups, "known_actions": known, "areas": areas}


def register(bp) -> None:
    @bp.get("/audit")
    def audit():
        filters = Filters.from_args(request.args)
        page = paginate_rows(events_stmt(current_user, filters), request.args.get("page", 1, int),
                             current_app.config["PAGE_SIZE"])
        page = replace(page, items=[present(row) for row in page.items])
        choices = {} if wants_fragment() else filter_choices(current_user)
        return render("audit/log.html", block="results", status=422 if filters.errors else 200, page=page,
                      filters=filters, **choices)
