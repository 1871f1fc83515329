"""Waking event-stream readers when the PostgreSQL projector adds a tenant's events.

The projector's transaction ends with ``pg_notify('event_log.<schema>', tenants)``, so the
notice is delivered when, and only if, the rows are visible. The API holds one listening
connection per process (:class:`FeedWakeups`); each waiting reader takes a ticket *before* it
reads the feed, so a notice that arrives between its read and its wait still wakes it. The
notice only says "look again": what a reader sends is still read from ``event_log`` after its
cursor, so resuming, ordering and the absence of gaps or repeats are the feed's, unchanged.

Readers woken together mostly stand at the same cursor; they share one read of the feed, and
one rendering of its frames (:meth:`FeedWakeups.page`), instead of each sending the same query
and formatting the same frames.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar

import asyncpg

from projections.event_feed import Cursor, EventFeed, FeedEvent

log = logging.getLogger(__name__)
T = TypeVar("T")
EVERYONE = "*"
PAYLOAD_MAX = 7000  # bytes; PostgreSQL refuses a payload of 8000 or more
RELISTEN_S = 5.0  # how often to retry listening after the connection dropped


async def notify(conn: asyncpg.Connection, tenants: Iterable[str]) -> None:
    """Within the projector's transaction: tell listeners these tenants have new events."""
    payload = ",".join(sorted(tenants))
    if not payload:
        return
    if len(payload.encode()) > PAYLOAD_MAX:
        payload = EVERYONE
    await conn.execute("SELECT pg_notify('event_log.' || current_schema(), $1)", payload)


class FeedWakeups:
    """One LISTEN connection for the process; readers wait on their tenant's next notice."""

    def __init__(self, dsn: str, schema: str) -> None:
        self.dsn, self.channel = dsn, f"event_log.{schema}"
        self._waiting: dict[str, asyncio.Event] = {}
        self._reads: dict[Hashable, asyncio.Future[Any]] = {}
        self._listener: asyncpg.Connection | None = None
        self._next_listen = 0.0

    @property
    def listening(self) -> bool:
        """False before start or after the connection dropped: readers must poll meanwhile."""
        return self._listener is not None

    async def start(self) -> None:
        """Listen, if not already; on failure readers poll until a later call succeeds."""
        loop = asyncio.get_running_loop()
        if self._listener is not None or loop.time() < self._next_listen:
            return
        self._next_listen = loop.time() + RELISTEN_S
        try:
            conn = await asyncpg.connect(self.dsn)
            await conn.add_listener(self.channel, self._notified)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("event streams poll: cannot listen on %s: %r", self.channel, exc)
            return
        conn.add_termination_listener(self._lost)
        self._listener = conn

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.close()
        self._wake(EVERYONE)

    def ticket(self, tenant_id: str) -> asyncio.Event:
        """Set by the next notice for ``tenant_id``; take it before reading the feed."""
        return self._waiting.setdefault(tenant_id, asyncio.Event())

    async def page(self, feed: EventFeed, ticket: asyncio.Event, tenant_id: str, cursor: Cursor,
                   limit: int, *, type_prefix: str | None, aggregate: str | None,
                   render: Callable[[list[FeedEvent]], T]) -> tuple[list[FeedEvent], Cursor, T]:
        """``feed.page`` and ``render`` of its events, shared by the readers that hold the same
        ticket and ask the same: a read begun by any of them began after the ticket was issued,
        so it sees every event notified before, and a later notice sets the ticket and sends
        them all round again. Rendered once, a page costs a reader only its write."""

        async def read() -> tuple[list[FeedEvent], Cursor, T]:
            events, after, _more = await feed.page(tenant_id, cursor, limit,
                                                   type_prefix=type_prefix, aggregate=aggregate)
            return events, after, render(events)

        return await self._shared(
            ("page", ticket, tenant_id, tuple(sorted(cursor.items())), limit, type_prefix,
             aggregate, render), read)

    async def backlog(self, feed: EventFeed, ticket: asyncio.Event, tenant_id: str,
                      cursor: Cursor, cap: int, *, type_prefix: str | None,
                      aggregate: str | None) -> int:
        """``feed.backlog``, shared as :meth:`page` is by readers standing at the same cursor."""
        return await self._shared(
            ("backlog", ticket, tenant_id, tuple(sorted(cursor.items())), cap, type_prefix,
             aggregate),
            lambda: feed.backlog(tenant_id, cursor, cap, type_prefix=type_prefix,
                                 aggregate=aggregate))

    async def _shared(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        """The result of ``read()``, begun by the first reader to ask ``key`` and awaited by
        all that ask it before it ends; one reader going away does not cancel the others'."""
        pending = self._reads.get(key)
        if pending is None:
            pending = asyncio.ensure_future(read())
            self._reads[key] = pending
            pending.add_done_callback(lambda _done: self._reads.pop(key, None))
        result: T = await asyncio.shield(pending)
        return result

    def _notified(self, conn: object, pid: int, channel: str, payload: str) -> None:
        for tenant_id in payload.split(","):
            self._wake(tenant_id)

    def _wake(self, tenant_id: str) -> None:
        if tenant_id == EVERYONE:
            waiting, self._waiting = list(self._waiting.values()), {}
        else:
            found = self._waiting.pop(tenant_id, None)
            waiting = [] if found is None else [found]
        for event in waiting:
            event.set()

    def _lost(self, conn: object) -> None:
        log.warning("event streams poll: the listening connection dropped")
        self._listener = None
        self._wake(EVERYONE)
