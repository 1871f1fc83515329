"""Rate limits per credential and route class, in Redis: over the limit a request gets 429 with
Retry-After and RateLimit-* headers, other credentials and classes are unaffected, and the
refusal is audited. The API runs in-process here, with small limits, on the session's stack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.api.main import create_app
from app.ops.admin import create_tenant
from tests.e2e.conftest import Service
from tests.integration.helpers import wait_for


@pytest.fixture
async def strict_api(service: Service) -> AsyncIterator[httpx.ASGITransport]:
    settings = service.settings.model_copy(update={
        "rate_limit_read_per_minute": 3, "rate_limit_write_per_minute": 2,
        "rate_limit_login_per_minute": 2})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        # an address of its own: sign-ins are counted per client address
        yield httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))


async def test_over_the_limit_is_429_with_headers_per_credential_and_class(
        service: Service, strict_api: httpx.ASGITransport) -> None:
    first = await create_tenant(service.settings, "limited", "pro")
    second = await create_tenant(service.settings, "other", "pro")

    def client(key: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=strict_api, base_url="http://api",
                                 headers={"Authorization": f"Bearer {key}"})

    async with client(first["api_key"]) as api, client(second["api_key"]) as other:
        remaining = []
        for _ in range(3):
            ok = await api.get("/v1/simulations")
            assert ok.status_code == 200
            assert ok.headers["ratelimit-limit"] == "3"
            remaining.append(int(ok.headers["ratelimit-remaining"]))
        assert remaining == [2, 1, 0]
        refused = await api.get("/v1/simulations")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["ratelimit-remaining"] == "0"
        assert "3 read requests a minute" in refused.json()["detail"]
        assert (await api.get("/v1/simulations")).status_code == 429  # audited once a window
        assert (await other.get("/v1/simulations")).status_code == 200  # another credential
        writes = [(await api.post("/v1/simulations", json={})).status_code for _ in range(3)]
        assert writes == [422, 422, 429]  # writes have a budget of their own

    async with httpx.AsyncClient(transport=strict_api, base_url="http://api") as anonymous:
        attempts = [(await anonymous.post("/v1/auth/token", json={
            "email": "nobody@example.com", "password": "guess"})).status_code for _ in range(3)]
        assert attempts == [401, 401, 429]

    async with httpx.AsyncClient(base_url=service.url, headers={
            "Authorization": f"Bearer {first['api_key']}"}) as audit_reader:
        async def audited() -> list[dict]:  # type: ignore[type-arg]
            response = await audit_reader.get("/v1/audit/security",
                                              params={"action": "auth.rate_limited"})
            rows = list(response.json()["events"])
            return rows if len(rows) >= 2 else []

        rows = await wait_for(audited)
        assert sorted(r["detail"]["route_class"] for r in rows) == ["read", "write"]
        assert all(r["path"] == "/v1/simulations" and r["severity"] == "warning" for r in rows)
