"""Musyawarah Kelurahan (or an SPTJM): how a kelurahan decides its waiting proposals together."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.muskel import KINDS
from portal.extensions import db
from portal.models.area import Area
from portal.models.types import UTCDateTime, utcnow
from portal.models.user import User


class Muskel(db.Model):
    __tablename__ = "muskels"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "muskel" (a meeting with participants) or "sptjm" (the Lurah's statement of full responsibility)
    kind: Mapped[str] = mapped_column(String(8), default="muskel", server_default="muskel")
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)  # the kelurahan
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # frozen from then on
    finalized_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)  # bumped by every change, checked when finalising

    area: Mapped[Area] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    participants: Mapped[list["MuskelParticipant"]] = relationship(order_by="MuskelParticipant.id")
    items: Mapped[list["MuskelItem"]] = relationship(order_by="MuskelItem.id")

    @property
    def final(self) -> bool:
        return self.finalized_at is not None

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


class MuskelParticipant(db.Model):
    __tablename__ = "muskel_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    muskel_id: Mapped[int] = mapped_column(ForeignKey("muskels.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    unsur: Mapped[str] = mapped_column(String(32))


class MuskelItem(db.Model):
    """The muskel's verdict on one proposal: layak (approve), tidak_layak (reject) or ditunda (stays waiting)."""

    __tablename__ = "muskel_items"
    __table_args__ = (UniqueConstraint("muskel_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    muskel_id: Mapped[int] = mapped_column(ForeignKey("muskels.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
