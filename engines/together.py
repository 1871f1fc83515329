"""Several runs of one model computed together, sharing its passes.

A pass of the model costs its plans' overhead once, however many trials it takes: on the
example model a 10,000-trial run spends about as long in its one pass as a 1,000-trial run
does. Runs of the same model that wait together (a burst of small runs of one workbook) can
share passes as consecutive chunks of one run do (:mod:`engines.passes`): each run draws its
own chunks from its own seed through its own laws, the pass evaluates the trials of all of
them at once, and each run accumulates its own trials. Every outcome is the one the run gives
alone, to the last bit (``tests/unit/engines/test_together.py``).

Runs share passes only where a pass does not depend on whose trials it takes: a model that
draws while it computes (RAND, a law fed by other cells) or reads the clock or the simulation
number (NOW, TODAY, RiskSimtable) is computed a run at a time, and so is a run that stops on
convergence. Each run's compute seconds are its own draws and statistics, and of each shared
pass the part its trials took.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy

from engines import passes
from engines.budget import checkpoint
from engines.clock import simulation
from engines.sampling.feed import RandomInput
from engines.simulation import (
    Model,
    RiskModel,
    RunState,
    SimulationOutcome,
    SimulationSpec,
    run_simulation,
    with_seed,
)
from engines.xp import get_xp


@dataclass
class _Run:
    spec: SimulationSpec
    items: list[RandomInput]
    correlation: Any
    state: RunState

    def structure(self) -> tuple[Any, ...]:
        """What a pass shared with another run must agree on: the cells and calls its random
        inputs feed, in order."""
        return tuple((item.label, item.cell, item.risk_id) for item in self.items)


def run_together(model: Model | RiskModel, specs: Sequence[SimulationSpec]
                 ) -> list[SimulationOutcome]:
    """Each spec's outcome on ``model``, as :func:`engines.simulation.run_simulation` gives it
    alone, in the order of ``specs``; passes are shared where they can be (see the module)."""
    outcomes: dict[int, SimulationOutcome] = {}
    groups: dict[tuple[Any, ...], list[tuple[int, _Run]]] = {}
    for position, spec in enumerate(specs):
        run = _prepared(model, with_seed(spec))
        if run is None:
            outcomes[position] = run_simulation(model, spec)
        else:
            groups.setdefault(run.structure(), []).append((position, run))
    for members in groups.values():
        _compute(model, [run for _, run in members])
        for position, run in members:
            outcomes[position] = run.state.outcome()
    return [outcomes[position] for position in range(len(specs))]


def _prepared(model: Model | RiskModel, spec: SimulationSpec) -> _Run | None:
    """The run ready to share passes; None for one computed alone (see the module)."""
    if spec.convergence is not None:
        return None
    items, correlation, state = RunState.begin(model, spec)
    if passes.draws_while_computing(model, items):
        return None
    return _Run(spec, items, correlation, state)


def _compute(model: Model | RiskModel, runs: Sequence[_Run]) -> None:
    """Every chunk of ``runs``, in passes of consecutive work of at most the pass budget."""
    xp = get_xp(runs[0].spec.backend)
    clock = time.thread_time if xp is numpy else time.perf_counter
    for run in runs:
        started = clock()
        with simulation(run.spec.as_of, run.spec.simulation_number):
            run.state.sketch_about_centers(xp, model, run.items)
        run.state.compute_seconds += clock() - started
    work = [(run, index) for run in runs for index in range(run.spec.chunks)]
    budget = passes.pass_trials(model, max(run.spec.chunk_size for run in runs))
    for shared in _passes(work, budget):
        checkpoint()  # a CPU budget (engines.budget) is checked between passes, as between chunks
        _one_pass(xp, clock, model, shared)


def _passes(work: list[tuple[_Run, int]], budget: int) -> list[list[tuple[_Run, int]]]:
    found: list[list[tuple[_Run, int]]] = []
    trials = budget
    for run, index in work:
        n = run.spec.chunk_trials(index)
        if trials + n > budget:
            found.append([])
            trials = 0
        found[-1].append((run, index))
        trials += n
    return found


def _one_pass(xp: Any, clock: Any, model: Model | RiskModel,
              shared: Sequence[tuple[_Run, int]]) -> None:
    drawn = []
    for run, index in shared:
        started = clock()
        drawn.append(passes.chunk_draws(xp, run.spec, index, run.items, run.correlation))
        run.state.compute_seconds += clock() - started
    first = shared[0][0].spec
    started = clock()
    # nothing in a shared pass reads the run's moment or number (see _prepared)
    with simulation(first.as_of, first.simulation_number):
        evaluated = passes.evaluate_pass(xp, model, shared[0][0].items, drawn,
                                         [run.items for run, _ in shared])
    took, total = clock() - started, sum(n for n, _, _ in drawn)
    for (run, _), (n, u, priorities), (raw, samples) in zip(shared, drawn, evaluated,
                                                             strict=True):
        started = clock()
        run.state.add(xp, n, raw, samples, priorities, u)
        run.state.compute_seconds += clock() - started + took * n / total
