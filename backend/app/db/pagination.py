"""Pagination for list endpoints: offset pages, and keyset pages that stay fast deep down.

A keyset cursor is opaque to clients: URL-safe base64 of the sort key's name, the last row's
sort value and id. The next page is the rows strictly after that (value, id) pair in the list's
order, so it costs the same at any depth and does not skip or repeat rows when new ones arrive.
"""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from app.core.errors import UnprocessableInput
from app.db.types import UTCDateTime


def paginate(
    session: Session, query: Select[Any], *, order_by: Any, limit: int, offset: int
) -> tuple[list[Any], int]:
    """One page of `query` in the given order, and the total count of matching rows."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.order_by(*order_by).limit(limit).offset(offset))
    return list(rows), total


class BadCursor(UnprocessableInput):
    """The cursor was not made by this list (or by this sort order)."""

    code = "bad_cursor"


@dataclass(frozen=True)
class SortOrder:
    """A list's order: one column then the id, both in the same direction."""

    name: str
    column: Any
    id_column: Any
    descending: bool = True

    def clauses(self) -> tuple[Any, Any]:
        """ORDER BY clauses."""
        if self.descending:
            return self.column.desc(), self.id_column.desc()
        return self.column.asc(), self.id_column.asc()

    def after(self, value: Any, last_id: uuid.UUID) -> Any:
        """WHERE clause: rows strictly after (value, id) in this order."""
        if self.descending:
            return or_(self.column < value, and_(self.column == value, self.id_column < last_id))
        return or_(self.column > value, and_(self.column == value, self.id_column > last_id))


@dataclass(frozen=True)
class Window:
    """One page of rows, the total count, and the cursor of the next page (None at the end)."""

    rows: list[Any]
    total: int
    next_cursor: str | None


def encode_cursor(order: SortOrder, value: Any, last_id: uuid.UUID) -> str:
    """The opaque cursor of the page after the row with this sort value and id."""
    plain = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([order.name, plain, last_id.hex], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(order: SortOrder, cursor: str) -> tuple[Any, uuid.UUID]:
    """The (sort value, id) a cursor points after; 422 `bad_cursor` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, value, last_id = json.loads(raw)
        if name != order.name:
            raise ValueError(name)
        if isinstance(order.column.type, UTCDateTime):
            value = datetime.fromisoformat(value)
        return value, uuid.UUID(hex=last_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise BadCursor(
            "The cursor is not valid for this list and sort order; "
            "start again without `cursor` and pass the `next_cursor` it returns.",
            details={"field": "cursor"},
        ) from exc


def keyset_paginate(
    session: Session,
    query: Select[Any],
    *,
    order: SortOrder,
    limit: int,
    offset: int = 0,
    cursor: str | None = None,
) -> Window:
    """A page after `cursor` (or at `offset` when no cursor is given), in one SELECT + a count.

    Rows are what `session.execute` returns for `query`; the first entity of each row is the
    object whose sort value and id make the next cursor.
    """
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = query.order_by(*order.clauses()).limit(limit + 1)
    if cursor is not None:
        page = page.where(order.after(*decode_cursor(order, cursor)))
    elif offset:
        page = page.offset(offset)
    rows = list(session.execute(page).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1][0]
        next_cursor = encode_cursor(
            order, getattr(last, order.column.key), getattr(last, order.id_column.key)
        )
    return Window(rows=rows, total=total, next_cursor=next_cursor)
