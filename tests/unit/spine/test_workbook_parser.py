"""The parser processor on hostile uploads: each parse runs in a child under the limits its
tenant's plan gave it; every failure is a final ``workbook.rejected`` naming why, and a slow
parse does not hold up the others."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from engines.limits import WorkbookLimits
from engines.package import check_package
from engines.service import WorkbookEngine
from infra.sandbox import MB, Sandbox
from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.plans import limits_for
from streams.processors.workbooks import WorkbookParser
from tests import workbook_bombs as bombs
from tests.conftest import EXAMPLE

STORE: dict[str, bytes] = {}


def read_blob(sha256: str) -> bytes:
    try:
        return STORE[sha256]
    except KeyError:
        raise FileNotFoundError(sha256) from None


def uploaded(data: bytes, plan: str | None = None) -> Envelope:
    """``workbook.uploaded`` for ``data``, with the plan's limits (none: an event from before
    uploads carried them)."""
    sha = hashlib.sha256(data).hexdigest()
    STORE[sha] = data
    body: dict[str, Any] = {"sha256": sha, "size": len(data), "uri": f"mem://{sha}"}
    if plan is not None:
        body["limits"] = limits_for(plan).workbook_limits()
    return new_event("workbook.uploaded", "t", f"wb-{sha[:8]}", body)


def parser(memory_mb: int = 1024, timeout_s: float = 30, processes: int = 2) -> WorkbookParser:
    sandbox = Sandbox(memory_mb * MB, timeout_s, preload=("engines.service",))
    return WorkbookParser(read_blob, WorkbookEngine(), sandbox, processes)


def values(count: int) -> bytes:
    """``count`` numbers down column A: cheap to check, slower to load."""
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, count + 1))
    return bombs.xlsx_bytes({"Sheet": bombs.sheet_xml([rows])}, level=1)


async def only(events: list[Envelope]) -> tuple[str, dict[str, Any]]:
    [event] = events
    return event.type, event.data


async def test_the_plan_given_at_upload_decides_and_old_uploads_get_the_engine_defaults(
        ) -> None:
    data = bombs.many_formulas(2_000)
    kind, body = await only(await parser().handle(uploaded(data, "free")))
    assert kind == "workbook.rejected"
    assert body["limit"] == {"name": "formulas", "value": 1_000, "observed": 1_001}
    assert "the number of formulas reached 1,001" in body["reason"]
    kind, body = await only(await parser().handle(uploaded(data)))
    assert (kind, body["formula_count"]) == ("workbook.parsed", 2_000)


async def test_bombs_are_rejected_naming_the_limit_they_pass() -> None:
    for bomb, limit in ((bombs.corners(), "area_cells"), (bombs.array_over_grid(), "cells"),
                        (bombs.inflating_text(100 * MB), "compression_ratio")):
        kind, body = await only(await parser().handle(uploaded(bomb, "enterprise")))
        assert (kind, body["limit"]["name"]) == ("workbook.rejected", limit)


async def test_a_parse_past_its_memory_cap_or_time_limit_is_rejected() -> None:
    data = values(200_000)
    kind, body = await only(await parser(memory_mb=48).handle(uploaded(data, "pro")))
    assert (kind, body["reason"]) == ("workbook.rejected",
                                      "the workbook needs more than 48 MB to parse")
    assert body["limit"] == {"name": "parse_memory_mb", "value": 48, "observed": None}
    kind, body = await only(await parser(timeout_s=0.5).handle(uploaded(data, "pro")))
    assert (kind, body["reason"]) == ("workbook.rejected",
                                      "parsing the workbook took longer than 0.5 s")


async def test_a_slow_parse_does_not_hold_up_a_small_one() -> None:
    slow, small = uploaded(values(100_000), "pro"), uploaded(EXAMPLE.read_bytes(), "free")
    finished: list[str] = []

    async def handle(worker: WorkbookParser, event: Envelope) -> None:
        [outcome] = await worker.handle(event)
        assert outcome.type == "workbook.parsed"
        finished.append(event.key)

    side_by_side = parser(processes=2)
    await asyncio.gather(handle(side_by_side, slow), handle(side_by_side, small))
    assert finished == [small.key, slow.key]
    one_at_a_time = parser(processes=1)
    finished.clear()
    await asyncio.gather(handle(one_at_a_time, slow), handle(one_at_a_time, small))
    assert finished == [slow.key, small.key]


async def test_a_missing_file_is_rejected() -> None:
    event = new_event("workbook.uploaded", "t", "wb", {"sha256": "0" * 64, "size": 1, "uri": ""})
    assert await only(await parser().handle(event)) == (
        "workbook.rejected", {"reason": "the stored file is missing"})


def test_every_paid_plan_lets_the_example_and_the_excel_test_workbooks_through() -> None:
    excel = Path(__file__).resolve().parents[4] / "shared" / "workbooks" / "excel"
    files = [EXAMPLE, *sorted(excel.glob("*.xlsx"))]
    for plan in ("basic", "pro", "enterprise"):
        limits = WorkbookLimits.from_mapping(limits_for(plan).workbook_limits())
        for path in files:
            check_package(path.read_bytes(), limits)
    check_package(EXAMPLE.read_bytes(), WorkbookLimits.from_mapping(
        limits_for("free").workbook_limits()))


class Failing(WorkbookEngine):
    """An inspector with a bug that this file's content sets off."""

    def summarize(self, data: bytes, limits: WorkbookLimits) -> dict[str, Any]:
        raise KeyError("no values supplied")


async def test_a_parser_that_fails_on_the_file_rejects_it_rather_than_leave_it_uploaded(
        ) -> None:
    failing = WorkbookParser(read_blob, Failing(), Sandbox(1024 * MB, 30), 1)
    kind, body = await only(await failing.handle(uploaded(EXAMPLE.read_bytes(), "pro")))
    assert kind == "workbook.rejected"
    assert "the parser failed on this workbook (KeyError" in body["reason"]
