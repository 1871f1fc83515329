"""Hostile workbooks through the API: each is rejected within seconds, for the limit of the
uploading tenant's plan that it passes, while another tenant's upload is parsed meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from tests import workbook_bombs as bombs
from tests.e2e.flow import poll, upload_example
from tests.e2e.sse import all_events

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOMBS: dict[str, tuple[Callable[[], bytes], str]] = {
    "corners": (bombs.corners, "area_cells"),
    "array-over-grid": (bombs.array_over_grid, "cells"),
    "merged-grid": (bombs.merged_grid, "cells"),
    "inflating": (lambda: bombs.inflating_text(600_000_000), "compression_ratio"),
}


async def upload(client: httpx.AsyncClient, name: str, data: bytes) -> str:
    response = await client.post("/v1/workbooks", files={"file": (name, data, XLSX)})
    assert response.status_code == 202, response.text
    return str(response.json()["workbook_id"])


async def outcome(client: httpx.AsyncClient, workbook_id: str) -> dict[str, object]:
    return await poll(client, f"/v1/workbooks/{workbook_id}", {"parsed", "rejected"},
                      timeout_s=30)


async def test_bombs_are_rejected_naming_their_limit_while_another_tenant_is_served(
        enterprise: httpx.AsyncClient, free: httpx.AsyncClient) -> None:
    made = {name: make() for name, (make, _) in BOMBS.items()}
    clock = asyncio.get_running_loop().time
    began = clock()
    ids = {name: await upload(enterprise, f"{name}.xlsx", data) for name, data in made.items()}
    assert (await upload_example(free))["status"] == "parsed"
    for name, (_, limit) in BOMBS.items():
        workbook = await outcome(enterprise, ids[name])
        assert workbook["status"] == "rejected", name
        assert f"(limit {limit} = " in str(workbook["reason"])
        trail = await all_events(enterprise, aggregate=ids[name])
        assert [e["type"] for e in trail] == ["workbook.uploaded", "workbook.rejected"]
        assert trail[-1]["data"]["limit"]["name"] == limit
    assert clock() - began < 20


async def test_the_uploading_tenants_plan_sets_the_limits(
        enterprise: httpx.AsyncClient, free: httpx.AsyncClient) -> None:
    data = bombs.many_formulas(2_000)
    refused = await outcome(free, await upload(free, "formulas.xlsx", data))
    assert refused["status"] == "rejected"
    assert refused["reason"] == ("the workbook is over a limit: the number of formulas reached"
                                 " 1,001 (limit formulas = 1,000)")
    parsed = await outcome(enterprise, await upload(enterprise, "formulas.xlsx", data))
    assert parsed["status"] == "parsed"
    reads = await outcome(enterprise, await upload(enterprise, "reads.xlsx",
                                                   bombs.whole_sheet_reads()))
    assert reads["status"] == "parsed"
