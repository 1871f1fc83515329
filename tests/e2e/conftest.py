"""The whole service on the real stack: the API and the processors run as their own processes,
under a topic prefix, schema and database of this test session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.admin import create_tenant
from infra.settings import Settings
from tests.conftest import ROOT, isolated_settings

MAX_UPLOAD = 1_000_000


@dataclass
class Service:
    settings: Settings
    url: str
    logs: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    settings = isolated_settings(max_upload_bytes=MAX_UPLOAD)
    logs = tmp_path_factory.mktemp("service-logs")
    env = {**os.environ, "RISKSTREAM_TOPIC_PREFIX": settings.topic_prefix,
           "RISKSTREAM_MONGO_DB": settings.mongo_db,
           "RISKSTREAM_MAX_UPLOAD_BYTES": str(MAX_UPLOAD), "PYTHONUNBUFFERED": "1"}
    port = _free_port()
    cli = [sys.executable, "-m", "app.cli"]
    procs = [
        subprocess.Popen([*cli, "processors"], cwd=ROOT, env=env,
                         stdout=(logs / "processors.log").open("w"), stderr=subprocess.STDOUT),
        subprocess.Popen([*cli, "api", "--port", str(port)], cwd=ROOT, env=env,
                         stdout=(logs / "api.log").open("w"), stderr=subprocess.STDOUT),
    ]
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            for proc in procs:
                if proc.poll() is not None:
                    pytest.fail(f"a service process exited: {_tail(logs)}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the API did not start: {_tail(logs)}")
            time.sleep(0.3)
        yield Service(settings, url, logs)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _tail(logs: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in logs.glob("*.log"))


async def _client(service: Service, plan: str) -> AsyncIterator[httpx.AsyncClient]:
    tenant = await create_tenant(service.settings, f"{plan} tenant", plan)
    async with httpx.AsyncClient(base_url=service.url, timeout=30, headers={
            "Authorization": f"Bearer {tenant['api_key']}"}) as client:
        client.tenant_id = tenant["tenant_id"]  # type: ignore[attr-defined]
        yield client


@pytest.fixture(scope="session")
async def enterprise(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(service, "enterprise"):
        yield client


@pytest.fixture(scope="session")
async def free(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(service, "free"):
        yield client


@pytest.fixture
async def own_tenant(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    """An enterprise tenant of this test alone, for assertions on tenant-wide totals."""
    async for client in _client(service, "enterprise"):
        yield client
