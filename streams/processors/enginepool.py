"""Small runs computed in worker processes, beside the simulation runner's event loop.

A small run (see ``streams.processors.lanes``) is tens of milliseconds of compute, most of it
Python between numpy calls, which holds the interpreter lock. In threads of the runner, small
runs shared one core whatever the machine had (the example model: 55-57 runs/s on two cores),
and held the lock from the event loop that sends their events. In worker processes, one per
core, they compute side by side (131-143 runs/s on the same two cores), and the loop only
waits for their answers.

A small run ends within a fraction of a second, so a pooled run reports no progress and is not
stopped midway: a cancel that comes while it computes finds it ended. One that passes BUDGET_S
is stopped at its next chunk, slice of trials or batch of draws (``engines.budget``) and
computed again in the runner's large lane. Large runs stay in
the runner's threads, where progress and cancelling work between chunks. A worker that dies
(killed for memory, or a crash in a library) breaks the pool: it is started again and each run
it held is computed once more; a run that breaks a fresh pool too fails with that reason, and
no other run fails with it. Workers end with the process that started them.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from engines.budget import OverBudget, cpu_budget
from engines.simulation import SimulationSpec
from infra.lifetime import end_with_parent

log = logging.getLogger(__name__)


def _start_worker(parent: int) -> None:
    """A worker ends with the process that started it (a runner killed outright leaves no
    worker behind), and loads the engine before its first run."""
    end_with_parent(parent)
    _warm()


def _warm() -> None:
    """Load the engine, so that a worker's first run does not pay for it."""
    import engines.service  # noqa: F401


BUDGET_S = 2.0
"""A pooled run's compute (its workbook read and compiled included) before it is stopped, at
the end of a chunk, as no small run: ``{"over_budget": True}`` tells the runner to compute it
again in its large lane, where progress is reported and a cancel stops it. A run of few trials
can still be heavy (a RiskCompound drawing thousands of occurrences a trial); this keeps one
from holding a small-run worker, and every small run queued behind it, for minutes."""


def simulate(data: bytes, spec: SimulationSpec) -> dict[str, Any]:
    """The engine's run, in a worker; ``{"over_budget": True}`` past BUDGET_S."""
    from engines.service import WorkbookEngine

    began, over = time.process_time(), [False]  # its own CPU, not time shared

    def within(done: int, total: int) -> bool:
        over[0] = time.process_time() - began > BUDGET_S
        return not over[0]

    try:  # checked between chunks, and within a chunk between its slices and draw batches
        with cpu_budget(BUDGET_S):
            outcome = WorkbookEngine().simulate(data, spec, within)
    except OverBudget:
        return {"over_budget": True}
    return {"over_budget": True} if over[0] else outcome


Compute = Callable[[bytes, SimulationSpec], dict[str, Any]]


class EnginePool:
    """``workers`` processes computing small runs; ``simulate`` as the engine's, without
    progress. ``compute``: what a worker runs (a module-level function: workers find it by
    name)."""

    def __init__(self, workers: int, compute: Compute = simulate) -> None:
        self.workers = workers
        self.compute = compute
        self._executor = self._start()
        self._generation = 0

    def _start(self) -> ProcessPoolExecutor:
        # spawn: a fork of a process with running threads (the Kafka client's) may deadlock
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=(os.getpid(),))

    async def simulate(self, data: bytes, spec: SimulationSpec) -> dict[str, Any]:
        """The engine's outcome of ``spec`` on ``data``; raises what the engine raised (a
        ValueError for a spec the workbook cannot serve)."""
        for attempt in (1, 2):
            generation, executor = self._generation, self._executor
            try:
                return await asyncio.wrap_future(executor.submit(self.compute, data, spec))
            except BrokenProcessPool:
                self._restart(generation)
                if attempt == 2:
                    raise RuntimeError("the engine's worker process ended while computing this"
                                       " run, twice") from None
        raise AssertionError("unreachable")

    def _restart(self, generation: int) -> None:
        """A fresh pool in place of the broken one, once per breakage (every run it held
        sees the same breakage)."""
        if generation != self._generation:
            return
        log.warning("an engine worker process ended; starting the pool again")
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._start()
        self._generation += 1

    def warm(self) -> None:
        """Start every worker now rather than with the first runs."""
        for _ in range(self.workers):
            self._executor.submit(_warm)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
