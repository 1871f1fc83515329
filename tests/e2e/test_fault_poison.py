"""Poison in the log: events no processor can process, written straight to Kafka as a buggy
or older producer could. Each is recorded (``processing.failed``), parked and skipped by every
processor that meets it; every other tenant's work goes on; an operator sees and can hand one
back; and a replay of the PostgreSQL views, poison included, equals the live views."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from infra import kafka, postgres
from streams.catalogue import new_event
from tests.e2e.conftest import Service
from tests.e2e.faults import replay_equals_live
from tests.e2e.flow import ENDED, poll, start, upload_example

POISON_TENANT = "poison-tenant"


def _poison() -> list[tuple[str, bytes, bytes]]:
    """(logical topic, key, value) of each poison message."""
    nul_name = new_event("user.created", POISON_TENANT, POISON_TENANT, {
        "user_id": "u-nul", "email": "nul@example.com", "name": "a\x00b", "role": "member",
        "password_hash": "x"})
    no_iterations = new_event("simulation.requested", POISON_TENANT, POISON_TENANT, {
        "simulation_id": "sim-poison", "workbook_id": "wb", "inputs": {}, "outputs": []})
    no_sha = new_event("workbook.uploaded", POISON_TENANT, "wb-poison", {"filename": "x.xlsx"})
    return [
        ("tenants", POISON_TENANT.encode(), nul_name.to_json()),
        ("tenants", POISON_TENANT.encode(), no_iterations.to_json()),
        ("workbooks", b"wb-poison", no_sha.to_json()),
        ("simulations", b"garbage", b'{"id": "not json'),
    ]


async def _inject(service: Service) -> None:
    producer = kafka.producer(service.settings.kafka_bootstrap)
    await producer.start()
    try:
        for topic, key, value in _poison():
            await producer.send_and_wait(service.settings.topic(topic), value=value, key=key)
    finally:
        await producer.stop()


async def _parked(operator: httpx.AsyncClient, want: set[tuple[str, str]], timeout_s: float = 60
                  ) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        response = await operator.get("/v1/admin/dead-letters", params={"limit": 1000,
                                                                       "include_retried": True})
        assert response.status_code == 200, response.text
        rows = response.json()["dead_letters"]
        seen = {(r["processor"], r["topic"].rsplit(".", 1)[1]) for r in rows}
        if want <= seen or asyncio.get_running_loop().time() > deadline:
            assert want <= seen, f"missing {want - seen}; parked: {seen}"
            return list(rows)
        await asyncio.sleep(0.3)


async def test_poison_is_parked_and_everyone_else_goes_on(
        service: Service, own_tenant: httpx.AsyncClient, operator: httpx.AsyncClient) -> None:
    await _inject(service)
    workbook = await upload_example(own_tenant)
    response = await start(own_tenant, {"workbook_id": workbook["workbook_id"],
                                        "outputs": ["Model!B17"], "iterations": 2000})
    assert response.status_code == 202, response.text
    done = await poll(own_tenant, f"/v1/simulations/{response.json()['simulation_id']}", ENDED)
    assert done["status"] == "completed", done

    rows = await _parked(operator, {
        ("postgres-projector", "tenants"),   # a NUL no PostgreSQL text can hold
        ("tenant-ledger", "tenants"),        # a request without iterations
        ("workbook-parser", "workbooks"),    # an upload without its file
        ("simulation-runner", "simulations"), ("postgres-projector", "simulations"),
        ("mongo-rollups", "simulations"), ("redis-progress", "simulations"),
        ("webhook-fanout", "simulations"),   # bytes that are not JSON
    })
    nul = next(r for r in rows if r["processor"] == "postgres-projector"
               and r["event_type"] == "user.created")
    assert "\x00" not in json.dumps(rows) and nul["tenant_id"] == POISON_TENANT
    assert nul["failures"] == 1 and nul["retried_at"] is None

    # handed back, it fails again for the same reason: parked once more, counted
    retry = await operator.post(f"/v1/admin/dead-letters/{nul['failure_id']}/retry")
    assert retry.status_code == 202, retry.text
    for _ in range(100):
        rows = (await operator.get("/v1/admin/dead-letters",
                                   params={"processor": "postgres-projector"})).json()
        again = [r for r in rows["dead_letters"] if r["failure_id"] == nul["failure_id"]]
        if again and again[0]["failures"] == 2:
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError(f"the retried message was not parked again: {rows}")

    # tenants cannot see the operators' view
    assert (await own_tenant.get("/v1/admin/dead-letters")).status_code == 403

    # a replay meets the same poison, parks it in its own schema, and ends equal to the live
    # views (once they settle: billing may still report the run's usage after its own wait)
    settings = service.settings
    rebuilt_schema = f"{settings.projection_schema}_poison"
    try:
        await replay_equals_live(settings, keep=rebuilt_schema)
        rebuilt = await postgres.create_pool(settings.postgres_dsn, rebuilt_schema)
        try:
            assert await rebuilt.fetchval(
                "SELECT count(*) FROM dead_letters WHERE processor='postgres-projector'") >= 2
        finally:
            await rebuilt.close()
    finally:
        await postgres.drop_schema(settings.postgres_dsn, rebuilt_schema)
