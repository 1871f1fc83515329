"""The tenant's workbooks, newest upload first, a page at a time (see projections.pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from projections.pages import BadCursor, Keyset, Row

BadWorkbookCursor = BadCursor
LISTED = ("workbook_id", "filename", "sha256", "size_bytes", "status", "reason", "uploaded_at",
          "parsed_at", "sheet_count", "formula_count")
WORKBOOKS = Keyset("workbook", "w1.", "workbooks", "uploaded_at", "workbook_id", LISTED, """
SELECT workbook_id, filename, sha256, size_bytes, status, reason, uploaded_at, parsed_at,
       jsonb_array_length(summary->'sheets') AS sheet_count,
       (summary->>'formula_count')::bigint AS formula_count
FROM workbooks
WHERE tenant_id=$1 AND ($2::text IS NULL OR status=$2)
  AND ($3::timestamptz IS NULL OR (uploaded_at, workbook_id) < ($3, $4))
ORDER BY uploaded_at DESC, workbook_id DESC
LIMIT $5
""")


def encode_cursor(uploaded_at: str, workbook_id: str) -> str:
    return WORKBOOKS.encode({"uploaded_at": uploaded_at, "workbook_id": workbook_id})


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """(upload time, workbook id) of the last workbook of the previous page."""
    return WORKBOOKS.decode(cursor)


def with_pending(rows: list[Row], next_cursor: str | None, pending: list[Row],
                 after: tuple[datetime, str] | None, limit: int
                 ) -> tuple[list[dict[str, Any]], str | None]:
    """See :meth:`projections.pages.Keyset.with_pending`."""
    return WORKBOOKS.with_pending(rows, next_cursor, pending, after, limit)
