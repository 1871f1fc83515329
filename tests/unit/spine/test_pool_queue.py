"""Runs waiting for the small-run pool: tenants take turns, runs of one model go together up
to the trial bound, and a model found heavy is answered at once, from its trials on."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from engines.simulation import SimulationSpec
from streams.processors import poolqueue
from streams.processors.poolqueue import TOGETHER_TRIALS, PoolQueue, Waiting


def _spec(trials: int = 10_000, outputs: tuple[str, ...] = ("Model!B17",)) -> SimulationSpec:
    return SimulationSpec({"Model!B2": "normal(10, 1)"}, list(outputs), trials, seed=1)


def _run(tenant: str, workbook: str = "wb", trials: int = 10_000,
         outputs: tuple[str, ...] = ("Model!B17",)) -> Waiting:
    answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    return Waiting(b"", _spec(trials, outputs), tenant, answer, workbook)


async def test_a_freed_worker_takes_the_run_of_the_tenant_computing_least() -> None:
    queue = PoolQueue()
    busy = [_run("a", f"wb{i}") for i in range(5)]  # five models: no job takes two
    for run in busy:
        queue.add(run)
    first = queue.next_job()
    assert first == [busy[0]]
    other = _run("b", "own")
    queue.add(other)
    assert queue.next_job() == [other]  # "a" computes a job, "b" none: b's run first
    assert queue.next_job() == [busy[1]]  # then a (one job) before b (one job): the older run
    queue.ended(first, [(True, {})])
    assert queue.next_job() == [busy[2]]


async def test_runs_of_one_model_go_together_up_to_the_trial_bound() -> None:
    queue = PoolQueue()
    same = [_run("a") for _ in range(8)]
    for run in same[:3]:
        queue.add(run)
    queue.add(_run("a", outputs=("Model!B18",)))  # another model: other outputs
    queue.add(late := _run("b", "wb", trials=20_000))  # another tenant's run of the same model
    for run in same[3:]:
        queue.add(run)
    job = queue.next_job()
    assert job == [*same[:3], late, same[3]]  # 60,000 trials: one more run would pass the bound
    assert 60_000 <= TOGETHER_TRIALS < 70_000
    assert queue.next_job()[0].spec.outputs == ["Model!B18"]
    assert queue.next_job() == same[4:]


async def test_a_model_found_heavy_is_answered_at_once_from_its_trials_on() -> None:
    queue = PoolQueue()
    heavy = _run("a", trials=20_000)
    queue.add(heavy)
    job = queue.next_job()
    more, fewer, other = _run("a", trials=30_000), _run("a", trials=5_000), _run("a", "light")
    for run in (more, fewer, other):
        queue.add(run)
    queue.ended(job, [(True, {"over_budget": True})])
    assert more.answer.result() == {"over_budget": True}  # without computing
    assert not fewer.answer.done() and not other.answer.done()
    assert queue.next_job() == [fewer] and queue.next_job() == [other]
    late = _run("b", trials=20_000)  # any tenant's, as it comes
    queue.add(late)
    assert late.answer.result() == {"over_budget": True} and queue.next_job() == []


async def test_runs_no_one_waits_for_are_dropped() -> None:
    queue = PoolQueue()
    gone, kept = _run("a"), _run("a")
    queue.add(gone)
    queue.add(kept)
    gone.answer.cancel()
    assert queue.next_job() == [kept] and queue.next_job() == []


async def test_the_models_found_heavy_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(poolqueue, "HEAVY_KEPT", 2)
    queue = PoolQueue()
    for name in ("one", "two", "three"):
        queue.add(run := _run("a", name))
        queue.ended(queue.next_job(), [(True, {"over_budget": True})])
        assert run.answer.done() is False  # its answer comes from the pool, not the queue
    again = [_run("a", name) for name in ("one", "two", "three")]
    for run in again:
        queue.add(run)
    assert [run.answer.done() for run in again] == [False, True, True]  # the oldest forgotten
