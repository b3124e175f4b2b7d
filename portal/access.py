"""The one place that decides what a user may see and reach.

Every query of area-bound data goes through `in_area`; every object from a URL through a loader
here. Outside the user's area is 404 (we never reveal that it exists); inside but not allowed is 403.
"""
from collections.abc import Callable

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import selectinload

from portal.domain.roles import Role
from portal.domain.workflow import may_read
from portal.extensions import db, login_manager
from portal.models import Area, Evidence, Household, Letter, Muskel, Office, Proposal, User, VerivaliItem
from portal.web import MAX_ID


def area_ids_within(area: Area) -> Select:
    """Subquery of the ids of `area` and every area below it (codes are hierarchical)."""
    return select(Area.id).where(or_(Area.code == area.code, Area.code.like(area.code + ".%")))


def in_area(stmt: Select, area_id_column, user: User) -> Select:
    """Restrict `stmt` to rows whose `area_id_column` lies inside the user's area."""
    return stmt.where(area_id_column.in_(area_ids_within(user.area)))


def proposals_in_area(user: User) -> Select:
    """Proposals inside the user's area, for lists: each row's RT and kelurahan come with the page."""
    return in_area(select(Proposal), Proposal.area_id, user).options(
        selectinload(Proposal.area).selectinload(Area.parent))


def areas_of_level(user: User, level: str) -> Select:
    """The areas of one level that the user may see, ordered by code."""
    return in_area(select(Area).where(Area.level == level), Area.id, user).order_by(Area.code)


def get_area_or_404(user: User, area_id: int, level: str | None = None) -> Area:
    stmt = in_area(select(Area).where(Area.id == area_id), Area.id, user)
    if level:
        stmt = stmt.where(Area.level == level)
    return db.session.scalar(stmt) or abort(404)


def area_named_by(user: User, raw: str, levels: tuple[str, ...] = ()) -> Area | None:
    """The area a query-string filter (?wilayah=) names, None when empty; 404 for anything else."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and int(raw) <= MAX_ID):
        abort(404)
    area = get_area_or_404(user, int(raw))
    if levels and area.level not in levels:
        abort(404)
    return area


def _one_in_area(user: User, model, object_id: int):
    """The object with this id if its area lies inside the user's area, else 404."""
    stmt = in_area(select(model).where(model.id == object_id), model.area_id, user)
    return db.session.scalar(stmt) or abort(404)


def get_household_or_404(user: User, household_id: int) -> Household:
    return _one_in_area(user, Household, household_id)


def get_proposal_or_404(user: User, proposal_id: int) -> Proposal:
    return _one_in_area(user, Proposal, proposal_id)


def readable(stmt: Select, user: User) -> Select:
    """Restrict a query over proposals (or rows joined to them) to those domain.workflow.may_read lets the
    user read at their stage; the area is restricted separately (in_area)."""
    if may_read(user.role, submitted=False):
        return stmt
    if may_read(user.role, submitted=True):
        return stmt.where(Proposal.submitted_at.is_not(None))
    return stmt.where(false())


def readable_proposals(user: User) -> Select:
    """Proposals the user may read: inside their area and at a stage their role reads."""
    return readable(proposals_in_area(user), user)


def get_readable_proposal_or_404(user: User, proposal_id: int) -> Proposal:
    """A proposal's page: 404 outside the user's area and for a stage the role does not read (an RT's draft)."""
    return db.session.scalar(readable_proposals(user).where(Proposal.id == proposal_id)) or abort(404)


def get_evidence_or_404(user: User, evidence_id: int) -> Evidence:
    """An evidence file is readable exactly when its proposal is (get_readable_proposal_or_404)."""
    stmt = (select(Evidence).join(Evidence.proposal)
            .where(Evidence.id == evidence_id, Evidence.removed_at.is_(None)))
    return db.session.scalar(readable(in_area(stmt, Proposal.area_id, user), user)) or abort(404)


def get_muskel_or_404(user: User, muskel_id: int) -> Muskel:
    return _one_in_area(user, Muskel, muskel_id)


def get_user_or_404(viewer: User, user_id: int) -> User:
    return _one_in_area(viewer, User, user_id)


def get_verivali_item_or_404(user: User, item_id: int) -> VerivaliItem:
    return _one_in_area(user, VerivaliItem, item_id)


def require_role(*roles: Role) -> Callable[[], None]:
    """A blueprint before_request gate: sign in first, then the role must match (403 otherwise)."""
    allowed = {r.value for r in roles}

    def gate() -> None:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in allowed:
            abort(403)
        return None

    return gate


def ancestor_ids(area: Area) -> list[int]:
    ids, current = [], area.parent
    while current is not None:
        ids.append(current.id)
        current = current.parent
    return ids


def letters_in_view(user: User) -> Select:
    """Letters of the user's office and the offices below it; plus the Berita Acara of the kelurahan above
    an RT (a musyawarah is held in public, with the RTs present). Never another area's letters."""
    own = Office.area_id.in_(area_ids_within(user.area))
    public_minutes = and_(Letter.kind == "berita_acara", Office.area_id.in_(ancestor_ids(user.area)))
    return select(Letter).join(Office, Letter.office_id == Office.id).where(or_(own, public_minutes))


def child_areas(user: User, parent: Area) -> Select:
    """The areas directly below `parent` that the user may see, ordered by code."""
    return in_area(select(Area).where(Area.parent_id == parent.id), Area.id, user).order_by(Area.code)
