"""Tenants take turns for a runner's slots: one tenant's queue of large runs holds up another
tenant's run by one run's end, not by the whole queue."""

from __future__ import annotations

import asyncio

import httpx

from tests.e2e.flow import ENDED, poll, start, upload_compound

WIDTH = 2
"""The large lane's slots in the test service (Settings.runner_threads)."""


async def _started(client: httpx.AsyncClient, runs: list[str]) -> int:
    answers = await asyncio.gather(*(client.get(run) for run in runs))
    return sum(a.json()["status"] not in ("requested", "accepted") for a in answers)


async def test_another_tenants_large_run_does_not_wait_for_one_tenants_queue(
        enterprise: httpx.AsyncClient, own_tenant: httpx.AsyncClient) -> None:
    flooder, other = own_tenant, enterprise
    book = await upload_compound(flooder, "RiskPoisson(300)")  # 200,000 trials: seconds
    other_book = await upload_compound(other, "RiskPoisson(300)")
    queue = []
    for seed in range(3 * WIDTH):
        response = await start(flooder, {"workbook_id": book, "iterations": 200_000,
                                         "seed": seed})
        assert response.status_code == 202, response.text
        queue.append(f"/v1/simulations/{response.json()['simulation_id']}")
    await asyncio.sleep(1.0)  # the first ones hold the slots, the rest are queued
    response = await start(other, {"workbook_id": other_book, "iterations": 200_000})
    assert response.status_code == 202, response.text
    mine = f"/v1/simulations/{response.json()['simulation_id']}"
    try:
        sim = await poll(other, mine, {"running", *ENDED}, timeout_s=120)
        assert sim["status"] in ("running", "completed"), sim
        # the flooder's first runs and at most the one that took a slot freed meanwhile;
        # in the order the runs came the other tenant's would start after all of them
        assert await _started(flooder, queue) <= WIDTH + 1
    finally:
        for run in [*queue, mine]:
            client = other if run == mine else flooder
            assert (await client.post(f"{run}/cancel")).status_code in (202, 409)
    for run in queue:
        await poll(flooder, run, ENDED, timeout_s=120)
