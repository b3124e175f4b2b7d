"""Official letters: office settings, gapless numbering and the immutable issued letters."""
from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.area import Area
from portal.models.types import UTCDateTime, utcnow
from portal.models.user import User

letter_proposals = Table(
    "letter_proposals", db.metadata,
    Column("letter_id", ForeignKey("letters.id"), primary_key=True),
    Column("proposal_id", ForeignKey("proposals.id"), primary_key=True),
)


class Office(db.Model):
    """The letterhead, signer and numbering settings of one issuing office (Dinas Sosial, a kecamatan, a
    kelurahan), editable by admin; see portal.domain.letters.OfficeSettings for the fields."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), unique=True)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    area: Mapped[Area] = relationship()


class LetterSequence(db.Model):
    """The last number issued per office per year; incremented in the issuing transaction, so gapless."""

    __tablename__ = "letter_sequences"
    __table_args__ = (UniqueConstraint("office_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    year: Mapped[int]
    last: Mapped[int] = mapped_column(default=0)


class Letter(db.Model):
    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("office_id", "year", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict] = mapped_column(JSON)            # everything the PDF was rendered from
    # The exact bytes; re-downloads return these. Deferred: lists of letters never load the PDFs.
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    verify_token: Mapped[str] = mapped_column(String(32), unique=True)
    entries: Mapped[int] = mapped_column(default=0)      # rows in the attachment (BNBA)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    muskel_id: Mapped[int | None] = mapped_column(ForeignKey("muskels.id"))
    # The head of the audit chain when the letter was issued (printed on it, shown on /v/<token>): an anchor
    # outside the audit table that `flask audit-verify` checks. No foreign key: it records what was there.
    audit_head_id: Mapped[int | None]
    audit_head_hash: Mapped[str | None] = mapped_column(String(64))

    office: Mapped[Office] = relationship()
    issued_by: Mapped[User] = relationship()
    replaced_by: Mapped["Letter | None"] = relationship(remote_side=[id])
    proposals = relationship("Proposal", secondary=letter_proposals, order_by="Proposal.id")

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


class LetterJob(db.Model):
    """A large letter being made in the background: the page shows its progress until the letter exists."""

    __tablename__ = "letter_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict] = mapped_column(JSON)              # what to issue (proposal ids, sifat)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="antri")  # antri | berjalan | selesai | gagal
    progress: Mapped[int] = mapped_column(default=0)       # percent
    error: Mapped[str | None] = mapped_column(Text)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User] = relationship()
    letter: Mapped[Letter | None] = relationship()
