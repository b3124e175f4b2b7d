"""Program memberships (KKS, BPNT, PKH per household; PBI-JK per person). Never deleted: a stop sets `until`."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.household import Household, Person
from portal.models.types import UTCDateTime, utcnow


class ProgramMembership(db.Model):
    __tablename__ = "program_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)  # PBI-JK only
    program: Mapped[str] = mapped_column(String(16), index=True)  # domain.programs.PROGRAMS
    identifier: Mapped[str] = mapped_column(String(30), default="")
    period: Mapped[str] = mapped_column(String(20), default="")
    source: Mapped[str] = mapped_column(String(16))  # impor | dinsos | usulan | demo
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))  # the approved change, if any
    active: Mapped[bool] = mapped_column(default=True, index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    household: Mapped[Household] = relationship()
    person: Mapped[Person | None] = relationship()
