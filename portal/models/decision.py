"""The append-only decision ledger of proposals, and the field history of registry changes.

Rows here are only ever inserted: a decision is never edited or removed.
"""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.workflow import ACTION_LABELS, Action
from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow
from portal.models.user import User


class Decision(db.Model):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    round: Mapped[int]
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))  # what was decided on
    muskel_id: Mapped[int | None] = mapped_column(ForeignKey("muskels.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User] = relationship()

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[Action(self.action)]


class VerificationNote(db.Model):
    """Dinas Sosial's field verification before it approves: visit date, officer, findings."""

    __tablename__ = "verification_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    visit_date: Mapped[date] = mapped_column(Date)
    officer: Mapped[str] = mapped_column(String(100))
    findings: Mapped[str] = mapped_column(Text)
    round: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class RegistryChange(db.Model):
    """Field history: every value an approved proposal changed in the registry, old and new."""

    __tablename__ = "registry_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
