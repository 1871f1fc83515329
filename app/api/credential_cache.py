"""Who a credential is, remembered in the API process so that a request does not wait on a
database round trip for it.

Revocation bound: an entry is forgotten the moment PostgreSQL commits a change to the rows that
answer it (a key revoked, a role changed, a user erased, a tenant's plan or status: the
triggers of migration 007 notify ``riskstream_credentials``), and in any case
``credential_cache_ttl_s`` after it was read. While the process is not listening (before
start, or after its listening connection dropped) nothing is cached, so a missed notice can
never extend that bound. Only live credentials are remembered: an unknown key is looked up
again each time, so a key starts working as soon as it is projected. Requests that miss the
same credential together (a burst after an invalidation, or after the entry's time ran out)
share one read, never one begun before the last invalidation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from projections.tenancy_queries import Directory

log = logging.getLogger(__name__)
CHANNEL = "riskstream_credentials"
MAX_ENTRIES = 100_000  # a bound on memory; past it the cache starts over
RELISTEN_S = 5.0  # how often to retry listening after the connection dropped
LISTEN_TIMEOUT_S = 10.0
Principal = dict[str, Any]


class CredentialCache:
    """``principal_for_key`` and ``principal_for_user`` of :class:`Directory`, remembered."""

    def __init__(self, directory: Directory, dsn: str, schema: str, ttl_s: float) -> None:
        self.directory = directory
        self.dsn = dsn
        self.schema = schema
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._generation = 0  # bumped by every invalidation: a read begun before it is not kept
        # reads under way, by name and generation: requests that miss together share one
        self._reading: dict[tuple[str, int], asyncio.Future[Principal | None]] = {}
        self._listener: asyncpg.Connection | None = None
        self._next_listen = 0.0

    async def start(self) -> None:
        """Listen for credential changes; until this succeeds, nothing is cached."""
        if self.ttl_s <= 0 or self._listener is not None:
            return
        self._next_listen = time.monotonic() + RELISTEN_S
        try:
            conn = await asyncpg.connect(self.dsn, timeout=LISTEN_TIMEOUT_S)
            await conn.add_listener(CHANNEL, self._changed)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            log.warning("credentials are not cached, cannot listen for changes: %r", exc)
            return
        conn.add_termination_listener(self._lost)
        self._listener = conn

    async def close(self) -> None:
        self._next_listen = float("inf")
        listener, self._listener = self._listener, None
        self.forget()
        if listener is not None:
            await listener.close()

    def forget(self) -> None:
        self._generation += 1
        self._entries.clear()

    def _changed(self, conn: object, pid: int, channel: str, schema: str) -> None:
        if schema == self.schema:
            self.forget()

    def _lost(self, conn: object) -> None:
        log.warning("the credential change listener's connection dropped; not caching")
        self._listener = None
        self.forget()

    async def principal_for_key(self, key_hash: str) -> Principal | None:
        return await self._cached(f"key:{key_hash}",
                                  lambda: self.directory.principal_for_key(key_hash))

    async def principal_for_user(self, user_id: str) -> Principal | None:
        return await self._cached(f"user:{user_id}",
                                  lambda: self.directory.principal_for_user(user_id))

    async def _cached(self, name: str, read: Callable[[], Awaitable[Principal | None]]
                      ) -> Principal | None:
        now = time.monotonic()
        if self._listener is None:
            if self.ttl_s > 0 and now >= self._next_listen:
                await self.start()
            if self._listener is None:
                return await read()
        entry = self._entries.get(name)
        if entry is not None and entry[0] > now:
            return entry[1]
        # a read begun before the last invalidation is never joined: after a revocation's
        # notice, a request reads afresh
        shared = (name, self._generation)
        reading = self._reading.get(shared)
        if reading is None:
            reading = self._reading[shared] = asyncio.ensure_future(
                self._read(name, shared[1], now, read))
            reading.add_done_callback(lambda done: self._settled(shared, done))
        # a caller that gives up (its request cancelled) leaves the read to the others
        return await asyncio.shield(reading)

    async def _read(self, name: str, generation: int, now: float,
                    read: Callable[[], Awaitable[Principal | None]]) -> Principal | None:
        found = await read()
        if found is not None and generation == self._generation and self._listener is not None:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[name] = (now + self.ttl_s, found)
        return found

    def _settled(self, shared: tuple[str, int], done: asyncio.Future[Principal | None]) -> None:
        self._reading.pop(shared, None)
        if not done.cancelled():
            done.exception()  # retrieved: every caller may have given up before it ended
