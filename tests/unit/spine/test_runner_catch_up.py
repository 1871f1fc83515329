"""A partition handed to a runner is read to where the log ended when it was assigned before
anything runs; that end may lie past the last record any poll returns (commit and abort
markers, an aborted transaction's events), so the catch-up ends on the consumer's position,
checked after polls that bring nothing too, and then the runs that did not end start."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from infra.settings import Settings
from streams.events import SimulationAccepted, SimulationCompleted
from streams.processors.runner import Partition, Run, SimulationRunner
from tests.unit.spine.test_runner_outage import TP, Engine, Outbox


def _accepted(sim: str) -> Any:
    return SimulationAccepted(
        simulation_id=sim, workbook_id="w1", workbook_sha256="0" * 64, inputs={},
        outputs=["Model!B17"], iterations=100, seed=1, sampling="mc", backend="numpy",
    ).event("tenant-1", sim)


async def test_the_catch_up_ends_where_no_record_is_returned(
        monkeypatch: pytest.MonkeyPatch) -> None:
    runner = SimulationRunner(Settings(jwt_secret="u" * 32), Engine(),  # type: ignore[arg-type]
                              lambda sha: b"workbook")
    runner.outbox = Outbox(set())  # type: ignore[assignment]
    ended = _accepted("s2").caused(SimulationCompleted.model_validate(
        {"iterations_run": 100, "compute_seconds": 0.01, "backend": "numpy", "outputs": {}}))
    runner.partitions[TP] = Partition(end=12, catching_up=True, backlog=[
        (_accepted("s1"), 5), (_accepted("s2"), 6), (ended, 7)])
    position = 8  # past the last record returned; the markers after it are never returned

    async def at(tp: Any) -> int:
        return position

    monkeypatch.setattr(runner.subscription.consumer, "position", at)
    await runner._catch_up(TP)
    assert runner.partitions[TP].catching_up and not runner.runs  # the log's end not reached
    position = 12  # a poll that returned nothing moved the position past the markers
    await runner._catch_up(TP)
    assert not runner.partitions[TP].catching_up
    assert set(runner.runs) == {"s1"}  # s2 ended before the hand-over: not run again
    task = runner.runs["s1"].task
    assert task is not None
    await task
    await runner.subscription.consumer.stop()


class Closing:
    """An outbox whose close is all a revocation asks of it."""

    async def close(self, partitions: list[Any]) -> None:
        await asyncio.sleep(0)


async def test_a_partition_moving_away_commits_no_offset_past_its_unfinished_runs() -> None:
    runner = SimulationRunner(Settings(jwt_secret="u" * 32), Engine(),  # type: ignore[arg-type]
                              lambda sha: b"workbook")
    runner.outbox = Closing()  # type: ignore[assignment]
    runner.partitions[TP] = Partition(end=0, catching_up=False, last_seen=10)
    accepted = _accepted("s1")
    run = Run(accepted, accepted.body(SimulationAccepted), TP, 4)
    computing = asyncio.Event()

    async def compute() -> None:
        computing.set()
        await asyncio.sleep(3600)

    run.task = asyncio.create_task(compute())
    runner.runs["s1"] = run
    await computing.wait()
    revoking = asyncio.create_task(runner.revoked([TP]))
    await asyncio.sleep(0)  # the revocation waits for the run to stop
    # meanwhile another run's end commits in a transaction of the partition: not past offset 4
    assert runner._commit_point(TP) is None
    await revoking
    assert run.revoked and not runner.runs
    await runner.subscription.consumer.stop()
