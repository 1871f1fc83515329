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
import os
from dataclasses import dataclass
from typing import Literal

SMALL_RUN_TRIALS = 100_000
"""Runs up to this many trials are small: under half a second of compute on the example model."""


def cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


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
