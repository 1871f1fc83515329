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
it held is computed once more, alone in a worker of its own, one such run at a time; a run that
ends that worker too fails with that reason, and no other run fails with it. Workers end with
the process that started them.

Runs wait here for a free worker (``poolqueue``: tenants take turns, and a model found heavy
goes to the large lane without waiting), and those of one model that wait together go to it as
one job: the worker computes them sharing the model's passes (``engines.together``), each
outcome the one it has alone. On the example model that is a third less CPU a run at 1,000
trials, and from nothing to a third at 10,000, as the machine's load varies. A job that
fails or passes its budget as a whole is computed again run by run in the same worker, so each
run ends with its own outcome, reason or budget.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from engines.budget import OverBudget, cpu_budget
from engines.simulation import SimulationSpec
from infra import metrics
from infra.lifetime import end_with_parent
from streams.processors.poolqueue import OVER_BUDGET, PoolQueue, Waiting

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
        return dict(OVER_BUDGET)
    return dict(OVER_BUDGET) if over[0] else outcome


Compute = Callable[[bytes, SimulationSpec], dict[str, Any]]


def simulate_jobs(compute: Compute, data: bytes, specs: Sequence[SimulationSpec]
                  ) -> list[tuple[bool, Any]]:
    """Per spec, ``(True, outcome)`` or ``(False, the exception it raised)``: the engine's
    runs together, or else each alone (see the module). A job has one run's budget: runs of
    ``poolqueue.TOGETHER_TRIALS`` trials between them are light work, and a heavy one among
    them costs the others that budget before each is computed alone, not one for each."""
    if len(specs) > 1 and compute is simulate:
        from engines.service import WorkbookEngine

        try:
            with cpu_budget(BUDGET_S):
                return [(True, outcome)
                        for outcome in WorkbookEngine().simulate_together(data, specs)]
        except (OverBudget, Exception):  # noqa: BLE001 - alone, each finds its own answer
            pass
    answers: list[tuple[bool, Any]] = []
    for spec in specs:
        try:
            answers.append((True, compute(data, spec)))
        except Exception as exc:  # noqa: BLE001 - the run's own reason, raised to its caller
            answers.append((False, exc))
    return answers


class EnginePool:
    """``workers`` processes computing small runs; ``simulate`` as the engine's, without
    progress. ``compute``: what a worker runs (a module-level function: workers find it by
    name)."""

    def __init__(self, workers: int, compute: Compute = simulate) -> None:
        self.workers = workers
        self.compute = compute
        self._executor = self._start()
        self._generation = 0
        self._queue = PoolQueue()
        self._busy = 0
        self._jobs: set[asyncio.Future[None]] = set()
        self._quarantine: ProcessPoolExecutor | None = None  # see _alone
        self._quarantine_turn = asyncio.Lock()

    def _start(self, workers: int | None = None) -> ProcessPoolExecutor:
        # spawn: a fork of a process with running threads (the Kafka client's) may deadlock
        return ProcessPoolExecutor(workers or self.workers,
                                   mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=(os.getpid(),))

    async def simulate(self, data: bytes, spec: SimulationSpec, tenant: str = "",
                       workbook: str | None = None) -> dict[str, Any]:
        """The engine's outcome of ``spec`` on ``data``; raises what the engine raised (a
        ValueError for a spec the workbook cannot serve). Waits for a free worker, with the
        runs it may share one with (``poolqueue``); ``workbook``: the digest naming ``data``."""
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._queue.add(Waiting(data, spec, tenant, answer, workbook))
        self._dispatch()
        try:
            return await answer
        except BrokenProcessPool:
            return await self._alone(data, spec)

    async def _alone(self, data: bytes, spec: SimulationSpec) -> dict[str, Any]:
        """A run whose job's worker died, computed again in a worker of its own, one such run
        at a time: a run that ends that worker too is the one that kills it, and no other run
        is in it to fail with it."""
        async with self._quarantine_turn:
            if self._quarantine is None:
                self._quarantine = self._start(1)
            try:
                return await asyncio.wrap_future(self._quarantine.submit(self.compute, data, spec))
            except BrokenProcessPool:
                self._quarantine.shutdown(wait=False, cancel_futures=True)
                self._quarantine = None
                raise RuntimeError("the engine's worker process ended while computing this run,"
                                   " twice") from None

    def _dispatch(self) -> None:
        """Send waiting runs to the free workers, a job each."""
        while self._busy < self.workers and (job := self._queue.next_job()):
            self._busy += 1
            metrics.ENGINE_JOB_RUNS.observe(len(job))
            task = asyncio.ensure_future(self._compute(job))
            self._jobs.add(task)
            task.add_done_callback(self._jobs.discard)

    async def _compute(self, job: list[Waiting]) -> None:
        generation, executor = self._generation, self._executor
        try:
            answers = await asyncio.wrap_future(executor.submit(
                simulate_jobs, self.compute, job[0].data, [waiting.spec for waiting in job]))
        except BrokenProcessPool as exc:
            self._restart(generation)
            answers = [(False, exc)] * len(job)
        except asyncio.CancelledError:  # the pool closed
            for waiting in job:
                waiting.answer.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - a job that could not be sent: each run told
            answers = [(False, exc)] * len(job)
        finally:
            self._busy -= 1
        for waiting, (ok, answer) in zip(job, answers, strict=True):
            if not waiting.answer.done():
                if ok:
                    waiting.answer.set_result(answer)
                else:
                    waiting.answer.set_exception(answer)
        self._queue.ended(job, answers)  # after the job's own: those it makes heavy come next
        self._dispatch()

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
        self._queue.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._quarantine is not None:
            self._quarantine.shutdown(wait=False, cancel_futures=True)
