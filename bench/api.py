"""API benchmark on the real stack: p50/p99 latency and throughput of an authenticated
``GET /v1/simulations/{id}`` and of ``POST /v1/simulations`` at 50 concurrent connections,
measured with wrk (Debian package ``wrk``) against the API and processors launched here."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx

from app.ops.admin import create_tenant
from app.ops.launcher import launched
from bench import scratch
from bench.cpu import CpuWatch, line
from infra.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "project-npv.xlsx"
CONNECTIONS = 50
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
# wrk prints a percentile line per level: "     50%    1.92ms"
PERCENTILE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)


def parse_wrk(output: str) -> dict[str, float]:
    """p50 and p99 in milliseconds, requests per second and failed answers from wrk's report."""
    found = {f"p{level}_ms": float(value) * UNITS_MS[unit]
             for level, value, unit in PERCENTILE.findall(output)}
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if rate is None or len(found) != 2:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    return {**found, "requests_per_second": float(rate.group(1)),
            "non_2xx": float(errors.group(1)) if errors else 0.0}


def wrk(url: str, key: str, seconds: int, body: dict[str, Any] | None = None) -> dict[str, float]:
    """One wrk run of ``seconds`` at CONNECTIONS connections on two threads."""
    if shutil.which("wrk") is None:
        raise RuntimeError("the API benchmark needs wrk: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if body is not None:
            script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(body))}\n'
                         'wrk.headers["Content-Type"] = "application/json"\n')
        script.flush()
        done = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", script.name,
             "-H", f"Authorization: Bearer {key}", url],
            capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


async def _prepare(settings: Settings, url: str) -> tuple[str, str, dict[str, Any]]:
    """A tenant's key, a completed simulation's id and a request body for new simulations."""
    tenant = await create_tenant(settings, "api bench", "enterprise")
    key = tenant["api_key"]
    async with httpx.AsyncClient(base_url=url, timeout=30,
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        uploaded = await client.post("/v1/workbooks", files={"file": (
            EXAMPLE.name, EXAMPLE.read_bytes())})
        workbook_id = uploaded.json()["workbook_id"]
        await _until(client, f"/v1/workbooks/{workbook_id}", "parsed")
        body = {"workbook_id": workbook_id, "outputs": ["Model!B17"], "iterations": 1000}
        sim_id = (await client.post("/v1/simulations", json=body)).json()["simulation_id"]
        await _until(client, f"/v1/simulations/{sim_id}", "completed")
    return key, sim_id, body


async def _until(client: httpx.AsyncClient, path: str, status: str) -> None:
    """Wait until the resource at ``path`` is projected with ``status``."""
    while (await client.get(path)).json().get("status") != status:
        await asyncio.sleep(0.1)


WARM_UP_S = 3
"""Seconds of the same load before each measured run, unmeasured: a service that has just
started opens its pools' connections and prepares its statements in the first second or so."""


def run(seconds: int = 10) -> dict[str, Any]:
    unlimited = 10**9  # the benchmark measures the API, not its rate limits
    settings = scratch.own(rate_limit_read_per_minute=unlimited,
                           rate_limit_write_per_minute=unlimited)
    with tempfile.TemporaryDirectory() as logs, launched(settings, Path(logs)) as service:
        key, sim_id, body = asyncio.run(_prepare(settings, service.url))
        cpu = CpuWatch()
        wrk(f"{service.url}/v1/simulations/{sim_id}", key, WARM_UP_S)
        cpu.start()
        read: dict[str, Any] = {**wrk(f"{service.url}/v1/simulations/{sim_id}", key, seconds),
                                "cpu_seconds": cpu.stop()}
        wrk(f"{service.url}/v1/simulations", key, WARM_UP_S, body)
        cpu.start()
        write: dict[str, Any] = {**wrk(f"{service.url}/v1/simulations", key, seconds, body),
                                 "cpu_seconds": cpu.stop()}
    return {"connections": CONNECTIONS, "seconds": seconds,
            "get_simulation": read, "post_simulation": write}


GOALS = {  # issue "Service speed": (p99 ms at most, req/s at least or None)
    "get_simulation": (50.0, 2000.0),
    "post_simulation": (100.0, None),
}


def table(result: dict[str, Any]) -> str:
    lines = [f"API at {result['connections']} concurrent connections, {result['seconds']} s each"
             f" (after {WARM_UP_S} s of the same load, unmeasured):"]
    for name, label in (("get_simulation", "GET /v1/simulations/{id}"),
                        ("post_simulation", "POST /v1/simulations")):
        r = result[name]
        p99_goal, rate_goal = GOALS[name]
        rate = f"{r['requests_per_second']:,.0f} req/s" + (
            f" (goal ≥ {rate_goal:,.0f})" if rate_goal is not None else "")
        lines.append(f"  {label}: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms"
                     f" (goal ≤ {p99_goal:.0f}), {rate}, {r['non_2xx']:.0f} not 2xx")
        if "cpu_seconds" in r:
            lines.append(f"    CPU seconds by process: {line(r['cpu_seconds'])}")
    return "\n".join(lines)
