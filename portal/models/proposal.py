"""Proposals (usulan): a draft edited step by step, then a frozen snapshot with its SHA-256."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.workflow import EDITABLE_STATES, FINAL_STATES, KIND_LABELS, NEXT_ACTOR, STATE_LABELS, Kind, State
from portal.extensions import db
from portal.models.area import Area
from portal.models.household import Household
from portal.models.types import UTCDateTime, utcnow
from portal.models.user import User

_FINAL = ", ".join(f"'{s.value}'" for s in sorted(FINAL_STATES))
_OPEN_ONLY = text(f"status NOT IN ({_FINAL})")


class Proposal(db.Model):
    __tablename__ = "proposals"
    __table_args__ = (
        # Only one open proposal per household: the database refuses a second even under a race.
        Index("uq_proposals_open_household", "household_id", unique=True,
              sqlite_where=_OPEN_ONLY, postgresql_where=_OPEN_ONLY),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(32), default=State.DRAF.value, index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)  # the RT
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    draft: Mapped[dict] = mapped_column(JSON, default=dict)
    original: Mapped[dict | None] = mapped_column(JSON)  # the registry content a PERBAIKAN started from
    step: Mapped[str] = mapped_column(String(16), default="")  # the last step saved
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    round: Mapped[int] = mapped_column(default=1)
    # Optimistic lock: every form carries the version it was read at; a stale save is refused.
    version: Mapped[int] = mapped_column(default=1)

    area: Mapped[Area] = relationship()
    household: Mapped[Household | None] = relationship()
    created_by: Mapped[User] = relationship()
    evidence: Mapped[list["Evidence"]] = relationship(back_populates="proposal", order_by="Evidence.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[Kind(self.kind)]

    @property
    def status_label(self) -> str:
        return STATE_LABELS[State(self.status)]

    @property
    def next_actor(self) -> str:
        return NEXT_ACTOR[State(self.status)]

    @property
    def editable(self) -> bool:
        return State(self.status) in EDITABLE_STATES

    @property
    def active_evidence(self) -> list["Evidence"]:
        return [e for e in self.evidence if e.removed_at is None]


class ProposalNik(db.Model):
    """The NIKs a proposal's content carries, kept in step with its draft so duplicates are one query."""

    __tablename__ = "proposal_niks"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    nik: Mapped[str] = mapped_column(String(16), index=True)


class Evidence(db.Model):
    """An uploaded supporting document. Stored outside static under a random name; never served by path."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    original_name: Mapped[str] = mapped_column(String(120))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship(back_populates="evidence")
