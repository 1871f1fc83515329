"""A request the service answers 503 is taken back out of the client's rate-limit window (the
outage was ours, not the client's use); every other answer stays counted. On the stack's Redis,
through the real middleware."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from starlette.types import Receive, Scope, Send

from app.api.ratelimit import RateLimiter, RateLimitHeaders
from infra.settings import Settings
from tests.conftest import api_redis_at, isolated_settings, silent_server

LIMIT = 3


@pytest.fixture
async def limiter() -> AsyncIterator[RateLimiter]:
    settings: Settings = isolated_settings()
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        yield RateLimiter(redis, f"test-{uuid.uuid4().hex[:8]}")
    finally:
        await redis.aclose()


def _service(limiter: RateLimiter, credential: str) -> RateLimitHeaders:
    """An API whose one route counts the request, then answers the status the path asks for
    (or 429 when over the limit), as the routes' dependency and handlers do."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        decision = await limiter.hit(credential, "write", LIMIT)
        scope.setdefault("state", {})["rate_limit"] = decision
        status = int(scope["path"].strip("/")) if decision.allowed else 429
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return RateLimitHeaders(app)


async def test_a_503_answer_is_not_counted_and_others_are(limiter: RateLimiter) -> None:
    transport = httpx.ASGITransport(app=_service(limiter, uuid.uuid4().hex))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        first = await client.post("/202")
        assert first.status_code == 202 and first.headers["ratelimit-remaining"] == "2"
        outages = [await client.post("/503") for _ in range(2 * LIMIT)]
        # each 503 reports the budget as it stands once that request is taken back
        assert [r.headers["ratelimit-remaining"] for r in outages] == ["2"] * (2 * LIMIT)
        assert [r.status_code for r in outages] == [503] * (2 * LIMIT)
        statuses = [(await client.post(path)).status_code for path in ("/422", "/202", "/202")]
        assert statuses == [422, 202, 429]  # a client error is counted like a success


async def test_a_refusal_takes_nothing_back(limiter: RateLimiter) -> None:
    credential = uuid.uuid4().hex
    for _ in range(LIMIT):
        assert (await limiter.hit(credential, "write", LIMIT)).allowed
    refused = await limiter.hit(credential, "write", LIMIT)
    assert not refused.allowed and refused.take_back is None


async def test_a_stalled_redis_costs_a_request_the_timeout_then_fails_open() -> None:
    """A Redis that accepts connections and never answers (paused): the limit is not applied,
    after ``redis_timeout_s``, rather than every request hanging until it answers."""
    import time

    async with silent_server() as port, api_redis_at(port, 0.3) as (redis, _):
        began = time.monotonic()
        decision = await RateLimiter(redis, "stalled").hit_or_open("key", "write", LIMIT)
        assert decision is None and time.monotonic() - began < 2.0
