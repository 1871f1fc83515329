"""Three runner instances in one group share the simulations, and the chunks of a run large
enough to be split among them; one is ``kill -9``'d while runs are under way: its partitions
move to the others, which run their unfinished simulations and chunks again. Every simulation
completes once, is billed once, and its results are bit for bit those of a single run of the
engine with the same request and seed, the split one included."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx

from app.admin import create_tenant
from app.launcher import ROOT, launched, service_env
from engines.service import WorkbookEngine
from tests.conftest import EXAMPLE, isolated_settings
from tests.e2e.faults import billed, eventually, processor_pids
from tests.e2e.flow import ENDED, poll, start, upload_example
from tests.integration.helpers import events_of

SIMULATIONS = 20  # the split one and 19 whole ones
SPLIT_TRIALS = 3_000_000  # above the engine's split threshold: 30 chunks of 100,000


async def test_three_runners_one_killed_every_simulation_once_and_exact(tmp_path: Path) -> None:
    settings = isolated_settings()
    with launched(settings, tmp_path / "logs") as service:
        extra = [subprocess.Popen(
            [sys.executable, "-m", "app.cli", "processor", "simulation-runner"], cwd=ROOT,
            env={**service_env(settings), "RISKSTREAM_INSTANCE": str(n)},
            stdout=(tmp_path / f"runner-{n}.log").open("wb"), stderr=subprocess.STDOUT)
            for n in (1, 2)]
        try:
            async def three_runners() -> bool:
                return len((await processor_pids(settings)).get("simulation-runner", [])) == 3

            await eventually(three_runners, timeout_s=60)
            tenant = await create_tenant(settings, "Runners tenant", "enterprise")
            async with httpx.AsyncClient(base_url=service.url, timeout=30, headers={
                    "Authorization": f"Bearer {tenant['api_key']}"}) as client:
                workbook = await upload_example(client)
                body = {"workbook_id": workbook["workbook_id"], "outputs": ["Model!B17"],
                        "inputs": {"Model!B2": "normal(10000, 1500)"}, "iterations": 60_000}
                split = await start(client, {**body, "iterations": SPLIT_TRIALS, "seed": 99})
                answers = await asyncio.gather(*(start(client, {**body, "seed": n})
                                                 for n in range(SIMULATIONS - 1)))
                ids = [a.json()["simulation_id"] for a in [split, *answers]]
                await asyncio.sleep(1.5)
                os.kill(extra[0].pid, signal.SIGKILL)  # mid-run: its partitions move
                ended = [await poll(client, f"/v1/simulations/{s}", ENDED, timeout_s=180)
                         for s in ids]
            assert {e["status"] for e in ended} == {"completed"}, ended
            completions = Counter(e.key for e in await events_of(settings, "simulations")
                                  if e.type == "simulation.completed")
            assert completions == {s: 1 for s in ids}

            async def all_billed() -> dict[str, dict[str, object]] | None:
                records = await billed(settings, ids)
                return records if len(records) == SIMULATIONS else None

            records = await eventually(all_billed, timeout_s=60)
            assert {r["records"] for r in records.values()} == {1}
            assert records[ids[0]]["iterations"] == SPLIT_TRIALS
            chunks = Counter(e.data["chunk"]["index"] for e in await events_of(
                settings, "simulations") if e.type == "chunk.completed")
            assert set(chunks) == set(range(30))  # every chunk merged once, whoever ran it

            engine, data = WorkbookEngine(), EXAMPLE.read_bytes()
            for done in ended[:4]:  # the split run and three whole ones
                alone = engine.simulate(data, done["request"], lambda _done, _total: True)
                assert json.loads(json.dumps(alone["outputs"])) == done["results"]["outputs"]
        finally:
            for process in extra:
                process.kill()
                process.wait()
