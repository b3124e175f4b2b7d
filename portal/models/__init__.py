"""SQLAlchemy models, one file per aggregate. Import them all here so Alembic sees every table."""
from portal.models.area import Area
from portal.models.audit import AuditEvent
from portal.models.household import Household, Person, PersonPpks
from portal.models.proposal import Evidence, Proposal, ProposalNik
from portal.models.session import UserSession
from portal.models.user import User

__all__ = ["Area", "AuditEvent", "Evidence", "Household", "Person", "PersonPpks", "Proposal", "ProposalNik",
           "User", "UserSession"]
