"""A tenant's rows of one view, newest first, a page at a time. Reads run in the tenant's scope
(see projections.queries).

A page is cut by keyset, not by offset: the cursor names the last row seen (its time and id),
so a row arriving between two pages shifts nothing and no row is read twice. Rows the API has
just accepted and the views do not hold yet are put in their places (read-your-writes)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from projections.queries import Views

Row = dict[str, Any]


class BadCursor(ValueError):
    """The cursor was not one this API gave out."""


@dataclass(frozen=True)
class Keyset:
    """Pages of ``table`` ordered by ``moment`` then ``key``, both descending; ``listed``: the
    columns a row carries, which ``query`` selects (its parameters: tenant, status, the
    cursor's moment and key, and how many rows)."""

    noun: str
    prefix: str
    table: str
    moment: str
    key: str
    listed: tuple[str, ...]
    query: str

    def encode(self, row: Row) -> str:
        raw = f"{row[self.moment]}|{row[self.key]}".encode()
        return self.prefix + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str) -> tuple[datetime, str]:
        """(time, id) of the last row of the previous page."""
        if not cursor.startswith(self.prefix):
            raise BadCursor(f"not a {self.noun} cursor: expected one starting {self.prefix!r},"
                            " as next_cursor gives")
        body = cursor[len(self.prefix):]
        try:
            text = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
            moment, key = text.split("|", 1)
            after = datetime.fromisoformat(moment)
            if after.tzinfo is None or not key.isprintable() or len(key) > 200:
                raise ValueError(f"it names no {self.noun}")
            return after.astimezone(UTC), key  # OverflowError past year 1 or 9999 in UTC
        except (ValueError, OverflowError) as exc:
            raise BadCursor(f"the cursor is damaged ({exc}); start again without one"
                            ) from None

    def place(self, row: Row) -> tuple[datetime, str]:
        """A row's place in the keyset order."""
        return datetime.fromisoformat(row[self.moment]).astimezone(UTC), row[self.key]

    def _cursor_after(self, row: Row) -> str | None:
        # a row without its time (a view that saw a later event of it first) ends the pages
        return self.encode(row) if row.get(self.moment) else None

    async def page(self, views: Views, tenant_id: str, status: str | None,
                   after: tuple[datetime, str] | None, limit: int) -> tuple[list[Row], str | None]:
        """Up to ``limit`` rows after ``after``, and the cursor of the next page (None when
        this page is the last)."""
        moment, last = after or (None, None)
        rows = await views.all(tenant_id, self.query, tenant_id, status, moment, last, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (self._cursor_after(rows[-1]) if more and rows else None)

    async def known(self, views: Views, tenant_id: str, keys: list[str]) -> set[str]:
        """Which of ``keys`` the views hold, whatever their status."""
        # the table and column are this module's constants, never a request's text
        rows = await views.all(tenant_id, f"SELECT {self.key} FROM {self.table} WHERE"
                               f" tenant_id=$1 AND {self.key} = ANY($2::text[])",
                               tenant_id, keys)
        return {row[self.key] for row in rows}

    def with_pending(self, rows: list[Row], next_cursor: str | None, pending: list[Row],
                     after: tuple[datetime, str] | None, limit: int
                     ) -> tuple[list[Row], str | None]:
        """A page of the views (``rows``, then ``next_cursor``) with the just-accepted rows the
        views do not hold yet (``pending``: documents with ``listed``'s columns or fewer) put
        in their places, so that paging on sees each row once, in order.

        A pending row belongs to this page when it comes after the cursor ``after`` and, if the
        views have more pages, before this page's last row (older ones come with the page that
        reaches them). The page keeps ``limit`` rows; the cursor names its last row whenever any
        row was left for later."""
        boundary = self.place(rows[-1]) if next_cursor is not None and rows else None
        listed = {row[self.key] for row in rows}
        fits = [{column: doc.get(column) for column in self.listed} for doc in pending
                if doc[self.key] not in listed and doc.get(self.moment)
                and (after is None or self.place(doc) < after)
                and (boundary is None or self.place(doc) > boundary)]
        if not fits:
            return rows, next_cursor
        timed = [row for row in rows if row.get(self.moment)]
        merged = sorted(timed + fits, key=self.place, reverse=True)
        merged += [row for row in rows if not row.get(self.moment)]
        page = merged[:limit]
        if len(merged) > limit or next_cursor is not None:
            return page, self._cursor_after(page[-1])
        return page, None
