"""Pagination of any select, with the numbers a pager needs."""
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from portal.extensions import db


@dataclass
class Page:
    """One page of rows of any select (Flask-SQLAlchemy's paginate returns only the first column)."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def paginate_rows(stmt: Select, page: int, per_page: int, scalars: bool = False) -> Page:
    """A page of `stmt`; rows as tuples, or single objects with `scalars=True`."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = min(max(page, 1), max(1, -(-total // per_page)))
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = result.scalars().all() if scalars else result.all()
    return Page(items, page, per_page, total)
