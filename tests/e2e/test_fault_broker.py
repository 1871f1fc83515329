"""The broker killed (``kill -9``) during a burst of commands, then started again: clients that
retry an uncertain answer with the same Idempotency-Key get one simulation per key, each run
and billed once, and every 503 on the way said so honestly (Retry-After, no false claim)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from app.ops.admin import create_tenant
from app.ops.launcher import launched
from tests.conftest import isolated_settings
from tests.e2e.faults import billed, eventually, replay_equals_live
from tests.e2e.flow import ENDED, poll, upload_example
from tests.e2e.own_stack import own_kafka

COMMANDS = 40
SPREAD_S = 0.1  # between the commands' first tries: the burst lasts four seconds


async def _command(client: httpx.AsyncClient, body: dict[str, Any], key: str,
                   answers: list[tuple[int, str]], delay_s: float) -> str:
    """POST until the command is acknowledged, as a careful client does: same key each time."""
    await asyncio.sleep(delay_s)
    deadline = asyncio.get_running_loop().time() + 150
    while True:
        try:
            response = await client.post("/v1/simulations", json=body,
                                         headers={"Idempotency-Key": key})
            answers.append((response.status_code, response.text))
            if response.status_code == 202:
                return str(response.json()["simulation_id"])
            assert response.status_code in (409, 503), response.text
            assert "retry-after" in response.headers
        except httpx.TransportError as exc:
            answers.append((0, repr(exc)))
        assert asyncio.get_running_loop().time() < deadline, answers[-5:]
        await asyncio.sleep(0.5)


async def test_a_broker_crash_during_a_burst_loses_nothing_and_doubles_nothing(
        tmp_path: Path) -> None:
    with own_kafka(tmp_path) as (bootstrap, broker):
        settings = isolated_settings(kafka_bootstrap=bootstrap, kafka_timeout_s=3.0)
        with launched(settings, tmp_path / "logs") as service:
            tenant = await create_tenant(settings, "Burst tenant", "enterprise")
            async with httpx.AsyncClient(base_url=service.url, timeout=20, headers={
                    "Authorization": f"Bearer {tenant['api_key']}"}) as client:
                workbook = await upload_example(client)
                body = {"workbook_id": workbook["workbook_id"], "outputs": ["Model!B17"],
                        "iterations": 2000}
                answers: list[tuple[int, str]] = []

                async def crash() -> None:
                    await asyncio.sleep(1)
                    await asyncio.to_thread(broker.kill)
                    await asyncio.sleep(2)
                    await asyncio.to_thread(broker.start)

                crashing = asyncio.create_task(crash())
                ids = await asyncio.gather(*(
                    _command(client, {**body, "seed": n}, f"burst-{n}", answers,
                             n * SPREAD_S)
                    for n in range(COMMANDS)))
                await crashing
                assert len(set(ids)) == COMMANDS
                unavailable = [text for status, text in answers if status == 503]
                assert unavailable, "the broker crash was not seen by any command"
                assert all("nothing was recorded" not in t or "unreachable" in t
                           for t in unavailable), unavailable

                ended = [await poll(client, f"/v1/simulations/{s}", ENDED, timeout_s=180)
                         for s in ids]
                assert {e["status"] for e in ended} == {"completed"}, ended
                listed = (await client.get("/v1/simulations", params={"limit": 500})).json()
                assert len(listed["simulations"]) == COMMANDS  # no second simulation per key

                async def all_billed() -> dict[str, Any] | None:
                    records = await billed(settings, ids)
                    return records if len(records) == COMMANDS else None

                records = await eventually(all_billed, timeout_s=90)
                assert all(r["records"] == 1 for r in records.values()), records
            await replay_equals_live(settings)
