"""Areas: the city, its kecamatan and kelurahan (official codes) and the RTs under each kelurahan."""
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.areas import LEVEL_LABELS, Level
from portal.extensions import db


class Area(db.Model):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    rw: Mapped[str | None] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped["Area | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Area"]] = relationship(back_populates="parent", order_by="Area.code")

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[Level(self.level)]

    @property
    def label(self) -> str:
        """'RT 001 / RW 002', 'Kelurahan Api-Api', 'Kota Bontang'."""
        if self.level == Level.RT:
            return f"{self.name} / RW {self.rw}" if self.rw else self.name
        if self.level == Level.KOTA:
            return self.name
        return f"{self.level_label} {self.name}"

    @property
    def full_label(self) -> str:
        """The label with its kelurahan, for RTs: 'RT 001, Kelurahan Api-Api'."""
        if self.level == Level.RT and self.parent:
            return f"{self.label}, {self.parent.label}"
        return self.label

    def __repr__(self) -> str:
        return f"<Area {self.code} {self.name}>"
