"""The whole service on the real stack: the API and the processors run as their own processes,
under a topic prefix, schema and database of this test session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from app.admin import create_tenant
from app.launcher import RunningService, launched
from tests.conftest import isolated_settings

MAX_UPLOAD = 1_000_000


Service = RunningService


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    settings = isolated_settings(max_upload_bytes=MAX_UPLOAD)
    with launched(settings, tmp_path_factory.mktemp("service-logs")) as running:
        yield running


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
