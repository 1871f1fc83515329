"""A tenant moved to a database of its own (a second PostgreSQL cluster) by replay, while it
keeps uploading, simulating and reading: every read answers, nothing is lost, the shared
database drops its copy, and both databases equal a rebuild from the log."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.ops.admin import create_tenant, move_tenant
from app.ops.launcher import ROOT, service_env
from infra import postgres
from projections.placed_projector import rebuild
from projections.postgres import checksum
from projections.postgres_views import PLACED_TABLES, TABLES
from projections.replay import replay_postgres
from tests.e2e.conftest import Service
from tests.e2e.faults import eventually
from tests.e2e.flow import ENDED, poll, start, upload_example
from tests.e2e.own_stack import own_postgres


@pytest.fixture(scope="module")
def tenant_home() -> Iterator[str]:
    with own_postgres() as (dsn, _server):
        yield dsn


class Load:
    """The tenant's traffic during the move: a simulation started every few reads, every
    simulation and workbook started so far read again and again. A failure is an error, a
    simulation that was readable and is no longer, or one not readable 10 s after its start
    (the views follow the log a moment behind the 202)."""

    def __init__(self, client: httpx.AsyncClient, workbook_id: str) -> None:
        self.client, self.workbook_id = client, workbook_id
        self.simulations: list[str] = []
        self.started: dict[str, float] = {}
        self.seen: set[str] = set()
        self.reads = 0
        self.failures: list[str] = []
        self.stop = asyncio.Event()

    def _to_read(self) -> list[str]:
        """The newest simulations and one older one in turn: every simulation is read again
        and again, within the tenant's read rate limit."""
        older = self.simulations[:-8]
        turn = [older[self.reads % len(older)]] if older else []
        return [*turn, *self.simulations[-8:]]

    async def run(self) -> None:
        while not self.stop.is_set():
            response = await start(self.client, {"workbook_id": self.workbook_id,
                                                 "outputs": ["Model!B17"], "iterations": 500})
            if response.status_code != 202:
                self.failures.append(f"POST /v1/simulations: {response.status_code}")
            else:
                self.simulations.append(response.json()["simulation_id"])
                self.started[self.simulations[-1]] = time.monotonic()
            for path in [f"/v1/workbooks/{self.workbook_id}", "/v1/simulations?limit=5",
                         *(f"/v1/simulations/{s}" for s in self._to_read())]:
                got = await self.client.get(path)
                self.reads += 1
                simulation = path.removeprefix("/v1/simulations/")
                if got.status_code == 200:
                    self.seen.add(simulation)
                elif got.status_code != 404 or simulation in self.seen or \
                        time.monotonic() - self.started.get(simulation, 0) > 10:
                    self.failures.append(f"GET {path}: {got.status_code} {got.text[:200]}")
            await asyncio.sleep(0.25)  # under the read limit (1,200 a minute)


async def settled(pool: Any, tables: dict[str, str]) -> dict[str, str]:
    """The views' checksums once they stop changing."""
    previous = None
    for _ in range(120):
        current = await checksum(pool, tables)
        if current == previous:
            return current
        previous = current
        await asyncio.sleep(0.5)
    raise AssertionError("the views never settled")


async def test_a_tenant_moves_to_its_own_database_under_load(
        service: Service, operator: httpx.AsyncClient, free: httpx.AsyncClient,
        tenant_home: str) -> None:
    settings = service.settings
    tenant = await create_tenant(settings, "tenant on the move", "enterprise")
    tenant_id = tenant["tenant_id"]
    async with httpx.AsyncClient(base_url=service.url, timeout=30, headers={
            "Authorization": f"Bearer {tenant['api_key']}"}) as client:
        workbook = await upload_example(client)
        before = [(await start(client, {"workbook_id": workbook["workbook_id"],
                                        "outputs": ["Model!B17"], "iterations": 2000}))
                  .json()["simulation_id"] for _ in range(3)]
        for simulation_id in before:
            await poll(client, f"/v1/simulations/{simulation_id}", ENDED)
        bystander = await upload_example(free)

        load = Load(client, workbook["workbook_id"])
        traffic = asyncio.create_task(load.run())
        await asyncio.sleep(1)
        mover = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.ops.cli", "tenant", "move", tenant_id, "--to",
            tenant_home, cwd=ROOT, env=service_env(settings),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(mover.communicate(), 240)
        assert mover.returncode == 0, err.decode()[-3000:]
        await asyncio.sleep(2)  # traffic after the move too
        load.stop.set()
        await traffic

        assert load.failures == [] and load.reads > 20 and len(load.simulations) > 5
        report = json.loads(out)
        assert report["source"] == "shared" and report["target"] == tenant_home
        assert report["rows"]["workbooks"] == 1 and report["rows"]["simulations"] >= 3
        every = before + load.simulations
        for simulation_id in every:  # each one ran, in its new home
            assert (await poll(client, f"/v1/simulations/{simulation_id}", ENDED)
                    )["status"] == "completed"
        listed = (await client.get("/v1/simulations", params={"limit": 500})).json()
        assert {s["simulation_id"] for s in listed["simulations"]} == set(every)
        shown = (await client.get(f"/v1/tenants/{tenant_id}")).json()["placement"]
        assert shown["kind"] == "dedicated" and shown["state"] == "placed"
        assert "database" not in shown  # the DSN is the operators'

    placements = (await operator.get("/v1/admin/placements")).json()["placements"]
    assert {"tenant_id": tenant_id, "reads_from": tenant_home, "state": "released"}.items() \
        <= next(p for p in placements if p["tenant_id"] == tenant_id).items()
    # each API worker has its own pools, opened by the reads it served: ask on fresh
    # connections until a worker that read the moved tenant answers
    async def home_pool() -> bool | None:
        async with httpx.AsyncClient(base_url=operator.base_url,
                                     headers=operator.headers) as asking:
            pools = (await asking.get("/v1/admin/pools")).json()["pools"]
        return any(p["database"] == tenant_home and p["max_size"] == 20 for p in pools) or None

    assert await eventually(home_pool, timeout_s=30)
    assert (await free.get(f"/v1/workbooks/{bystander['workbook_id']}")).status_code == 200

    shared = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    home = await postgres.create_pool(tenant_home, settings.projection_schema)
    try:
        # a database that has followed the log would skip another tenant's history as applied
        with pytest.raises(ValueError, match="database of its own, empty"):
            await move_tenant(settings, free.tenant_id, tenant_home)  # type: ignore[attr-defined]
        for table in PLACED_TABLES:  # the shared copy is gone, the new one holds everything
            assert await shared.fetchval(f"SELECT count(*) FROM {table} WHERE tenant_id=$1",
                                         tenant_id) == 0, table
        assert await home.fetchval("SELECT count(*) FROM simulations WHERE tenant_id=$1",
                                   tenant_id) == len(every)
        assert await home.fetchval("SELECT count(DISTINCT tenant_id) FROM simulations") == 1

        live_home = await settled(home, PLACED_TABLES)
        assert await rebuild(settings, shared, tenant_home, "rebuilt_home") == live_home
        live_shared = await settled(shared, TABLES)
        rebuilt = f"{settings.projection_schema}_moved"
        assert await replay_postgres(settings, rebuilt) == live_shared
    finally:
        await shared.close()
        await home.close()
        await postgres.drop_schema(settings.postgres_dsn, f"{settings.projection_schema}_moved")
