"""Writing audit events."""
from portal.extensions import db
from portal.models import AuditEvent, User


def record(actor: User | None, action: str, target=None, ip: str = "", **detail) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=getattr(target, "id", None),
        ip=ip,
        detail=detail,
    )
    db.session.add(event)
    return event
