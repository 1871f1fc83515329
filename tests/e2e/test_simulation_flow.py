"""Upload → simulate → complete → bill through the REST API, asserted on every projection."""

from __future__ import annotations

import asyncio
import json
import math
import time

import asyncpg
import httpx

from projections.mongo import ROLLUPS, database, totals
from streams.processors.lanes import SMALL_PER_CORE, cores
from tests.e2e.conftest import Service
from tests.e2e.flow import ENDED, poll, start, upload_compound, upload_example
from tests.integration.helpers import events_of, wait_for

REQUEST = {
    "inputs": {"Model!B2": "normal(10000, 1500)", "Model!B4": "pert(26, 30, 38)"},
    "outputs": ["Model!B17", "Model!B18"], "iterations": 20_000, "seed": 7,
}


async def test_a_simulation_runs_end_to_end_and_lands_in_every_projection(
        service: Service, own_tenant: httpx.AsyncClient) -> None:
    enterprise = own_tenant
    workbook = await upload_example(enterprise)
    assert workbook["status"] == "parsed"
    summary = workbook["summary"]
    assert summary["formula_count"] == 30  # B3, 5 rows × 5 columns, B17:B20
    assert summary["risk_outputs"] == ["Model!B17"]
    assert [r["distribution"] for r in summary["risk_inputs"]] == ["RiskTriang"]

    response = await start(enterprise, {"workbook_id": workbook["workbook_id"], **REQUEST})
    assert response.status_code == 202, response.text
    sim_id = response.json()["simulation_id"]
    sim = await poll(enterprise, f"/v1/simulations/{sim_id}", ENDED)
    assert sim["status"] == "completed", sim
    assert sim["iterations_done"] == 20_000

    results = sim["results"]
    npv = results["outputs"]["Model!B17"]
    profit = results["outputs"]["Model!B18"]
    assert npv["count"] == 20_000 and npv["error_count"] == 0
    # total profit over 5 years = units·Σ(1.05^k)·(price − cost) − 5·fixed, with independent
    # inputs: E = E[units]·5.52563·(E[price] − E[cost]) − 600000
    growth = sum(1.05 ** k for k in range(5))
    expected = 10_000 * growth * ((40 + 50 + 65) / 3 - (26 + 4 * 30 + 38) / 6) - 600_000
    assert abs(profit["mean"] - expected) < 4 * profit["std"] / math.sqrt(20_000)
    pct = [p["value"] for p in npv["percentiles"]]
    assert pct == sorted(pct) and npv["min"] <= pct[0] and pct[-1] <= npv["max"]
    drivers = [d["input"] for d in results["sensitivity"]["Model!B17"]["inputs"]]
    assert set(drivers) == {"Model!B2", "Model!B3", "Model!B4"}

    listed = (await enterprise.get("/v1/simulations", params={"status": "completed"})).json()
    assert sim_id in [s["simulation_id"] for s in listed["simulations"]]

    # Redis: live progress ended at 100 %
    events = await enterprise.get(f"/v1/simulations/{sim_id}/events")
    assert events.status_code == 200
    frames = [json.loads(line[6:]) for line in events.text.splitlines()
              if line.startswith("data: ")]
    assert frames[-1]["status"] == "completed" and frames[-1]["fraction"] == 1.0

    # MongoDB: the daily rollup counted the simulation and its iterations once (the run's end
    # and its usage come from two topics, so either may be counted first)
    async def rollup() -> dict | None:  # type: ignore[type-arg]
        usage = (await enterprise.get("/v1/analytics/usage")).json()
        counted = usage["totals"]
        return usage if counted.get("simulations") and counted.get("iterations") else None

    usage = await wait_for(rollup)
    assert usage["totals"]["simulations"] == 1
    assert usage["totals"]["iterations"] == 20_000
    db = database(service.settings.mongo_url, service.settings.mongo_db)
    tenant = enterprise.tenant_id  # type: ignore[attr-defined]
    docs = await db[ROLLUPS].find({"tenant_id": tenant}).to_list()
    assert sum(totals(doc).get("iterations", 0) for doc in docs) == 20_000
    assert len({(doc["day"], doc["backend"]) for doc in docs}) == 1
    await db.client.close()

    # PostgreSQL + Stripe: the usage record was reported as meter events exactly once
    conn = await asyncpg.connect(service.settings.postgres_dsn)

    async def reported() -> asyncpg.Record | None:
        return await conn.fetchrow(
            f"SELECT * FROM {service.settings.projection_schema}.usage_records"
            " WHERE simulation_id=$1 AND reported_at IS NOT NULL", sim_id)

    record = await wait_for(reported)
    assert record["iterations"] == 20_000
    assert len(json.loads(record["meter_event_ids"])) == 2
    await conn.close()
    billed = [e for e in await events_of(service.settings, "billing")
              if e.type == "billing.usage_reported" and e.key == sim_id]
    assert len(billed) == 1

    # the whole chain shares one correlation id, from the request onwards
    chain = [e for e in await events_of(service.settings, "simulations") if e.key == sim_id]
    assert {e.correlation_id for e in chain} == {chain[0].correlation_id}


async def test_idempotency_key_returns_the_same_answer_and_writes_once(
        service: Service, enterprise: httpx.AsyncClient) -> None:
    workbook = await upload_example(enterprise)
    body = {"workbook_id": workbook["workbook_id"], **REQUEST, "iterations": 1000}
    headers = {"Idempotency-Key": "same-key-1"}
    first, second = await asyncio.gather(start(enterprise, body, headers),
                                         start(enterprise, body, headers))
    statuses = sorted([first.status_code, second.status_code])
    assert statuses in ([202, 202], [202, 409])
    third = await start(enterprise, body, headers)
    assert third.status_code == 202 and third.headers.get("idempotent-replayed") == "true"
    sim_ids = {r.json()["simulation_id"] for r in (first, second, third) if r.status_code == 202}
    assert len(sim_ids) == 1
    requested = [e for e in await events_of(service.settings, "tenants")
                 if e.type == "simulation.requested" and e.data["simulation_id"] in sim_ids]
    assert len(requested) == 1
    changed = await start(enterprise, {**body, "iterations": 2000}, headers)
    assert changed.status_code == 422 and "different request body" in changed.text


async def test_a_free_tenant_over_its_iteration_limit_is_told_which_limit(
        free: httpx.AsyncClient) -> None:
    workbook = await upload_example(free)
    response = await start(free, {"workbook_id": workbook["workbook_id"], **REQUEST,
                                  "iterations": 5000})
    sim = await poll(free, f"/v1/simulations/{response.json()['simulation_id']}", ENDED)
    assert sim["status"] == "rejected"
    assert sim["refusal"] == {"limit": "iterations_per_simulation", "value": 1000,
                              "current": 5000, "resets_at": None}


async def test_a_running_simulation_can_be_cancelled(enterprise: httpx.AsyncClient) -> None:
    workbook = await upload_example(enterprise)
    response = await start(enterprise, {"workbook_id": workbook["workbook_id"], **REQUEST,
                                        "iterations": 2_000_000})  # run whole, not split
    sim_id = response.json()["simulation_id"]
    await poll(enterprise, f"/v1/simulations/{sim_id}", {"running"})
    for _ in range(100):  # wait for the first chunk's progress
        if (await enterprise.get(f"/v1/simulations/{sim_id}")).json()["iterations_done"]:
            break
        await asyncio.sleep(0.02)
    cancel = await enterprise.post(f"/v1/simulations/{sim_id}/cancel")
    assert cancel.status_code == 202
    sim = await poll(enterprise, f"/v1/simulations/{sim_id}", ENDED, timeout_s=60)
    assert sim["status"] == "cancelled"
    assert 0 < sim["iterations_done"] < 2_000_000
    again = await enterprise.post(f"/v1/simulations/{sim_id}/cancel")
    assert again.status_code == 409


async def test_a_small_run_that_is_heavy_reports_progress_and_can_be_cancelled(
        enterprise: httpx.AsyncClient) -> None:
    """100,000 trials is a small run by count, but 6,000 occurrences a trial make it minutes
    of compute: past the small lane's budget it moves to the large lane, giving its small-run
    slot to the runs behind it, reports progress there, and a cancel stops it. With more such
    runs than the small lane has slots, a small run started after them is not held up: once the
    first of them passes the budget, the others of that model go to the large lane at once."""
    heavy = {"workbook_id": await upload_compound(enterprise, "RiskPoisson(6000)")}
    example = await upload_example(enterprise)
    runs = []
    for seed in range(SMALL_PER_CORE * cores() + 1):  # one more than the small lane's slots
        response = await start(enterprise, {"workbook_id": heavy["workbook_id"],
                                            "iterations": 100_000, "seed": seed})
        assert response.status_code == 202, response.text
        runs.append(f"/v1/simulations/{response.json()['simulation_id']}")
    try:
        began = time.monotonic()
        light = await start(enterprise, {"workbook_id": example["workbook_id"], **REQUEST,
                                         "iterations": 1000})
        done = await poll(enterprise, f"/v1/simulations/{light.json()['simulation_id']}",
                          ENDED, timeout_s=60)
        assert done["status"] == "completed"
        # behind the first heavy runs' two seconds in the pool, not their whole compute (each
        # is half a minute here), nor two seconds for each of them
        assert time.monotonic() - began < 20
        for _ in range(300):  # the first one's progress, once it computes in the large lane
            if (await enterprise.get(runs[0])).json()["iterations_done"]:
                break
            await asyncio.sleep(0.1)
    finally:
        for run in runs:
            assert (await enterprise.post(f"{run}/cancel")).status_code in (202, 409)
    sim = await poll(enterprise, runs[0], ENDED, timeout_s=60)
    assert sim["status"] == "cancelled", sim
    assert 0 < sim["iterations_done"] < 100_000
    for run in runs[1:]:  # each ends: cancelled, or completed whole if the large lane
        # finished it before its cancel came (the test may wait half a minute for progress)
        ended = await poll(enterprise, run, ENDED, timeout_s=120)
        assert ended["status"] == "cancelled" or (
            ended["status"] == "completed" and ended["iterations_done"] == 100_000), ended


async def test_runs_of_one_workbook_started_together_have_the_results_each_has_alone(
        service: Service, own_tenant: httpx.AsyncClient) -> None:
    """Small runs of one model waiting together for an engine worker share its passes; what
    each run records is what it records when it runs by itself."""
    workbook = (await upload_example(own_tenant))["workbook_id"]
    bodies = [{"workbook_id": workbook, **REQUEST, "iterations": 5_000, "seed": seed}
              for seed in range(12)]
    started = await asyncio.gather(*(start(own_tenant, body) for body in bodies))
    together = [await poll(own_tenant, f"/v1/simulations/{r.json()['simulation_id']}", ENDED)
                for r in started]
    assert {sim["status"] for sim in together} == {"completed"}
    for seed in (0, 7, 11):  # now one at a time, nothing else waiting
        response = await start(own_tenant, bodies[seed])
        alone = await poll(own_tenant, f"/v1/simulations/{response.json()['simulation_id']}",
                           ENDED)
        assert alone["status"] == "completed"
        assert alone["results"]["outputs"] == together[seed]["results"]["outputs"]
        assert alone["results"]["sensitivity"] == together[seed]["results"]["sensitivity"]
