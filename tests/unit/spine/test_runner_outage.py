"""A run whose events cannot be sent (the broker is down) is never recorded as failed: the
runner stops for its supervisor to restart it, and the restart runs the simulation again. A
short run sends its start with its end, in one transaction; a longer one announces its start
before its progress."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError

from engines.simulation import SimulationSpec
from infra.settings import Settings
from streams.envelope import Envelope
from streams.events import SimulationAccepted, SimulationStarted
from streams.processors.runner import PROGRESS_EVERY_S, Run, SimulationRunner

TP = TopicPartition("simulations", 0)


class Engine:
    def __init__(self, error: Exception | None = None, seconds: float = 0.0) -> None:
        self.error = error
        self.seconds = seconds

    def simulate(self, workbook: bytes, spec: SimulationSpec, progress: Any) -> dict[str, Any]:
        if self.error is not None:
            raise self.error
        for done in range(10, spec.iterations, 10):  # ten chunks over ``seconds``
            time.sleep(self.seconds / 10)
            progress(done, spec.iterations)
        return {"iterations_run": spec.iterations, "compute_seconds": 0.01, "outputs": {}}


class Outbox:
    """Records what the runner sends; fails the sends of the event types in ``down``."""

    def __init__(self, down: set[str]) -> None:
        self.down = down
        self.sent: list[str] = []
        self.transactions: list[list[str]] = []

    async def emit(self, tp: TopicPartition, events: list[Envelope], commit: bool = False,
                   ends: str | None = None) -> None:
        await asyncio.sleep(0)
        if any(e.type in self.down for e in events):
            raise KafkaConnectionError("the broker is down")
        self.sent.extend(e.type for e in events)
        self.transactions.append([e.type for e in events])


def _run(runner: SimulationRunner) -> Run:
    accepted = SimulationAccepted(
        simulation_id="s1", workbook_id="w1", workbook_sha256="0" * 64, inputs={},
        outputs=["Model!B17"], iterations=100, seed=1, sampling="mc", backend="numpy",
    ).event("tenant-1", "s1")
    run = Run(accepted, accepted.body(SimulationAccepted), TP, 7)
    runner.runs["s1"] = run
    return run


async def _execute(engine: Engine, down: set[str],
                   read: Any = lambda sha: b"workbook") -> tuple[SimulationRunner, Outbox]:
    runner = SimulationRunner(Settings(jwt_secret="u" * 32), engine, read)  # type: ignore[arg-type]
    outbox = Outbox(down)
    runner.outbox = outbox  # type: ignore[assignment]
    run = _run(runner)
    run.task = runner._task(runner._execute(run))
    await run.task
    await runner.subscription.consumer.stop()
    return runner, outbox


async def test_a_start_that_cannot_be_sent_stops_the_runner_and_fails_nothing() -> None:
    runner, outbox = await _execute(Engine(), {SimulationStarted.type})
    assert isinstance(runner._fault, KafkaConnectionError) and runner._halt.is_set()
    assert "simulation.failed" not in outbox.sent and "simulation.completed" not in outbox.sent
    assert "s1" in runner.runs  # not ended: the commit point stays before it


async def test_a_blob_store_outage_is_not_the_runs_fault() -> None:
    def unreachable(sha: str) -> bytes:
        raise ConnectionError("blob store unreachable")
    runner, outbox = await _execute(Engine(), set(), unreachable)
    assert isinstance(runner._fault, ConnectionError)
    assert "simulation.failed" not in outbox.sent


async def test_the_runs_own_error_ends_it_as_failed_and_the_runner_goes_on() -> None:
    runner, outbox = await _execute(Engine(ValueError("cell Model!B3: #DIV/0!")), set())
    assert runner._fault is None and not runner._halt.is_set()
    assert outbox.transactions == [
        ["simulation.started", "simulation.failed", "simulation.released"]]
    assert "s1" not in runner.runs


async def test_a_short_run_sends_its_start_with_its_end() -> None:
    runner, outbox = await _execute(Engine(), set())
    assert outbox.transactions == [["simulation.started", "simulation.completed",
                                    "usage.recorded", "simulation.released"]]


async def test_a_longer_run_announces_its_start_before_its_progress() -> None:
    runner, outbox = await _execute(Engine(seconds=4 * PROGRESS_EVERY_S), set())
    assert outbox.transactions[0] == ["simulation.started"]
    progress = outbox.transactions[1:-1]
    assert progress and all(t == ["simulation.progressed"] for t in progress)
    assert len(progress) <= 4  # one report per PROGRESS_EVERY_S at most
    assert outbox.transactions[-1] == ["simulation.completed", "usage.recorded",
                                       "simulation.released"]


@pytest.mark.parametrize("down", ["simulation.completed", "usage.recorded"])
async def test_an_end_that_cannot_be_sent_stops_the_runner(down: str) -> None:
    runner, outbox = await _execute(Engine(), {down})
    assert isinstance(runner._fault, KafkaConnectionError)
    assert "s1" in runner.runs and "simulation.completed" not in outbox.sent
