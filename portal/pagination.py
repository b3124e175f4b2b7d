"""Pagination of any select, with the numbers a pager needs."""
from collections.abc import Sequence
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


def _within(page: int, total: int, per_page: int) -> int:
    """A page number past either end shows the nearest page."""
    return min(max(page, 1), max(1, -(-total // per_page)))


def paginate_rows(stmt: Select, page: int, per_page: int, scalars: bool = False) -> Page:
    """A page of `stmt`; rows as tuples, or single objects with `scalars=True`."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = _within(page, total, per_page)
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = result.scalars().all() if scalars else result.all()
    return Page(items, page, per_page, total)


def slice_page(items: Sequence, page: int, per_page: int) -> Page:
    """A page of a sequence already in memory."""
    page = _within(page, len(items), per_page)
    return Page(list(items[(page - 1) * per_page:page * per_page]), page, per_page, len(items))
