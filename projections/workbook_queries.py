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
