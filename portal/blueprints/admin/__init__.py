"""Admin: accounts and areas for the whole city. Nothing here hard-deletes anything."""
from flask import Blueprint

from portal.access import require_role
from portal.blueprints import audit_log
from portal.domain.roles import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_role(Role.ADMIN))
audit_log.register(bp)

from portal.blueprints.admin import areas, offices, users  # noqa: E402,F401  (routes register on bp)
