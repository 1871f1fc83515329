"""Small runs in worker processes: the same outcome as in the runner's own process, the
engine's refusals as they are, and a worker that dies costs no run but the one that killed it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from engines.service import WorkbookEngine, simulation_spec
from engines.simulation import SimulationSpec
from streams.processors import enginepool
from streams.processors.enginepool import EnginePool
from tests.conftest import ROOT
from tests.processes import alive, ended

EXAMPLE = ROOT / "examples" / "project-npv.xlsx"
REQUEST = {"inputs": {"Model!B2": {"distribution": "normal", "params": [10000, 1500]},
                      "Model!B4": {"distribution": "pert", "params": [26, 30, 38]}},
           "outputs": ["Model!B17", "Model!B18"], "iterations": 10_000, "seed": 7}


def dies_once(data: bytes, spec: SimulationSpec) -> dict[str, Any]:
    """Kills its worker the first time (``data`` names a marker file), then answers."""
    marker = Path(data.decode())
    if not marker.exists():
        marker.touch()
        os._exit(3)
    return {"answered_by": os.getpid()}


def always_dies(data: bytes, spec: SimulationSpec) -> dict[str, Any]:
    if data == b"die":
        os._exit(3)
    return {"answered_by": os.getpid()}


def dies_for_seed_13(data: bytes, spec: SimulationSpec) -> dict[str, Any]:
    if spec.seed == 13:
        os._exit(3)
    return {"seed": spec.seed, "answered_by": os.getpid()}


def naps(data: bytes, spec: SimulationSpec) -> dict[str, Any]:
    """A run of a fifth of a second, answering with its ``data``."""
    time.sleep(0.2)
    return {"answered_by": data.decode()}


def _without_seconds(outcome: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in outcome.items() if k != "compute_seconds"}


async def test_a_pooled_run_has_the_outcome_of_one_run_here() -> None:
    data, spec = EXAMPLE.read_bytes(), simulation_spec(REQUEST)
    pool = EnginePool(2)
    try:
        pooled = await pool.simulate(data, spec)
    finally:
        pool.close()
    here = WorkbookEngine().simulate(data, spec, lambda done, total: True)
    assert _without_seconds(pooled) == _without_seconds(here)
    assert pooled["iterations"] == 10_000 and pooled["compute_seconds"] > 0


async def test_a_spec_the_workbook_cannot_serve_is_refused_with_the_engines_reason() -> None:
    spec = simulation_spec({**REQUEST, "outputs": ["Nope!A1"]})
    pool = EnginePool(1)
    try:
        with pytest.raises(ValueError, match="no sheet 'Nope'; sheets are \\['Model'\\]"):
            await pool.simulate(EXAMPLE.read_bytes(), spec)
    finally:
        pool.close()


async def test_a_worker_that_dies_costs_no_run(tmp_path: Path) -> None:
    pool = EnginePool(2, compute=dies_once)
    try:
        answer = await pool.simulate(str(tmp_path / "died").encode(), simulation_spec(REQUEST))
        assert answer["answered_by"] != os.getpid()  # computed again, in a fresh worker
    finally:
        pool.close()


async def test_a_run_that_kills_its_worker_twice_fails_and_the_pool_serves_on() -> None:
    pool = EnginePool(1, compute=always_dies)
    try:
        with pytest.raises(RuntimeError, match="worker process ended"):
            await pool.simulate(b"die", simulation_spec(REQUEST))
        assert (await pool.simulate(b"live", simulation_spec(REQUEST)))["answered_by"]
    finally:
        pool.close()


def test_the_workers_end_with_the_process_that_started_them() -> None:
    """A runner killed outright (``kill -9``, the kernel's OOM killer) leaves no worker."""
    script = ("import sys, time\n"
              "from streams.processors.enginepool import EnginePool\n"
              "if __name__ == '__main__':\n"
              "    pool = EnginePool(2)\n"
              "    pool.warm()\n"
              "    time.sleep(1.5)\n"
              "    print(*pool._executor._processes, flush=True)\n"
              "    time.sleep(60)\n")
    owner = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert owner.stdout is not None
        workers = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(workers) == 2 and all(alive(pid) for pid in workers)
    finally:
        owner.kill()
        owner.wait()
    assert ended(workers)


def test_a_run_past_the_budget_is_handed_back_for_the_large_lane(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data, spec = EXAMPLE.read_bytes(), simulation_spec(REQUEST)
    assert enginepool.simulate(data, spec)["iterations"] == 10_000  # within the budget
    monkeypatch.setattr(enginepool, "BUDGET_S", 0.0)
    assert enginepool.simulate(data, spec) == {"over_budget": True}


def _jobs() -> tuple[float, float]:
    """Jobs sent to the pool's workers so far, and the runs in them."""
    count = REGISTRY.get_sample_value("riskstream_engine_job_runs_count") or 0.0
    return count, REGISTRY.get_sample_value("riskstream_engine_job_runs_sum") or 0.0


async def test_runs_of_one_model_waiting_together_share_a_job_and_keep_their_outcomes() -> None:
    data = EXAMPLE.read_bytes()
    specs = [simulation_spec({**REQUEST, "seed": seed}) for seed in range(7)]
    specs.append(simulation_spec({**REQUEST, "outputs": ["Nope!A1"]}))  # refused on its own
    specs.append(simulation_spec({**REQUEST, "outputs": ["Model!B17"], "seed": 9}))  # another model
    pool = EnginePool(1)
    jobs, runs = _jobs()
    try:
        pool.warm()
        answers = await asyncio.gather(*(pool.simulate(data, spec) for spec in specs),
                                       return_exceptions=True)
    finally:
        pool.close()
    sent, carried = (a - b for a, b in zip(_jobs(), (jobs, runs), strict=True))
    assert carried == len(specs) and sent < len(specs)  # fewer jobs than runs
    engine = WorkbookEngine()
    for spec, answer in zip(specs, answers, strict=True):
        if spec.outputs == ["Nope!A1"]:
            assert isinstance(answer, ValueError) and "no sheet 'Nope'" in str(answer)
        else:
            assert isinstance(answer, dict)
            here = engine.simulate(data, spec, lambda done, total: True)
            assert _without_seconds(answer) == _without_seconds(here)


async def test_a_run_whose_caller_stopped_waiting_is_not_computed() -> None:
    data = EXAMPLE.read_bytes()
    pool = EnginePool(1)
    jobs, runs = _jobs()
    try:
        first = asyncio.ensure_future(pool.simulate(data, simulation_spec(REQUEST)))
        gone = asyncio.ensure_future(pool.simulate(data, simulation_spec({**REQUEST, "seed": 8})))
        kept = asyncio.ensure_future(pool.simulate(data, simulation_spec(
            {**REQUEST, "outputs": ["Model!B17"]})))
        await asyncio.sleep(0)
        gone.cancel()
        assert (await first)["iterations"] == (await kept)["iterations"] == 10_000
    finally:
        pool.close()
    assert gone.cancelled()
    assert _jobs()[1] - runs == 2  # the first alone, then the one still awaited


def test_a_job_that_fails_together_is_computed_run_by_run_each_with_its_own_answer() -> None:
    data = EXAMPLE.read_bytes()
    wrong = {**REQUEST, "seed": 2,
             "correlation": {"cells": ["Model!B2", "Model!C9"], "matrix": [[1, 0.5], [0.5, 1]]}}
    specs = [simulation_spec(REQUEST), simulation_spec(wrong), simulation_spec(REQUEST)]
    with pytest.raises(ValueError) as together:
        WorkbookEngine().simulate_together(data, specs)
    answers = enginepool.simulate_jobs(enginepool.simulate, data, specs)
    assert [ok for ok, _ in answers] == [True, False, True]
    assert str(answers[1][1]) == str(together.value)
    here = WorkbookEngine().simulate(data, specs[0], lambda done, total: True)
    assert _without_seconds(answers[0][1]) == _without_seconds(here) == _without_seconds(
        answers[2][1])


def test_a_job_past_its_budget_hands_each_run_back_by_its_own_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = EXAMPLE.read_bytes()
    specs = [simulation_spec({**REQUEST, "seed": seed}) for seed in range(3)]
    monkeypatch.setattr(enginepool, "BUDGET_S", 0.0)
    assert enginepool.simulate_jobs(enginepool.simulate, data, specs) == [
        (True, {"over_budget": True})] * 3


async def test_tenants_take_turns_for_the_workers() -> None:
    pool = EnginePool(1, compute=naps)
    order: list[str] = []

    async def one(tenant: str, name: str) -> None:
        answer = await pool.simulate(name.encode(), simulation_spec(REQUEST), tenant, name)
        order.append(answer["answered_by"])

    try:
        flood = [asyncio.ensure_future(one("a", f"a{i}")) for i in range(4)]
        await asyncio.sleep(0)  # all four wait, the first computes
        await asyncio.gather(*flood, one("b", "b0"))
    finally:
        pool.close()
    assert order == ["a0", "b0", "a1", "a2", "a3"]  # b's run next, not after a's four


async def test_a_run_that_kills_a_job_of_several_fails_alone() -> None:
    """The runs of a job whose worker died are each computed again in a worker of their own,
    so the one that kills that one too fails and the others of its job do not."""
    data = EXAMPLE.read_bytes()
    pool = EnginePool(1, compute=dies_for_seed_13)
    jobs, runs = _jobs()
    try:
        answers = await asyncio.gather(
            *(pool.simulate(data, simulation_spec({**REQUEST, "seed": seed}), "t", "same")
              for seed in (1, 2, 3, 13, 4)), return_exceptions=True)
        after = await pool.simulate(data, simulation_spec({**REQUEST, "seed": 5}), "t", "same")
    finally:
        pool.close()
    assert [a["seed"] if isinstance(a, dict) else type(a) for a in answers] == [
        1, 2, 3, RuntimeError, 4]
    assert "ended while computing this run" in str(answers[3])
    assert _jobs()[0] - jobs == 3  # the first alone, the four after it together, the last
    assert after["seed"] == 5
