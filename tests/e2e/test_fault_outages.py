"""PostgreSQL and Redis stopped and started under a running service: clients get 503 with
Retry-After and a reason (never a 500 or a reset connection), readiness names what is down,
sign-ins fail closed and other requests fail open while Redis is away, and once each is back
the service is whole again, with views a replay reproduces."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx

from app.ops.admin import create_tenant
from app.ops.launcher import launched
from tests.conftest import isolated_settings
from tests.e2e.faults import eventually, replay_equals_live
from tests.e2e.flow import ENDED, poll, start, upload_example
from tests.e2e.own_stack import own_postgres, own_redis


def _unavailable(response: httpx.Response, names: str) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["content-type"].startswith("application/problem+json")
    assert names in response.json()["detail"], response.text


async def _status(client: httpx.AsyncClient, path: str, status: int) -> bool:
    return (await client.get(path)).status_code == status


async def test_postgres_and_redis_outages_answer_honestly_and_heal(tmp_path: Path) -> None:
    with own_postgres() as (dsn, pg), own_redis(tmp_path) as (redis_url, redis):
        settings = isolated_settings(postgres_dsn=dsn, redis_url=redis_url)
        with launched(settings, tmp_path / "logs") as service:
            tenant = await create_tenant(settings, "Outage tenant", "enterprise")
            async with httpx.AsyncClient(base_url=service.url, timeout=20, headers={
                    "Authorization": f"Bearer {tenant['api_key']}"}) as client:
                ready = await eventually(lambda: _status(client, "/health/ready", 200))
                assert ready
                workbook = await upload_example(client)
                body: dict[str, Any] = {"workbook_id": workbook["workbook_id"],
                                        "outputs": ["Model!B17"], "iterations": 2000}
                first = (await start(client, body)).json()["simulation_id"]
                await poll(client, f"/v1/simulations/{first}", ENDED)

                await asyncio.to_thread(pg.kill)
                _unavailable(await client.get(f"/v1/simulations/{first}"), "PostgreSQL")
                _unavailable(await start(client, body, {"Idempotency-Key": "pg-down"}),
                             "PostgreSQL")
                readiness = await client.get("/health/ready")
                assert readiness.status_code == 503 and "postgres" in readiness.json()["detail"]
                assert (await client.get("/health/live")).status_code == 200

                await asyncio.to_thread(pg.start)
                await eventually(lambda: _status(client, f"/v1/simulations/{first}", 200))
                again = await start(client, body, {"Idempotency-Key": "pg-down"})
                assert again.status_code == 202, again.text
                done = await poll(client, f"/v1/simulations/{again.json()['simulation_id']}",
                                  ENDED, timeout_s=120)
                assert done["status"] == "completed", done

                await asyncio.to_thread(redis.kill)
                read = await client.get(f"/v1/simulations/{first}")  # fails open
                assert read.status_code == 200 and "ratelimit-limit" not in read.headers
                _unavailable(await client.post("/v1/auth/token", json={
                    "email": "someone@example.com", "password": "x" * 12}), "Redis")
                readiness = await client.get("/health/ready")
                assert readiness.status_code == 503 and "redis" in readiness.json()["detail"]

                await asyncio.to_thread(redis.start)
                await eventually(lambda: _status(client, "/health/ready", 200), timeout_s=90)
                read = await client.get(f"/v1/simulations/{first}")
                assert read.status_code == 200 and "ratelimit-limit" in read.headers
                third = (await start(client, body)).json()["simulation_id"]
                assert (await poll(client, f"/v1/simulations/{third}", ENDED,
                                   timeout_s=120))["status"] == "completed"

            await replay_equals_live(settings)


def _with_children(parent: int) -> list[int]:
    """``parent`` and the processes it started (read from /proc)."""
    children = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                children.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return [parent, *children]


async def test_a_stalled_postgres_costs_a_request_its_timeout_not_a_hang(tmp_path: Path
                                                                         ) -> None:
    """PostgreSQL that stops answering (stopped, not gone: connections stay open) makes a
    request answer 503 once a statement has waited postgres_timeout_s, and the service is
    whole again once it answers."""
    with own_postgres() as (dsn, pg):
        settings = isolated_settings(postgres_dsn=dsn, postgres_timeout_s=1.5)
        with launched(settings, tmp_path / "logs") as service:
            tenant = await create_tenant(settings, "Stalled tenant", "enterprise")
            async with httpx.AsyncClient(base_url=service.url, timeout=30, headers={
                    "Authorization": f"Bearer {tenant['api_key']}"}) as client:
                assert await eventually(lambda: _status(client, "/health/ready", 200))
                workbook = await upload_example(client)
                path = f"/v1/workbooks/{workbook['workbook_id']}"
                assert pg.process is not None
                stopped = _with_children(pg.process.pid)  # each backend is its own session
                for pid in stopped:
                    os.kill(pid, signal.SIGSTOP)
                try:
                    began = time.monotonic()
                    stalled = await client.get(path)
                    waited = time.monotonic() - began
                finally:
                    for pid in stopped:
                        os.kill(pid, signal.SIGCONT)
                _unavailable(stalled, "PostgreSQL")
                assert waited < 10, waited
                assert await eventually(lambda: _status(client, path, 200))
