"""Computed rankings: each run keeps its rows and the rule versions it used, so history is never rewritten."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow
from portal.models.user import User


class RankingRun(db.Model):
    __tablename__ = "ranking_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ranking_version: Mapped[str] = mapped_column(String(32))
    criteria_version: Mapped[str] = mapped_column(String(32))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: command line / seed
    households: Mapped[int] = mapped_column(default=0)
    active_households: Mapped[int] = mapped_column(default=0)

    computed_by: Mapped[User | None] = relationship()

    @property
    def rules_version(self) -> str:
        return f"{self.ranking_version} / {self.criteria_version}"


class HouseholdRank(db.Model):
    """One household in one run, with the facts that decided its place (the explanation reads them back)."""

    __tablename__ = "household_ranks"
    __table_args__ = (Index("ix_household_ranks_household_run", "household_id", "run_id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("ranking_runs.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    status: Mapped[str] = mapped_column(String(16))
    criteria_met: Mapped[int]
    criteria_mask: Mapped[int]
    fakir_miskin: Mapped[bool]
    dependants: Mapped[int]
    elderly: Mapped[int]
    disabled: Mapped[int]
    ppks: Mapped[int]
    rank_city: Mapped[int | None]
    rank_kelurahan: Mapped[int | None]
    desil: Mapped[int | None]

    run: Mapped[RankingRun] = relationship()
