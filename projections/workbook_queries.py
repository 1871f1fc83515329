"""The tenant's workbooks, newest first, a page at a time. Reads run in the tenant's scope (see
projections.queries).

A page is cut by keyset, not by offset: the cursor names the last workbook seen (its upload time
and id), so an upload arriving between two pages shifts nothing and no row is read twice."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from projections.queries import Views

CURSOR_PREFIX = "w1."
_PAGE = """
SELECT workbook_id, filename, sha256, size_bytes, status, reason, uploaded_at, parsed_at,
       jsonb_array_length(summary->'sheets') AS sheet_count,
       (summary->>'formula_count')::bigint AS formula_count
FROM workbooks
WHERE tenant_id=$1 AND ($2::text IS NULL OR status=$2)
  AND ($3::timestamptz IS NULL OR (uploaded_at, workbook_id) < ($3, $4))
ORDER BY uploaded_at DESC, workbook_id DESC
LIMIT $5
"""


class BadWorkbookCursor(ValueError):
    """The cursor was not one this API gave out."""


def encode_cursor(uploaded_at: str, workbook_id: str) -> str:
    raw = f"{uploaded_at}|{workbook_id}".encode()
    return CURSOR_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """(upload time, workbook id) of the last workbook of the previous page."""
    if not cursor.startswith(CURSOR_PREFIX):
        raise BadWorkbookCursor(f"not a workbook cursor: expected one starting {CURSOR_PREFIX!r},"
                                " as next_cursor gives")
    body = cursor[len(CURSOR_PREFIX):]
    try:
        text = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        moment, workbook_id = text.split("|", 1)
        after = datetime.fromisoformat(moment)
        if after.tzinfo is None or not workbook_id.isprintable() or len(workbook_id) > 200:
            raise ValueError("it names no workbook")
        return after.astimezone(UTC), workbook_id  # OverflowError past year 1 or 9999 in UTC
    except (ValueError, OverflowError) as exc:
        raise BadWorkbookCursor(f"the cursor is damaged ({exc}); start again without one"
                                ) from None


LISTED = ("workbook_id", "filename", "sha256", "size_bytes", "status", "reason", "uploaded_at",
          "parsed_at", "sheet_count", "formula_count")


def _place(row: dict[str, Any]) -> tuple[datetime, str]:
    """A workbook's place in the keyset order (newest upload first, then id descending)."""
    return datetime.fromisoformat(row["uploaded_at"]).astimezone(UTC), row["workbook_id"]


def with_pending(rows: list[dict[str, Any]], next_cursor: str | None,
                 pending: list[dict[str, Any]], after: tuple[datetime, str] | None,
                 limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the views (``rows``, then ``next_cursor``) with the just-accepted workbooks the
    views do not hold yet (``pending``: documents with ``LISTED``'s columns or fewer) put in
    their places, so that paging on sees each workbook once, in order.

    A pending workbook belongs to this page when it comes after the cursor ``after`` and, if
    the views have more pages, before this page's last row (older ones come with the page that
    reaches them). The page keeps ``limit`` rows; the cursor names its last row whenever any
    row was left for later."""
    boundary = _place(rows[-1]) if next_cursor is not None and rows else None
    listed = {row["workbook_id"] for row in rows}
    fits = [{column: doc.get(column) for column in LISTED} for doc in pending
            if doc["workbook_id"] not in listed
            and (after is None or _place(doc) < after)
            and (boundary is None or _place(doc) > boundary)]
    if not fits:
        return rows, next_cursor
    merged = sorted(rows + fits, key=_place, reverse=True)
    page = merged[:limit]
    if len(merged) > limit or next_cursor is not None:
        return page, encode_cursor(page[-1]["uploaded_at"], page[-1]["workbook_id"])
    return page, None


class WorkbookViews:
    """Pages of a tenant's workbooks, newest upload first."""

    def __init__(self, views: Views) -> None:
        self.views = views

    async def page(self, tenant_id: str, status: str | None, after: tuple[datetime, str] | None,
                   limit: int) -> tuple[list[dict[str, Any]], str | None]:
        """Up to ``limit`` workbooks after ``after``, and the cursor of the next page (None when
        this page is the last)."""
        moment, last_id = after or (None, None)
        rows = await self.views.all(tenant_id, _PAGE, tenant_id, status, moment, last_id,
                                    limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        after_last = (encode_cursor(rows[-1]["uploaded_at"], rows[-1]["workbook_id"])
                      if more and rows else None)
        return rows, after_last

    async def known(self, tenant_id: str, workbook_ids: list[str]) -> set[str]:
        """Which of ``workbook_ids`` the views hold, whatever their status."""
        rows = await self.views.all(tenant_id, "SELECT workbook_id FROM workbooks WHERE"
                                    " tenant_id=$1 AND workbook_id = ANY($2::text[])",
                                    tenant_id, workbook_ids)
        return {row["workbook_id"] for row in rows}
