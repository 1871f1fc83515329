"""The whole service on the real stack: the API and the processors run as their own processes,
under a topic prefix, schema and database of this test session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from app.ops.admin import create_platform_admin, create_tenant
from app.ops.launcher import RunningService, launched
from tests.conftest import isolated_settings

MAX_UPLOAD = 1_000_000


Service = RunningService
# webhooks go to receivers on loopback, on a retry schedule compressed to fractions of a second;
# event streams poll quickly and cut off readers 50 events behind
SUBSCRIBERS: dict[str, object] = {
    "webhook_allow_private_networks": True, "webhook_allowed_ports": "1024-65535",
    "webhook_retry_schedule_s": [0, 0.2, 0.4, 0.8, 1, 1, 1, 1], "webhook_timeout_s": 3,
    "webhook_disable_after_s": 4, "sse_poll_s": 0.1, "sse_heartbeat_s": 1, "sse_max_lag": 50,
}


API_WORKERS = 2


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    # every test signs in from 127.0.0.1: the sign-in limit is tested with an app of its own;
    # each processor serves its metrics on a free port (its heartbeat says which)
    # the OIDC tests' provider serves plain http on loopback and rotates its keys at will
    # API_WORKERS API processes, whatever the machine's cores: the tests meet several workers;
    # the processors 10 nice steps below them (processor_nice), as where both share cores
    settings = isolated_settings(max_upload_bytes=MAX_UPLOAD, rate_limit_login_per_minute=10_000,
                                 metrics_port=0, api_workers=API_WORKERS, processor_nice=10,
                                 oidc_allow_http_issuers=True, oidc_keys_refetch_s=0,
                                 **SUBSCRIBERS)
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


@pytest.fixture(scope="session")
async def operator(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    """A platform admin's client, with the key the CLI's ``platform-admin`` command issues."""
    admin = await create_platform_admin(service.settings)
    async with httpx.AsyncClient(base_url=service.url, timeout=30, headers={
            "Authorization": f"Bearer {admin['api_key']}"}) as client:
        yield client
