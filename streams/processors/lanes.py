"""How many simulations a runner computes at once, and which wait for which.

A run computes in a worker thread or process, CPU-bound. Small runs (up to
``SMALL_RUN_TRIALS`` trials) take tens of milliseconds each: they have a lane of their own,
``SMALL_PER_CORE`` slots a core, where runs of one model that wait together for a worker of the
small-run pool are computed as one job (``enginepool``), and none waits behind a large run.
Large runs and the chunks of split runs share the other lane, ``runner_threads`` wide: each
holds a core for seconds and memory in proportion to its trials, so that lane is where a
deployment sets what one runner may hold at once. In each lane tenants take turns (see
``Lane``), and each counts what waits in it for a slot: the runner's queue depth.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

SMALL_PER_CORE = 8
"""Small-run slots per core. A small run holds its slot while it reads its workbook and waits
for a worker of the pool (one per core, ``enginepool``), where the runs of one model that wait
together are computed as one job: enough of them must wait for a job to take several."""

SMALL_RUN_TRIALS = 100_000
"""Runs up to this many trials are small: under half a second of compute on the example model."""


def cores(cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """The cores this process may use: those it may run on (its affinity, not the machine's
    count), fewer where its control group's CPU quota allows less (a container's CPU limit:
    ``cpu.max`` of cgroup v2, ``cpu.cfs_quota_us`` of v1), rounded up."""
    try:
        allowed = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
    quota = _quota(cgroup)
    return max(1, min(allowed, math.ceil(quota))) if quota is not None else allowed


def _quota(cgroup: Path) -> float | None:
    """The control group's CPU quota in cores, or None when it has none."""
    try:
        limit, period = (cgroup / "cpu.max").read_text().split()[:2]
        return None if limit == "max" else int(limit) / int(period)
    except (OSError, ValueError):
        pass
    try:
        limit = (cgroup / "cpu" / "cpu.cfs_quota_us").read_text().strip()
        period = (cgroup / "cpu" / "cpu.cfs_period_us").read_text().strip()
        return None if int(limit) <= 0 else int(limit) / int(period)
    except (OSError, ValueError):
        return None


class Lane:
    """A lane's slots, handed out fairly between tenants: a freed slot goes to the waiting
    tenant that holds the fewest slots of the lane (of equals, the one given a slot longest
    ago, so that in a lane one slot wide tenants take turns), each
    tenant's own runs in the order they came. A tenant that queued a hundred large runs thus
    delays another tenant's run by one run's end, not by the hundred. Counts what waits."""

    def __init__(self, name: str, width: int) -> None:
        self.name = name
        self.width = width
        self._free = width
        self._queues: dict[str, deque[asyncio.Future[None]]] = {}  # in the order they came
        self._held: Counter[str] = Counter()
        self._given: dict[str, int] = {}  # when each tenant holding or waiting last got a slot
        self._handed = 0

    def waiting(self) -> int:
        """How many wait for a slot now."""
        return sum(len(queue) for queue in self._queues.values())

    def locked(self) -> bool:
        """Whether every slot is taken."""
        return self._free == 0

    async def acquire(self, tenant: str = "") -> Literal[True]:
        if self._free > 0 and not self._queues:
            self._take(tenant)
            return True
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(tenant, deque()).append(granted)
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.release(tenant)  # handed a slot as it was cancelled: the next one's
            else:
                self._forget(tenant, granted)
            raise
        return True

    def release(self, tenant: str = "") -> None:
        self._held[tenant] -= 1
        if self._held[tenant] <= 0:
            del self._held[tenant]
            self._forget_given(tenant)
        self._free += 1
        self._hand_on()

    def _take(self, tenant: str) -> None:
        self._free -= 1
        self._held[tenant] += 1
        self._given[tenant] = self._handed
        self._handed += 1

    def _hand_on(self) -> None:
        while self._free > 0 and self._queues:
            tenant = min(self._queues, key=lambda t: (self._held[t], self._given.get(t, -1)))
            queue = self._queues[tenant]
            granted = queue.popleft()
            if not queue:
                del self._queues[tenant]
            if not granted.done():
                self._take(tenant)
                granted.set_result(None)
            self._forget_given(tenant)

    def _forget(self, tenant: str, granted: asyncio.Future[None]) -> None:
        queue = self._queues.get(tenant)
        if queue is not None and granted in queue:
            queue.remove(granted)
            if not queue:
                del self._queues[tenant]
                self._forget_given(tenant)

    def _forget_given(self, tenant: str) -> None:
        """A tenant neither holding nor waiting is not remembered."""
        if tenant not in self._held and tenant not in self._queues:
            self._given.pop(tenant, None)

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *_: object) -> None:
        self.release()


class Slot:
    """A lane's slot for a block, taken for a tenant, which the block may give up before it
    ends (a small run found heavy, moving to the large lane)."""

    def __init__(self, lane: Lane, tenant: str = "") -> None:
        self.lane, self.tenant, self.held = lane, tenant, False

    async def __aenter__(self) -> Slot:
        await self.lane.acquire(self.tenant)
        self.held = True
        return self

    async def __aexit__(self, *_: object) -> None:
        self.give_up()

    def give_up(self) -> None:
        if self.held:
            self.held = False
            self.lane.release(self.tenant)


@dataclass(frozen=True)
class Lanes:
    """The runner's two lanes of slots."""

    small: Lane
    large: Lane

    @classmethod
    def for_machine(cls, large_width: int, cpus: int | None = None) -> Lanes:
        return cls(Lane("small", SMALL_PER_CORE * (cpus or cores())),
                   Lane("large", large_width))

    def of(self, trials: int) -> Lane:
        """The lane a run of ``trials`` trials waits in."""
        return self.small if trials <= SMALL_RUN_TRIALS else self.large
