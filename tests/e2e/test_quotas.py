"""Plan limits: a burst of requests against a concurrency limit admits exactly the limit (the
ledger is the single writer deciding), a refusal names the limit, its value, the current use
and the reset, and an upload over the plan's file size is refused while it streams."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import EXAMPLE
from tests.e2e.accounts import new_tenant
from tests.e2e.conftest import MAX_UPLOAD
from tests.e2e.flow import ENDED, poll, start, upload_example

BURST = 50


async def test_fifty_concurrent_requests_against_a_limit_of_three_admit_exactly_three(
        operator: httpx.AsyncClient) -> None:
    # free plan, but with runs long enough that none ends during the burst
    free = await new_tenant(operator, "free", {"iterations_per_simulation": 100_000_000})
    workbook = await upload_example(free)
    body = {"workbook_id": workbook["workbook_id"], "outputs": ["Model!B17"],
            "iterations": 50_000_000}
    responses = await asyncio.gather(*(start(free, body) for _ in range(BURST)))
    assert [r.status_code for r in responses] == [202] * BURST
    ended = await asyncio.gather(*(
        poll(free, f"/v1/simulations/{r.json()['simulation_id']}",
             {"accepted", "running", *ENDED}) for r in responses))
    admitted = [s for s in ended if s["status"] in ("accepted", "running")]
    rejected = [s for s in ended if s["status"] == "rejected"]
    assert len(admitted) == 3 and len(rejected) == BURST - 3
    assert all(s["refusal"] == {"limit": "concurrent_simulations", "value": 3, "current": 3,
                                "resets_at": "when a running simulation ends"}
               for s in rejected)
    for sim in admitted:  # free the shared runner for the other tests
        assert (await free.post(f"/v1/simulations/{sim['simulation_id']}/cancel")
                ).status_code == 202
    for sim in admitted:
        assert (await poll(free, f"/v1/simulations/{sim['simulation_id']}", ENDED)
                )["status"] == "cancelled"
    await free.aclose()


async def test_uploads_are_limited_by_the_tenants_plan(operator: httpx.AsyncClient) -> None:
    small = await new_tenant(operator, "free", {"file_size_bytes": 2000})
    response = await small.post("/v1/workbooks", files={"file": (EXAMPLE.name,
                                                                 EXAMPLE.read_bytes())})
    assert response.status_code == 413
    assert "2000 bytes, the file size limit of this tenant's free plan" in \
        response.json()["detail"]
    # the platform-wide cap still applies to a plan without a file size limit
    roomy = await new_tenant(operator, "enterprise")
    big = await roomy.post("/v1/workbooks", files={"file": ("big.xlsx", b"x" * (MAX_UPLOAD + 1))})
    assert big.status_code == 413 and big.json()["detail"] == (
        f"the workbook is larger than {MAX_UPLOAD} bytes, this server's upload cap"
        " (max_upload_bytes); the enterprise plan itself sets no limit")
    assert (await upload_example(roomy))["status"] == "parsed"
    await small.aclose()
    await roomy.aclose()
