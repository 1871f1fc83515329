"""The simulation runner: runs accepted simulations off the event loop, in chunks, cancellable.

It consumes the simulations topic. A run happens in a worker thread, reporting progress between
chunks as ``simulation.progressed`` while the consumer keeps polling (no rebalance, and a
``simulation.cancel_requested`` is seen at once). The end of a run is one Kafka transaction:
``simulation.completed`` / ``.failed`` / ``.cancelled``, ``usage.recorded`` and
``simulation.released`` for the tenant ledger, sharing the transaction with whatever else is
emitted meanwhile (see ``outbox``). Small runs have a lane of their own (see ``lanes``), so they
never queue behind a large one. The committed offset never passes an accepted
simulation that has not ended; a partition newly assigned is first read to the end of the log,
so a simulation that already ended is not run again. Runners are members of one consumer group:
any number share the partitions, each with a transactional producer per partition; a partition
that moves takes its unfinished runs to the new owner, which runs them again (the old owner
stops them between chunks and records nothing). A run's events that cannot be sent (the broker
or another dependency is down) never end the run as failed: the runner stops with nothing more
committed, and its restart runs the simulation again from the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Coroutine, Sequence
from typing import Any

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from infra import metrics, tracing
from infra.blobcache import read_on_loop
from infra.faults import is_outage
from infra.log_format import bound
from infra.settings import Settings
from streams.catalogue import upcast
from streams.deadletter import failed
from streams.envelope import Envelope
from streams.events import (
    ChunkCompleted,
    ChunkFailed,
    ChunkRequested,
    ChunksPlanned,
    SimulationAccepted,
    SimulationCancelRequested,
    SimulationProgressed,
    SimulationStarted,
)
from streams.events.chunks import ChunkRange
from streams.events.simulations import SimulationRequestBody
from streams.ports import ChunkEngine, PooledEngine, SimulationEngine
from streams.processors.chunks import SplitRun
from streams.processors.lanes import Lanes, Slot
from streams.processors.members import CatchingUpMember
from streams.processors.outbox import Outbox
from streams.processors.runs import TERMINAL, Partition, Run, commit_point, ending
from streams.subscription import Subscription

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 0.25
QUIET_S = 0.5
"""How long a partition's commit alone (the offset past events that end nothing: the runner's
own, read back) waits for the partition to be quiet; in a burst the runs' ends carry it."""
LINGER_S = 0.03
"""How long a burst's run ends wait for others to share their transaction: each transaction
is some five requests to the broker whatever it carries, which in a burst of small runs cost
the runner and the broker more CPU than the runs' own events."""


class SimulationRunner(CatchingUpMember):
    """One runner instance of the group: it runs the accepted simulations of the partitions it
    owns; a partition handed to another runner takes its unfinished runs with it."""

    name = "simulation-runner"

    def __init__(self, settings: Settings, engine: SimulationEngine,
                 read_blob: Callable[[str], bytes], chunks: ChunkEngine | None = None,
                 pool: PooledEngine | None = None) -> None:
        """``chunks``: split the runs above its threshold into chunk tasks (without it, every
        run is run here, whole); ``pool``: where small runs compute (without it, in a thread
        like the others)."""
        super().__init__()
        self.settings = settings
        self.engine = engine
        self.chunks = chunks
        self.pool = pool
        self.read_blob = read_blob
        self._background: set[asyncio.Task[None]] = set()
        self.runs: dict[str, Run] = {}
        self.ended: set[str] = set()
        self.cancel_early: set[str] = set()
        self.lanes = Lanes.for_machine(settings.runner_threads)
        self.slots = self.lanes.large  # shared with the chunk worker: chunks are large work
        self.subscription = Subscription(settings, self.name, ("simulations",), self)
        self.outbox = Outbox(settings, self.subscription.group, self._commit_point, self._linger,
                             QUIET_S, commit_alone=self.subscription.commit)
        self.partitions: dict[TopicPartition, Partition] = {}
        metrics.ACTIVE_RUNS.set_function(lambda: len(self.runs))
        for lane in (self.lanes.small, self.lanes.large):
            metrics.QUEUE_DEPTH.labels(lane.name).set_function(lane.waiting)

    async def revoked(self, partitions: list[TopicPartition]) -> None:
        # first: a transaction under way (another run's end) then commits no offset for these
        # partitions; were the leaving runs forgotten first, its commit point would pass them,
        # and the new owner would never read their acceptance
        for tp in partitions:
            self.partitions.pop(tp, None)
        leaving = [r for r in self.runs.values() if r.tp in partitions]
        for run in leaving:
            run.revoked = run.cancel = True
            del self.runs[run.accepted.key]
            if run.task is not None:
                run.task.cancel()
        await asyncio.gather(*(r.task for r in leaving if r.task), return_exceptions=True)
        await self.outbox.close(partitions)  # nothing is sent for a partition that moved

    def _linger(self) -> float:
        """How long the outbox waits before its next transaction: while every small-run slot
        is taken (a burst), other ends are milliseconds away and share the transaction; else
        none, so a lone run's end is sent at once."""
        return LINGER_S if self.lanes.small.locked() else 0.0

    def _commit_point(self, tp: TopicPartition, ending: Collection[str] = ()) -> int | None:
        return commit_point(self.partitions.get(tp), self.runs, tp, ending)

    def _task(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """A run's work in the background; a failure to send its events stops the runner."""
        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the runner stops, and restarts from the log
                self._stop_for(exc)
        return asyncio.create_task(guarded())

    async def _take(self, tp: TopicPartition,
                    messages: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        state = self.partitions[tp]
        for message in messages:
            state.last_seen = message.offset
            try:
                event = upcast(Envelope.from_json(message.value))
                if state.catching_up:
                    state.backlog.append((event, message.offset))
                else:
                    # the runs and emits it starts carry on the message's trace and log context
                    with bound(correlation_id=event.correlation_id, tenant_id=event.tenant_id,
                               event_id=event.id), \
                            tracing.consuming(f"{self.name} {event.type}", message.headers,
                                              event_id=event.id):
                        self._observe(event, tp, message.offset)
            except Exception as exc:
                if is_outage(exc):
                    raise
                log.warning("runner parks %s@%s: %r", tp, message.offset, exc)
                metrics.EVENTS_FAILED.labels(self.name).inc()
                await self.outbox.emit(tp, [failed(self.name, tp.topic, tp.partition,
                                                   message.offset, message.value, exc)])
        await self._catch_up(tp)
        if not state.catching_up:
            await self.outbox.emit(tp, [], commit=True)

    async def _catch_up(self, tp: TopicPartition) -> None:
        """End ``tp``'s catch-up once the consumer has read to where the log ended when the
        partition was assigned: what ended before is known, then what did not end runs. The
        last records before that end may be ones no poll returns (commit and abort markers, an
        aborted transaction's events), so this is checked after every poll."""
        state = self.partitions.get(tp)
        if state is None or not state.catching_up:
            return
        if await self.subscription.consumer.position(tp) >= state.end:
            # what ended before the restart is known before anything runs again
            state.catching_up = False
            self.ended.update(e.key for e, _ in state.backlog if e.type in TERMINAL)
            for event, offset in state.backlog:
                self._observe(event, tp, offset)
            state.backlog.clear()

    def _observe(self, event: Envelope, tp: TopicPartition, offset: int) -> None:
        sim = event.key
        run = self.runs.get(sim)
        if event.type in TERMINAL:
            self.ended.add(sim)
        elif event.type == SimulationCancelRequested.type:
            if run is not None:
                run.cancel = True
                if run.split is not None:
                    self._later(self._finish_split(run, {"cancelled": True}))
            elif sim not in self.ended:
                self.cancel_early.add(sim)
        elif event.type == SimulationAccepted.type and sim not in self.ended and run is None:
            request = event.body(SimulationAccepted)
            run = Run(event, request, tp, offset, cancel=sim in self.cancel_early)
            self.runs[sim] = run
            split = self.chunks is not None and request.iterations > self.chunks.split_above
            run.task = self._task(self._plan(run) if split else self._execute(run))
        elif run is not None and event.type.startswith("chunk"):
            self._observe_chunk(run, event)

    def _observe_chunk(self, run: Run, event: Envelope) -> None:
        body = event.body()
        if isinstance(body, ChunksPlanned):
            if run.split is None:
                run.split = SplitRun(SimulationRequestBody.of(run.request, seed=body.seed),
                                     body.chunks)
            return
        split = run.split
        if split is None or run.cancel:
            return
        if isinstance(body, ChunkFailed):
            run.cancel = True
            self._later(self._finish_split(
                run, {"error": f"chunk {body.chunk.index}: {body.reason}"}))
        elif isinstance(body, ChunkCompleted) and split.add(body.partial, body.chunk):
            total, done = run.request.iterations, split.trials_done
            self._later(self.outbox.emit(run.tp, [run.accepted.caused(SimulationProgressed(
                iterations_done=done, iterations_total=total, fraction=done / total,
                eta_seconds=None))]))
            if split.complete:
                run.task = self._task(self._merge(run))

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        task = self._task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _plan(self, run: Run) -> None:
        """Hand the run out as chunk tasks, unless the log says it was planned already."""
        assert self.chunks is not None
        if run.split is not None:
            return
        if run.cancel:
            await self._finish(run, {"cancelled": True, "iterations_run": 0}, 0.0)
            return
        accepted, request, sim = run.accepted, run.request, run.accepted.key
        try:
            seed, planned = self.chunks.split(request.spec())
        except ValueError as exc:  # a spec the engine refuses: the run fails with the reason
            await self._finish(run, {"error": str(exc)}, 0.0)
            return
        seeded = SimulationRequestBody.of(request, seed=seed)
        chunks = [ChunkRange.model_validate(chunk, from_attributes=True) for chunk in planned]
        tasks = [accepted.caused(ChunkRequested(
            simulation_id=sim, workbook_sha256=request.workbook_sha256, request=seeded,
            chunk=chunk), key=f"{sim}/{chunk.index}") for chunk in chunks]
        await self.outbox.emit(run.tp, [
            accepted.caused(SimulationStarted(iterations=request.iterations,
                                              backend=request.backend, chunks=len(chunks))),
            accepted.caused(ChunksPlanned(simulation_id=sim, seed=seed,
                                          chunks=len(chunks), chunk_size=chunks[0].count)),
            *tasks])
        if run.split is None:
            run.split = SplitRun(seeded, len(chunks))
        if run.cancel:  # asked while the plan was being sent
            await self._finish_split(run, {"cancelled": True})

    async def _merge(self, run: Run) -> None:
        assert self.chunks is not None and run.split is not None
        split = run.split
        partials = [split.partials[i] for i in sorted(split.partials)]
        try:
            outcome = await asyncio.to_thread(self.chunks.merge_chunks, split.request.spec(),
                                              partials, self.read_blob)
        except ValueError as exc:
            outcome = {"error": str(exc)}
        await self._finish_split(run, outcome)

    async def _finish_split(self, run: Run, outcome: dict[str, Any]) -> None:
        """End a split run once: merged, failed on a chunk, or cancelled; the trials and the
        seconds its chunks took are what is billed."""
        if run.revoked or run.accepted.key not in self.runs or run.accepted.key in self.ended:
            return
        assert run.split is not None
        trials = run.split.trials_done
        await self._finish(run, {"iterations_run": trials, **outcome},
                           run.split.compute_seconds)

    async def _execute(self, run: Run) -> None:
        accepted, request = run.accepted, run.request
        loop = asyncio.get_running_loop()
        started = time.monotonic()  # reset once a slot is free: waiting is not compute
        last_report = [0.0]
        start: Envelope | None = None
        announced: asyncio.Future[None] | None = None

        def announce() -> None:
            """Send the run's start (on the loop), once; later emits queue behind it."""
            nonlocal announced
            if announced is None and start is not None:
                announced = asyncio.ensure_future(self.outbox.emit(run.tp, [start]))

        def report(progressed: SimulationProgressed) -> None:
            announce()
            asyncio.ensure_future(self.outbox.emit(run.tp, [accepted.caused(progressed)]))

        def progress(done: int, total: int) -> bool:
            now = time.monotonic()
            # the run's end says it is done: a last progress would hold up the end's transaction
            if done < total and now - last_report[0] >= PROGRESS_EVERY_S:
                last_report[0] = now
                elapsed = now - started
                eta = elapsed * (total - done) / done if done else None
                loop.call_soon_threadsafe(report, SimulationProgressed(
                    iterations_done=done, iterations_total=total,
                    fraction=done / total if total else 1.0, eta_seconds=eta))
            return not run.cancel

        seconds = 0.0
        lane = self.lanes.of(request.iterations)
        pool = self.pool if lane is self.lanes.small else None
        async with Slot(lane, accepted.tenant_id) as slot:
            started = last_report[0] = time.monotonic()
            if run.cancel:
                outcome: dict[str, Any] = {"cancelled": True, "iterations_run": 0}
            else:
                # a run that ends within PROGRESS_EVERY_S sends its start with its end, in one
                # transaction; a longer one announces it then, off the critical path (the
                # outbox keeps it before the run's progress and end)
                start = accepted.caused(SimulationStarted(iterations=request.iterations,
                                                          backend=request.backend))
                timer = loop.call_later(PROGRESS_EVERY_S, announce)
                try:
                    data = await read_on_loop(self.read_blob, request.workbook_sha256)
                    if pool is not None:  # done before a progress or a cancel would count
                        outcome = await pool.simulate(data, request.spec(), accepted.tenant_id,
                                                      request.workbook_sha256)
                        if outcome.get("over_budget"):  # no small run after all: again, where
                            # its progress is reported and a cancel stops it, its small-run
                            # slot given to the runs behind it first
                            slot.give_up()
                            async with Slot(self.lanes.large, accepted.tenant_id):
                                outcome = await asyncio.to_thread(
                                    self.engine.simulate, data, request.spec(), progress)
                    else:
                        outcome = await asyncio.to_thread(
                            self.engine.simulate, data, request.spec(), progress)
                    # the engine's own seconds: what is billed, not time shared or waited
                    seconds = float(outcome.get("compute_seconds", 0.0))
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - the run ends with its reason
                    if is_outage(exc):
                        raise  # not the run's fault: it runs again after the restart
                    if not isinstance(exc, ValueError):
                        log.exception("simulation %s failed", accepted.key)
                    outcome = {"error": str(exc) if isinstance(exc, ValueError)
                               else f"engine error: {exc!r}"}
                finally:
                    timer.cancel()
        if announced is not None:
            await announced  # a broker that failed it stops the runner: the run is redone
        if not run.revoked:
            await self._finish(run, outcome, seconds,
                               first=[start] if start is not None and announced is None else [])

    async def _finish(self, run: Run, outcome: dict[str, Any], seconds: float,
                      first: Sequence[Envelope] = ()) -> None:
        """Send the run's end (after ``first``, its start when not sent yet), its usage and
        its slot's release in one transaction that moves the commit point past it."""
        sim, backend = run.accepted.key, run.request.backend
        events = ending(run, outcome, seconds)
        iterations = int(outcome.get("iterations_run", 0))
        metrics.TRIALS.labels(backend).inc(iterations)
        metrics.RUN_SECONDS.labels(events[0].type.removeprefix("simulation.")).observe(seconds)
        self.ended.add(sim)
        await self.outbox.emit(run.tp, [*first, *events], commit=True, ends=sim)
        self.runs.pop(sim, None)
