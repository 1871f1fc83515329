"""Rate limits per credential and route class: a sliding window in Redis (a sorted set of
request times per key, trimmed and counted atomically in one script), and the RateLimit-*
headers that tell clients where they stand.

A request the service answers 503 (a dependency of ours was down) is taken back out of the
window: an outage is not the client's use, and a careful client retrying through one must not
find its quota spent when the service heals."""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from redis.asyncio import Redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.faults import REDIS_UNREACHABLE

log = logging.getLogger(__name__)
WINDOW_MS = 60_000
# Trim what left the window, count, admit if under the limit; answer the remaining requests
# and how long until the oldest request in the window leaves it.
_SLIDING_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
    redis.call('ZADD', KEYS[1], now, ARGV[4])
    redis.call('PEXPIRE', KEYS[1], window)
    count = count + 1
    allowed = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local reset = window
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {allowed, limit - count, reset}
"""


@dataclass(frozen=True)
class RateDecision:
    """Whether one request fits, and the numbers for the RateLimit-* headers."""

    allowed: bool
    limit: int
    remaining: int
    reset_s: int
    # takes the request back out of the window (None: nothing was counted)
    take_back: Callable[[], Awaitable[object]] | None = field(default=None, compare=False,
                                                              repr=False)

    def headers(self) -> dict[str, str]:
        out = {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
               "RateLimit-Reset": str(self.reset_s),
               "RateLimit-Policy": f"{self.limit};w={WINDOW_MS // 1000}"}
        if not self.allowed:
            out["Retry-After"] = str(max(1, self.reset_s))
        return out


class RateLimiter:
    """Counts requests per (credential, route class) in a window of one minute."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis = redis
        self.namespace = namespace
        self._script = redis.register_script(_SLIDING_WINDOW)

    def _key(self, kind: str, credential: str, route_class: str) -> str:
        return f"{kind}:{self.namespace}:{route_class}:{credential}"

    async def hit(self, credential: str, route_class: str, limit: int) -> RateDecision:
        now_ms = int(time.time() * 1000)
        key = self._key("ratelimit", credential, route_class)
        member = f"{now_ms}-{uuid.uuid4().hex}"
        allowed, remaining, reset_ms = await self._script(
            keys=[key], args=[now_ms, WINDOW_MS, limit, member])
        return RateDecision(bool(allowed), limit, max(0, int(remaining)),
                            math.ceil(int(reset_ms) / 1000),
                            (lambda: self.redis.zrem(key, member)) if allowed else None)

    async def hit_or_open(self, credential: str, route_class: str, limit: int
                          ) -> RateDecision | None:
        """``hit``, or None when Redis cannot be reached: API reads and commands fail open (the
        log and the views are the service; the counters only guard it), while sign-ins fail
        closed (``hit``), since their limit is what stops password guessing."""
        try:
            return await self.hit(credential, route_class, limit)
        except REDIS_UNREACHABLE as exc:
            log.warning("rate limit not applied, Redis is unreachable: %r", exc)
            return None

    async def first_refusal(self, credential: str, route_class: str) -> bool:
        """Whether this is the first refusal of the credential in this window: a client hammering
        past its limit is audited once a window, not once a request."""
        return bool(await self.redis.set(self._key("ratelimit-refused", credential, route_class),
                                         1, nx=True, px=WINDOW_MS))


class RateLimitHeaders:
    """ASGI middleware: adds the RateLimit-* headers of the decision a route dependency left in
    the request state (routes may return ready-made responses, so a dependency cannot)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            decision = scope.get("state", {}).get("rate_limit")
            if message["type"] == "http.response.start" and decision is not None:
                if message["status"] == 503 and decision.take_back is not None:
                    decision = await _taken_back(decision)
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(name, v.encode()) for k, v in decision.headers().items()
                         if (name := k.lower().encode()) not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _taken_back(decision: RateDecision) -> RateDecision:
    """``decision`` after its request left the window again (if Redis lets it)."""
    assert decision.take_back is not None
    try:
        await decision.take_back()
    except REDIS_UNREACHABLE as exc:
        log.warning("a 503 answer stays counted, Redis is unreachable: %r", exc)
        return decision
    return replace(decision, remaining=min(decision.limit, decision.remaining + 1),
                   take_back=None)
