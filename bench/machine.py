"""How fast the machine is at the time of a benchmark: the figures it reports move with it.

The development machine's two cores are shared, and the same work takes a different time at
different hours (within one afternoon, this module's loop took 0.36-0.65 s of CPU and the
engine's run 8.4-14.9 ms, which an earlier day's machine ran in 3.9-4.4 ms). So that a
service figure can be read against another one taken on another day, the service benchmark
measures two references next to it, in its own process, before it starts the service:

* ``python_loop_s``: CPU seconds of a pure-Python loop of 10^7 additions (best of three);
* ``engine_run_ms``: CPU milliseconds of one run of the benchmark's request (the example
  workbook, 10,000 trials) by the engine alone, as a small-run worker computes it (median of
  twenty after three unmeasured; the model is compiled once, as the workers keep it);
* ``engine_together_ms``: the same, a run of ``TOGETHER`` computed together as one job of a
  small-run worker, sharing the model's passes (``engines.together``; median of five jobs).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.spine import EXAMPLE, REQUEST
from streams.processors.poolqueue import TOGETHER_TRIALS

LOOP = 10_000_000
ENGINE_RUNS = 20
TOGETHER = TOGETHER_TRIALS // int(REQUEST["iterations"])
"""Runs of the benchmark's request that a job of the small-run pool takes together."""


def _loop() -> float:
    began = time.process_time()
    total = 0
    for i in range(LOOP):
        total += i
    return time.process_time() - began


def _engine_spec(seed: int) -> Any:
    """The spec the runner computes for the benchmark's request, made as the API and the
    runner make it."""
    from app.api.schemas import SimulationRequest

    request = SimulationRequest(workbook_id="reference", **REQUEST, seed=seed)
    return request.requested("reference", "").spec()


def _engine_run_ms() -> float:
    from engines.service import simulate

    data = EXAMPLE.read_bytes()
    for seed in range(3):
        simulate(data, _engine_spec(seed))
    spent = []
    for seed in range(ENGINE_RUNS):
        began = time.process_time()
        outcome = simulate(data, _engine_spec(seed))
        spent.append((time.process_time() - began) * 1000)
        if outcome.get("iterations_run") != REQUEST["iterations"]:
            raise RuntimeError(f"the reference run computed {outcome.get('iterations_run')}"
                               f" trials, not {REQUEST['iterations']}")
    return statistics.median(spent)


def _engine_together_ms() -> float:
    from engines.service import simulate_together

    data = EXAMPLE.read_bytes()
    spent = []
    for job in range(5):
        specs = [_engine_spec(job * TOGETHER + seed) for seed in range(TOGETHER)]
        began = time.process_time()
        simulate_together(data, specs)
        spent.append((time.process_time() - began) * 1000 / TOGETHER)
    return statistics.median(spent)


def reference() -> dict[str, float]:
    """The machine's speed now: see the module's docstring."""
    return {"python_loop_s": min(_loop() for _ in range(3)), "engine_run_ms": _engine_run_ms(),
            "engine_together_ms": _engine_together_ms()}


def line(measured: dict[str, float]) -> str:
    return (f"machine now: a Python loop of 10^7 additions {measured['python_loop_s']:.2f} s of"
            f" CPU; one such run by the engine alone {measured['engine_run_ms']:.1f} ms of CPU,"
            f" {measured['engine_together_ms']:.1f} ms a run when {TOGETHER} are computed"
            " together")
