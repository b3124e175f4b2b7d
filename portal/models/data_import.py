"""Files imported from the ministry: each upload is recorded with its hash, who sent it, what it would change
(the preview) and what it did. The file itself is kept under UPLOAD_DIR/imports for the apply step."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow
from portal.models.user import User


class DataImport(db.Model):
    __tablename__ = "data_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))             # dtks | hasil (domain.import_rows.FORMATS)
    filename: Mapped[str] = mapped_column(String(120))        # as uploaded, cleaned; shown, never used as a path
    stored_name: Mapped[str] = mapped_column(String(64))      # random name of the kept file
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    # antri -> memeriksa -> pratinjau -> menerapkan -> diterapkan; or ditolak (file refused), gagal, dibatalkan
    status: Mapped[str] = mapped_column(String(16), default="antri")
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)         # why the file was refused or the job failed
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # rows, tambah, ubah, tetap, galat
    sample: Mapped[dict] = mapped_column(JSON, default=dict)  # a few rows of each kind, numbers masked
    errors: Mapped[list] = mapped_column(JSON, default=list)  # [row, column, reason] for every rejected row
    # encoding, delimiter, matched columns; for DTKS also warnings [row, column, reason], new_rts, relation_unknown
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the running state (memeriksa or menerapkan) began: past background.JOB_TIMEOUT it died with its worker.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    applied_by: Mapped[User | None] = relationship(foreign_keys=[applied_by_id])
