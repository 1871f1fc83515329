"""How many simulations a runner computes at once, and which wait for which.

A run computes in a worker thread, CPU-bound. Small runs (up to ``SMALL_RUN_TRIALS`` trials)
take tens of milliseconds each: they have a lane of their own, twice as wide as the machine has
cores (a run also waits on its blob and its transactions), so a burst of them is done in a few
rounds and none waits behind a large run. Large runs and the chunks of split runs share the
other lane, ``runner_threads`` wide: each holds a core for seconds and memory in proportion to
its trials, so that lane is where a deployment sets what one runner may hold at once. Each lane
counts what waits in it for a slot: the runner's queue depth.
"""

from __future__ import annotations

import asyncio
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

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


class Lane(asyncio.Semaphore):
    """A lane's slots, counting the runs (and chunks) that wait for one."""

    def __init__(self, name: str, width: int) -> None:
        super().__init__(width)
        self.name = name
        self._waiting = 0

    def waiting(self) -> int:
        """How many wait for a slot now."""
        return self._waiting

    async def acquire(self) -> Literal[True]:
        self._waiting += 1
        try:
            return await super().acquire()
        finally:
            self._waiting -= 1


class Slot:
    """A lane's slot for a block, which the block may give up before it ends (a small run
    found heavy, moving to the large lane)."""

    def __init__(self, lane: Lane) -> None:
        self.lane, self.held = lane, False

    async def __aenter__(self) -> Slot:
        await self.lane.acquire()
        self.held = True
        return self

    async def __aexit__(self, *_: object) -> None:
        self.give_up()

    def give_up(self) -> None:
        if self.held:
            self.held = False
            self.lane.release()


@dataclass(frozen=True)
class Lanes:
    """The runner's two lanes of slots."""

    small: Lane
    large: Lane

    @classmethod
    def for_machine(cls, large_width: int, cpus: int | None = None) -> Lanes:
        return cls(Lane("small", 2 * (cpus or cores())), Lane("large", large_width))

    def of(self, trials: int) -> Lane:
        """The lane a run of ``trials`` trials waits in."""
        return self.small if trials <= SMALL_RUN_TRIALS else self.large
