"""Verivali periods, one checklist item per household, and the append-only checks made on each item."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.area import Area
from portal.models.household import Household
from portal.models.proposal import Proposal
from portal.models.types import UTCDateTime, utcnow
from portal.models.user import User


class VerivaliPeriod(db.Model):
    __tablename__ = "verivali_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    scope: Mapped[dict] = mapped_column(JSON, default=dict)  # {"programs": [...], "kelurahan_ids": [...]}
    status: Mapped[str] = mapped_column(String(16), default="menyiapkan")  # menyiapkan | buka | ditutup | gagal
    progress: Mapped[int] = mapped_column(default=0)
    item_count: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)  # why preparing failed (e.g. its worker died)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])


class VerivaliItem(db.Model):
    """The latest check is copied onto the item (outcome, checked_at) so progress is one grouped count; the
    version column makes two simultaneous taps on one item record exactly one check."""

    __tablename__ = "verivali_items"
    __table_args__ = (Index("uq_verivali_items_period_household", "period_id", "household_id", unique=True),
                      Index("ix_verivali_items_period_area", "period_id", "area_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("verivali_periods.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))  # the RT at the time the period opened
    outcome: Mapped[str | None] = mapped_column(String(20))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    version: Mapped[int] = mapped_column(default=1)

    period: Mapped[VerivaliPeriod] = relationship()
    household: Mapped[Household] = relationship()
    area: Mapped[Area] = relationship()
    proposal: Mapped[Proposal | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class VerivaliCheck(db.Model):
    __tablename__ = "verivali_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("verivali_items.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    visit_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)  # a kelurahan user recorded it for the RT
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User] = relationship()
