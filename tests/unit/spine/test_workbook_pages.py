"""A page of workbooks with the just-accepted ones the views lack: each workbook once, newest
first, across pages (projections.pages.Keyset.with_pending)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from projections.pages import Keyset
from projections.simulation_queries import SIMULATIONS
from projections.workbook_queries import WORKBOOKS

START = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def row(minute: int, id_: str, status: str = "parsed") -> dict[str, Any]:
    return {"workbook_id": id_, "uploaded_at": (START + timedelta(minutes=minute)).isoformat(),
            "status": status, "filename": f"{id_}.xlsx"}


def pages(views: list[dict[str, Any]], pending: list[dict[str, Any]], limit: int
          ) -> list[list[str]]:
    """Every page as a client pages through, the views cut by keyset as the query does."""
    order = sorted(views, key=lambda r: (r["uploaded_at"], r["workbook_id"]), reverse=True)
    out, after = [], None
    while True:
        rest = [r for r in order if after is None
                or (datetime.fromisoformat(r["uploaded_at"]), r["workbook_id"]) < after]
        rows = rest[:limit]
        cursor = WORKBOOKS.encode(rows[-1]) if len(rest) > limit else None
        page, cursor = WORKBOOKS.with_pending(rows, cursor, pending, after, limit)
        out.append([r["workbook_id"] for r in page])
        if cursor is None:
            return out
        after = WORKBOOKS.decode(cursor)


def test_new_uploads_come_first_and_paging_sees_each_workbook_once() -> None:
    views = [row(m, f"w{m}") for m in range(5)]
    pending = [row(9, "new9", "uploaded"), row(8, "new8", "uploaded")]
    got = pages(views, pending, limit=2)
    assert got == [["new9", "new8"], ["w4", "w3"], ["w2", "w1"], ["w0"]]
    assert pages(views, pending, limit=200) == [["new9", "new8", "w4", "w3", "w2", "w1", "w0"]]


def test_a_pending_workbook_older_than_the_page_waits_for_its_page() -> None:
    views = [row(m, f"w{m}") for m in (0, 2, 4, 6)]
    pending = [row(3, "late3", "uploaded")]  # accepted in between (a clock a little behind)
    assert pages(views, pending, limit=2) == [["w6", "w4"], ["late3", "w2"], ["w0"]]


def test_the_pending_copy_of_a_listed_workbook_is_not_listed_twice() -> None:
    views = [row(1, "w1"), row(2, "w2", "uploaded")]
    assert pages(views, [row(2, "w2", "uploaded")], limit=5) == [["w2", "w1"]]


def test_pending_only_and_missing_columns_are_null() -> None:
    page, cursor = WORKBOOKS.with_pending([], None, [row(1, "a", "uploaded")], None, 5)
    assert cursor is None
    assert page[0]["workbook_id"] == "a" and page[0]["sheet_count"] is None
    assert set(page[0]) == {"workbook_id", "filename", "sha256", "size_bytes", "status",
                            "reason", "uploaded_at", "parsed_at", "sheet_count",
                            "formula_count"}


@pytest.mark.parametrize("keyset", [WORKBOOKS, SIMULATIONS])
def test_pending_rows_carry_the_columns_of_the_page_query(keyset: Keyset) -> None:
    selected = keyset.query.split(f"FROM {keyset.table}")[0]
    named = [part.split(" AS ")[-1].strip() for part in selected.replace("SELECT", "").split(",")]
    assert tuple(named) == keyset.listed
