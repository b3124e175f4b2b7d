"""SQLAlchemy models, one file per aggregate. Import them all here so Alembic sees every table."""
from portal.models.area import Area
from portal.models.audit import AuditEvent
from portal.models.session import UserSession
from portal.models.user import User

__all__ = ["Area", "AuditEvent", "User", "UserSession"]
