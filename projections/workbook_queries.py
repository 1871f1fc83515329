"""The tenant's workbooks, newest upload first, a page at a time (see projections.pages)."""

from __future__ import annotations

from projections.pages import Keyset

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

