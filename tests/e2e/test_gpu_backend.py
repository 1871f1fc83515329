"""A run on the cupy backend needs a runner with a GPU: the runners say in their heartbeats
which backends they can run, and where none can run cupy the request is refused at once (409,
naming the backend and what would be accepted), not accepted and failed later."""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from app.ops.heartbeats import RUNNER, instances
from engines.xp import cupy_unavailable_reason
from tests.e2e.conftest import Service
from tests.e2e.flow import ENDED, poll, start, upload_example


async def test_cupy_is_accepted_only_where_a_runner_has_a_gpu(
        service: Service, enterprise: httpx.AsyncClient) -> None:
    workbook = await upload_example(enterprise)
    here = ["numpy"] + (["cupy"] if cupy_unavailable_reason() is None else [])
    redis = Redis.from_url(service.settings.redis_url, decode_responses=True)
    try:
        runners = (await instances(redis, service.settings))[RUNNER]
    finally:
        await redis.aclose()
    assert runners and all(runner["backends"] == here for runner in runners)

    request = {"workbook_id": workbook["workbook_id"], "outputs": ["Model!B17"],
               "inputs": {"Model!B2": "normal(10000, 1500)"}, "iterations": 1000, "seed": 1}
    on_gpu = await start(enterprise, {**request, "backend": "cupy"})
    if "cupy" in here:
        assert on_gpu.status_code == 202, on_gpu.text
    else:
        assert on_gpu.status_code == 409, on_gpu.text
        assert "no simulation runner with a usable GPU" in on_gpu.text
        assert "use backend 'numpy'" in on_gpu.text
    on_cpu = await start(enterprise, {**request, "backend": "numpy"})
    assert on_cpu.status_code == 202, on_cpu.text
    done = await poll(enterprise, on_cpu.json()["links"]["self"], ENDED)
    assert done["status"] == "completed", done
