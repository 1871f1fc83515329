"""The simulation runner: runs accepted simulations off the event loop, in chunks, cancellable.

It consumes the simulations topic. A run happens in a worker thread, reporting progress between
chunks as ``simulation.progressed`` while the consumer keeps polling (no rebalance, and a
``simulation.cancel_requested`` is seen at once). The end of a run is one Kafka transaction:
``simulation.completed`` / ``.failed`` / ``.cancelled``, ``usage.recorded`` and
``simulation.released`` for the tenant ledger. The committed offset never passes an accepted
simulation that has not ended; after a restart the runner first reads to the end of the log, so
a simulation that already ended is not run again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition

from infra import kafka
from infra.faults import is_outage
from infra.settings import Settings
from streams.catalogue import new_event, upcast
from streams.deadletter import failed
from streams.envelope import Envelope
from streams.log import record
from streams.ports import SimulationEngine
from streams.processors.runtime import assign_all, seek_committed

log = logging.getLogger(__name__)
TERMINAL = {"simulation.completed", "simulation.failed", "simulation.cancelled"}
PROGRESS_EVERY_S = 0.25


@dataclass
class Run:
    accepted: Envelope
    tp: TopicPartition
    offset: int
    cancel: bool = False
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class SimulationRunner:
    name = "simulation-runner"

    def __init__(self, settings: Settings, engine: SimulationEngine,
                 read_blob: Callable[[str], bytes]) -> None:
        self.settings = settings
        self.engine = engine
        self.read_blob = read_blob
        self.group = f"{settings.topic_prefix}.{self.name}"
        self.runs: dict[str, Run] = {}
        self.ended: set[str] = set()
        self.cancel_early: set[str] = set()
        self.slots = asyncio.Semaphore(settings.runner_threads)
        self._tx = asyncio.Lock()
        self._producer = kafka.producer(settings.kafka_bootstrap, transactional_id=self.group)
        self._last_seen: dict[TopicPartition, int] = {}

    async def emit(self, events: list[Envelope],
                   offsets: dict[TopicPartition, int] | None = None) -> None:
        async with self._tx, self._producer.transaction():
            for event in events:
                topic, key, value = record(self.settings, event)
                await self._producer.send(topic, value=value, key=key)
            if offsets:
                await self._producer.send_offsets_to_transaction(offsets, self.group)

    def _commit_point(self) -> dict[TopicPartition, int]:
        points = {}
        for tp, last in self._last_seen.items():
            pending = [r.offset for r in self.runs.values() if r.tp == tp]
            points[tp] = min(pending) if pending else last + 1
        return points

    async def run(self, stop: asyncio.Event) -> None:
        topic = self.settings.topic("simulations")
        consumer = kafka.consumer(self.settings.kafka_bootstrap, self.group)
        await self._producer.start()
        await consumer.start()
        try:
            parts = await assign_all(consumer, [topic])
            end = await consumer.end_offsets(parts)
            await seek_committed(consumer, parts)
            catching_up = {tp for tp in parts if await consumer.position(tp) < end[tp]}
            backlog: list[tuple[Envelope, TopicPartition, int]] = []
            while not stop.is_set():
                batch = await consumer.getmany(timeout_ms=300, max_records=500)
                for tp, messages in batch.items():
                    for message in messages:
                        self._last_seen[tp] = message.offset
                        try:
                            event = upcast(Envelope.from_json(message.value))
                            if tp in catching_up:
                                backlog.append((event, tp, message.offset))
                            else:
                                self._observe(event, tp, message.offset)
                        except Exception as exc:
                            if is_outage(exc):
                                raise
                            log.warning("runner parks %s@%s: %r", tp, message.offset, exc)
                            await self.emit([failed(self.name, tp.topic, tp.partition,
                                                    message.offset, message.value, exc)])
                for tp in list(catching_up):
                    if await consumer.position(tp) >= end[tp]:
                        catching_up.discard(tp)
                        for event, _, _ in [b for b in backlog if b[1] == tp]:
                            if event.type in TERMINAL:
                                self.ended.add(event.key)
                        for event, btp, offset in [b for b in backlog if b[1] == tp]:
                            self._observe(event, btp, offset)
                        backlog = [b for b in backlog if b[1] != tp]
                if batch and not catching_up:
                    await self.emit([], self._commit_point())
        finally:
            for run in self.runs.values():
                run.cancel = True
            tasks = [r.task for r in self.runs.values() if r.task is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await consumer.stop()
            await self._producer.stop()

    def _observe(self, event: Envelope, tp: TopicPartition, offset: int) -> None:
        sim = event.key
        if event.type in TERMINAL:
            self.ended.add(sim)
        elif event.type == "simulation.cancel_requested":
            if sim in self.runs:
                self.runs[sim].cancel = True
            elif sim not in self.ended:
                self.cancel_early.add(sim)
        elif event.type == "simulation.accepted" and sim not in self.ended and sim not in self.runs:
            run = Run(event, tp, offset, cancel=sim in self.cancel_early)
            self.runs[sim] = run
            run.task = asyncio.create_task(self._execute(run))

    async def _execute(self, run: Run) -> None:
        accepted = run.accepted
        loop = asyncio.get_running_loop()
        started = time.monotonic()  # reset once a slot is free: waiting is not compute
        last_report = [0.0]

        def progress(done: int, total: int) -> bool:
            now = time.monotonic()
            if now - last_report[0] >= PROGRESS_EVERY_S or done >= total:
                last_report[0] = now
                elapsed = now - started
                eta = elapsed * (total - done) / done if done else None
                data = {"iterations_done": done, "iterations_total": total,
                        "fraction": done / total if total else 1.0, "eta_seconds": eta}
                asyncio.run_coroutine_threadsafe(
                    self.emit([accepted.caused("simulation.progressed", data)]), loop)
            return not run.cancel

        try:
            async with self.slots:
                started = time.monotonic()
                if run.cancel:
                    outcome = {"cancelled": True, "iterations_run": 0}
                else:
                    await self.emit([accepted.caused("simulation.started", {
                        "iterations": accepted.data["iterations"],
                        "backend": accepted.data.get("backend", "numpy")})])
                    data = await asyncio.to_thread(self.read_blob, accepted.data["workbook_sha256"])
                    outcome = await asyncio.to_thread(
                        self.engine.simulate, data, accepted.data, progress)
            await self._finish(run, outcome, time.monotonic() - started)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure ends the run with its reason
            reason = str(exc) if isinstance(exc, ValueError) else f"engine error: {exc!r}"
            if not isinstance(exc, ValueError):
                log.exception("simulation %s failed", accepted.key)
            await self._finish(run, {"error": reason}, time.monotonic() - started)

    async def _finish(self, run: Run, outcome: dict[str, Any], seconds: float) -> None:
        accepted = run.accepted
        sim = accepted.key
        iterations = int(outcome.get("iterations_run", 0))
        common = {"iterations_run": iterations, "compute_seconds": seconds,
                  "backend": accepted.data.get("backend", "numpy")}
        if "error" in outcome:
            end = accepted.caused("simulation.failed", {**common, "reason": outcome["error"]})
        elif outcome.get("cancelled"):
            end = accepted.caused("simulation.cancelled", common)
        else:
            end = accepted.caused("simulation.completed", {**outcome, **common})
        events = [end]
        if iterations:
            events.append(new_event("usage.recorded", accepted.tenant_id, sim, {
                "simulation_id": sim, "iterations": iterations, "compute_seconds": seconds,
                "backend": accepted.data.get("backend", "numpy"),
            }, correlation_id=end.correlation_id, causation_id=end.id))
        events.append(new_event("simulation.released", accepted.tenant_id, accepted.tenant_id,
                                {"simulation_id": sim},
                                correlation_id=end.correlation_id, causation_id=end.id))
        self.ended.add(sim)
        del self.runs[sim]
        await self.emit(events, self._commit_point())
