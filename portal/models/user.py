"""Portal accounts. Each user has one role and is bound to one area."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.roles import ROLE_LABELS, Role
from portal.extensions import db
from portal.models.area import Area
from portal.models.types import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Two-factor login (portal/services/two_factor.py): the secret is set when enrolment starts and
    # counts only once totp_enabled_at is set; totp_last_step refuses a code already used (replay).
    # The secret is stored sealed ("v1:" + AES-GCM, portal/services/secret_box.py), never in plain text.
    totp_secret: Mapped[str | None] = mapped_column(String(128))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column()

    area: Mapped[Area] = relationship(lazy="joined", innerjoin=True)

    # Set for the request by the session loader: Flask-Login keeps this token, not the user id,
    # in the cookie, so ending a server-side session ends the login everywhere it was copied.
    session_token = None

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
