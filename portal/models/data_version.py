"""One counter that moves whenever registry or proposal data changes (see portal/data_version.py)."""
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1: one row
    value: Mapped[int] = mapped_column(default=0)
