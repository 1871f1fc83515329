"""Compute seconds billed are the seconds a simulation ran, not the time it waited for a
runner slot: the runs that shared the runner's slots cannot have been billed more seconds than
the slots were busy."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx

from tests.e2e.conftest import Service
from tests.e2e.flow import ENDED, poll, start, upload_example

RUNS = 8


async def test_waiting_for_a_runner_slot_is_not_billed(service: Service,
                                                      own_tenant: httpx.AsyncClient) -> None:
    workbook = await upload_example(own_tenant)
    body = {"workbook_id": workbook["workbook_id"], "outputs": ["Model!B17"],
            "iterations": 40_000}
    answers = await asyncio.gather(*(start(own_tenant, {**body, "seed": n})
                                     for n in range(RUNS)))
    ended = [await poll(own_tenant, f"/v1/simulations/{a.json()['simulation_id']}", ENDED)
             for a in answers]
    assert {e["status"] for e in ended} == {"completed"}
    first = min(datetime.fromisoformat(e["requested_at"]) for e in ended)
    last = max(datetime.fromisoformat(e["finished_at"]) for e in ended)
    busy_s = (last - first).total_seconds() * service.settings.runner_threads
    billed_s = sum(e["compute_seconds"] for e in ended)
    # every run waited behind others for part of the span: billing the wait would exceed it
    assert 0 < billed_s <= busy_s, (billed_s, busy_s)
