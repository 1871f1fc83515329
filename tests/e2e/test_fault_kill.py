"""``kill -9`` of every processor process in the middle of a simulation and of a burst of
requests: the supervisor brings each back, each resumes from its committed offsets, and every
simulation ends once, billed once, with nothing lost."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx

from app.ops.admin import create_tenant
from app.ops.launcher import launched
from app.ops.workers import PROCESSORS
from infra.settings import Settings
from tests.conftest import isolated_settings
from tests.e2e.faults import billed, eventually, processor_pids, replay_equals_live
from tests.e2e.flow import ENDED, poll, start, upload_example


async def test_kill_9_of_every_processor_loses_nothing_and_doubles_nothing(
        tmp_path: Path) -> None:
    settings = isolated_settings()
    with launched(settings, tmp_path / "logs") as service:
        first = await eventually(lambda: _all_beating(service.settings))
        tenant = await create_tenant(settings, "Kill tenant", "enterprise")
        async with httpx.AsyncClient(base_url=service.url, timeout=30, headers={
                "Authorization": f"Bearer {tenant['api_key']}"}) as client:
            workbook = await upload_example(client)
            body = {"workbook_id": workbook["workbook_id"], "outputs": ["Model!B17"],
                    "iterations": 200_000, "seed": 7}
            running = (await start(client, body)).json()["simulation_id"]
            await poll(client, f"/v1/simulations/{running}", {"running", *ENDED})
            for pid in first.values():
                os.kill(pid, signal.SIGKILL)
            # requests made while every processor is down wait in the log
            burst = []
            for n in range(5):
                response = await start(client, {**body, "iterations": 5000, "seed": n},
                                       {"Idempotency-Key": f"burst-{n}"})
                assert response.status_code == 202, response.text
                burst.append(response.json()["simulation_id"])

            restarted = await eventually(lambda: _all_beating(service.settings, first))
            assert set(restarted) == set(first)
            assert all(restarted[n] != first[n] for n in first)
            ended = [await poll(client, f"/v1/simulations/{s}", ENDED, timeout_s=120)
                     for s in [running, *burst]]
            assert [e["status"] for e in ended] == ["completed"] * 6, ended
            sims = [running, *burst]
            records = await eventually(lambda: _all_reported(settings, sims), timeout_s=60)
            assert all(r["records"] == 1 for r in records.values()), records
            assert records[running]["iterations"] == 200_000
            usage = (await client.get("/v1/usage")).json()
            assert usage["totals"]["simulations"] == 6, usage
        await replay_equals_live(settings)


async def _all_beating(settings: Settings, before: dict[str, int] | None = None
                       ) -> dict[str, int] | None:
    """Each processor's one pid once all beat (and, given ``before``, all are new ones)."""
    found = await processor_pids(settings)
    if set(found) != set(PROCESSORS) or any(len(p) != 1 for p in found.values()):
        return None
    pids = {name: p[0] for name, p in found.items()}
    if before is not None and any(pids[n] == before[n] for n in before):
        return None
    return pids


async def _all_reported(settings: Settings, sims: list[str]
                        ) -> dict[str, dict[str, object]] | None:
    records = await billed(settings, sims)
    if len(records) == len(sims) and all(r["reported"] == r["records"] for r in
                                         records.values()):
        return records
    return None
