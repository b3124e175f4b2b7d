"""The registry: households, their members and the members' PPKS categories. Nothing here is ever deleted."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.domain.household import search_name
from portal.extensions import db
from portal.models.area import Area
from portal.models.types import UTCDateTime, utcnow


class Household(db.Model):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)  # the RT
    no_kk: Mapped[str] = mapped_column(String(16), index=True)
    address: Mapped[str] = mapped_column(String(200))
    # aktif | nonaktif (with reason; stays in the data, at the bottom of the ranking)
    status: Mapped[str] = mapped_column(String(16), default="aktif", index=True)
    nonaktif_reason: Mapped[str | None] = mapped_column(String(32))
    conditions: Mapped[dict] = mapped_column(JSON, default=dict)  # answers behind the 14 criteria
    criteria_met: Mapped[int] = mapped_column(default=0)           # kept with conditions, for lists
    fakir_miskin: Mapped[bool] = mapped_column(default=False)
    criteria_mask: Mapped[int | None]  # which criteria are met (bit i = criterion i); None until assessed
    # The official desil from the ministry's DTSEN extract (imported), never mixed with the local ranking.
    official_desil: Mapped[int | None]
    official_desil_period: Mapped[str | None] = mapped_column(String(20))
    id_dtks: Mapped[str | None] = mapped_column(String(40), index=True)   # from the official extract
    official_status: Mapped[str | None] = mapped_column(String(20))       # as the extract states it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    area: Mapped[Area] = relationship()
    members: Mapped[list["Person"]] = relationship(back_populates="household", order_by="Person.id")

    @property
    def active_members(self) -> list["Person"]:
        return [m for m in self.members if m.active]

    @property
    def head(self) -> "Person | None":
        return next((m for m in self.active_members if m.relation == "kepala"), None)


class Person(db.Model):
    __tablename__ = "persons"
    __table_args__ = (
        # One NIK in one household at a time: a person who moves leaves the old household (active=False).
        Index("uq_persons_active_nik", "nik", unique=True,
              sqlite_where=text("active"), postgresql_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    nik: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The name folded for search (lower case, no accents, single spaces); see domain.household.search_name.
    name_search: Mapped[str] = mapped_column(String(100), index=True, default="")
    birth_place: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    relation: Mapped[str] = mapped_column(String(16))
    marital_status: Mapped[str] = mapped_column(String(16))
    mother_name: Mapped[str] = mapped_column(String(100))
    job: Mapped[str | None] = mapped_column(String(32))
    # Lower-cased name|birth date|mother's name: finds the same person under another NIK.
    person_key: Mapped[str] = mapped_column(String(260), index=True)
    id_art: Mapped[str | None] = mapped_column(String(40))  # the ministry's member id, from the official extract
    active: Mapped[bool] = mapped_column(default=True)

    household: Mapped[Household] = relationship(back_populates="members")
    ppks: Mapped[list["PersonPpks"]] = relationship(back_populates="person", order_by="PersonPpks.id")

    @validates("name")
    def _fold_name(self, _key: str, name: str) -> str:
        self.name_search = search_name(name)
        return name

    @property
    def active_ppks(self) -> list["PersonPpks"]:
        return [p for p in self.ppks if p.active]


class PersonPpks(db.Model):
    __tablename__ = "person_ppks"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    category: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="ppks")
