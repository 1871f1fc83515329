"""The retention sweeper: on a schedule, reads which results the views still hold and records
``simulation.results_expired`` for those past their tenant's retention; the projector removes
them when it applies that event. A sweep repeated before the projector caught up records an
expiry twice, which removes nothing more."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from streams.envelope import Envelope, utcnow
from streams.retention import Held, expirations

log = logging.getLogger(__name__)


class RetentionSweeper:
    """Sweeps every ``every_s`` seconds; ``clock`` and the two ports are injected for tests."""

    def __init__(self, held: Callable[[], Awaitable[list[Held]]],
                 append: Callable[[list[Envelope]], Awaitable[None]], every_s: float,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.held, self.append, self.every_s, self.clock = held, append, every_s, clock

    async def sweep(self) -> list[Envelope]:
        """One sweep; returns the expiries it recorded."""
        events = expirations(self.clock(), await self.held())
        if events:
            await self.append(events)
            log.info("retention: results of %d simulations expired", len(events))
        return events

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.sweep()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every_s)
