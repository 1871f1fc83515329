"""The Monte Carlo runner: sample inputs chunk by chunk, evaluate the model, accumulate results.

A run is a sequence of chunks of at most ``chunk_size`` trials. Chunk i draws its uniforms
from a stream of its own derived from (seed, i), and every accumulator merges exactly, so a
run split across workers by chunk index (:func:`run_chunks` on each, then
:meth:`RunState.merge`) gives the outcome of one :func:`run_simulation`. Consecutive chunks
share one pass of the model (:mod:`engines.passes`) without changing a bit of the outcome. Memory
stays bounded by the chunk size (times the chunks of a pass), the exact-percentile cap and the
Spearman reservoir, whatever the run size.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

import numpy

from engines import passes
from engines.analysis.convergence import ConvergenceSpec, converged
from engines.analysis.output import DEFAULT_PERCENTILES, OutputAccumulator, OutputOptions
from engines.analysis.quantiles import DEFAULT_EXACT_CAP
from engines.analysis.sensitivity import DEFAULT_RESERVOIR, Sensitivity
from engines.clock import chunk_generator, drawing, simulation
from engines.sampling.distributions import Distribution, ParamValue, Truncation
from engines.sampling.feed import RandomInput, from_risk_input, with_dependencies
from engines.sampling.parse import parse_distribution
from engines.sampling.targets import CorrelationSpec, rank_correlation
from engines.sampling.uniforms import Method
from engines.xp import Array, get_xp

EXACT_VALUES_BUDGET = 20_000_000
"""Most output values a run keeps for exact percentiles, over all outputs (160 MB)."""

Progress = Callable[[int, int], bool]
"""Called between chunks with (trials done, trials planned); returning False cancels the run."""

InputSpec = (
    Distribution
    | str
    | tuple[str, Sequence[ParamValue]]
    | tuple[str, Sequence[ParamValue], Mapping[str, Any]]
)
"""An input: a Distribution, an API string ``"normal(100, 10)"``, ``(name, params)`` or
``(name, params, {"truncate": (lo, hi), "shift": s})``: either key optional, a None bound
open, ``truncate`` a :class:`Truncation` or a pair meaning RiskTruncate (before the shift)."""


class Model(Protocol):
    """A compiled model: evaluates all trials of a chunk at once.

    ``evaluate(n, inputs)`` receives each input cell's n samples and returns, for every output
    cell, ``(values float64 (n,), errors int8 (n,))`` with Excel error codes (0 = no error).
    """

    def evaluate(self, n: int, inputs: Mapping[str, Array]) -> Mapping[str, tuple[Array, Array]]:
        """Outputs of n trials given per-trial input values."""
        ...


class RiskModel(Protocol):
    """A model with distribution calls in its cells (:class:`engines.compiler.CompiledModel`).

    Each of ``risk_inputs`` is supplied through ``risk_values``: keyed by the input's ``id``,
    an array of n samples or a callable receiving the call's evaluated arguments.
    """

    risk_inputs: Sequence[Any]

    def evaluate(
        self, n: int, inputs: Mapping[str, Array], risk_values: Mapping[Any, Any]
    ) -> Mapping[str, tuple[Array, Array]]:
        """Outputs of n trials given request inputs and the distribution calls' samples."""
        ...


def _as_distribution(cell: str, spec: InputSpec) -> Distribution:
    if isinstance(spec, Distribution):
        return spec
    if isinstance(spec, str):
        name, params = parse_distribution(spec)
        return Distribution(name, tuple(params), label=cell)
    options: Mapping[str, Any] = spec[2] if len(spec) == 3 else {}
    unknown = set(options) - {"truncate", "shift"}
    if unknown:
        raise ValueError(
            f"input {cell}: unknown options {sorted(unknown)}; expected 'truncate' and/or 'shift'"
        )
    truncate = options.get("truncate")
    if truncate is not None and not isinstance(truncate, Truncation):
        truncate = Truncation(*truncate)
    return Distribution(
        spec[0], tuple(spec[1]), truncate, float(options.get("shift", 0.0)), label=cell
    )


@dataclass(frozen=True)
class SimulationSpec:
    """What to run: input distributions by cell, outputs, size, sampling and what to report.

    ``outputs`` empty: the model's own output cells (RiskOutput), named once it is compiled.
    ``percentiles`` are in percent, ``var_levels`` fractions in (0, 1), ``targets`` values
    for P(output < target), applied to every output. ``exact_cap`` valid values per output
    (at most EXACT_VALUES_BUDGET over all outputs) keep percentiles exact; beyond, a sketch.
    ``reservoir`` trials are kept for Spearman correlations.
    """

    inputs: Mapping[str, InputSpec]
    outputs: Sequence[str]
    iterations: int
    seed: int | None = None
    sampling: Method = "lhs"
    correlation: CorrelationSpec | None = None
    chunk_size: int = 100_000
    backend: str = "numpy"
    convergence: ConvergenceSpec | None = None
    percentiles: Sequence[float] = DEFAULT_PERCENTILES
    targets: Sequence[float] = ()
    var_levels: Sequence[float] = (0.05, 0.95)
    exact_cap: int = DEFAULT_EXACT_CAP
    reservoir: int = DEFAULT_RESERVOIR
    as_of: datetime | None = None  # what TODAY() and NOW() read (engines.clock); None: now
    simulation_number: int = 1  # which of RiskSimtable's values the formulas read

    def __post_init__(self) -> None:
        resolved = {cell: _as_distribution(cell, spec) for cell, spec in self.inputs.items()}
        object.__setattr__(self, "inputs", resolved)
        if self.iterations < 1:
            raise ValueError(f"iterations must be >= 1, got {self.iterations}")
        if self.seed is not None and self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed}")
        if self.chunk_size < 2:
            raise ValueError(f"chunk_size must be >= 2, got {self.chunk_size}")
        if self.sampling not in ("lhs", "mc"):
            raise ValueError(f"sampling must be 'lhs' or 'mc', got {self.sampling!r}")

    @property
    def distributions(self) -> dict[str, Distribution]:
        """The inputs, each resolved to a :class:`Distribution`."""
        return dict(self.inputs)  # type: ignore[arg-type]

    @property
    def chunks(self) -> int:
        """Number of chunks the full run takes."""
        return math.ceil(self.iterations / self.chunk_size)

    def chunk_trials(self, index: int) -> int:
        """Trials in chunk ``index``."""
        return min(self.chunk_size, self.iterations - index * self.chunk_size)


@dataclass
class SimulationOutcome:
    """A finished (or cancelled, or converged early) run, JSON-ready through :meth:`to_dict`."""

    outputs: dict[str, dict[str, Any]]
    sensitivity: dict[str, dict[str, Any]]
    iterations: int
    requested_iterations: int
    seed: int
    cancelled: bool
    converged: bool | None
    warnings: list[str]
    compute_seconds: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of plain Python values."""
        return dict(vars(self))


@dataclass
class RunState:
    """Accumulated results of some chunks of a run; merge states from several workers."""

    spec: SimulationSpec
    outputs: dict[str, OutputAccumulator]
    sensitivity: Sensitivity
    iterations: int = 0
    cancelled: bool = False
    converged: bool | None = None
    warnings: list[str] = field(default_factory=list)
    compute_seconds: float = 0.0

    @classmethod
    def empty(cls, spec: SimulationSpec, inputs: Sequence[str]) -> RunState:
        """A state with nothing accumulated yet; ``inputs`` label the random inputs."""
        if not spec.outputs:
            raise ValueError("at least one output cell is required")
        # Exact values are kept per output; a run with many outputs shares one budget.
        cap = min(spec.exact_cap, EXACT_VALUES_BUDGET // len(spec.outputs))
        options = OutputOptions(spec.percentiles, spec.targets, spec.var_levels, cap)
        return cls(
            spec,
            {name: OutputAccumulator(options) for name in spec.outputs},
            Sensitivity(inputs, spec.outputs, spec.reservoir),
            converged=None if spec.convergence is None else False,
        )

    @classmethod
    def begin(cls, model: Model | RiskModel, spec: SimulationSpec
              ) -> tuple[list[RandomInput], Any, RunState]:
        """A run's random inputs, their rank correlation, and its state with nothing
        accumulated yet but the correlation's warnings."""
        items = random_inputs(model, spec)
        correlation, warnings = rank_correlation(spec.correlation, items)
        state = cls.empty(spec, [item.label for item in items])
        state.warnings.extend(warnings)
        return items, correlation, state

    def sketch_about_centers(self, xp: Any, model: Model | RiskModel,
                             items: Sequence[RandomInput]) -> None:
        """Past the exact bound, percentiles come from a sketch about each output's center
        (to be called within the run's ``engines.clock.simulation``)."""
        if self.spec.iterations > next(iter(self.outputs.values())).options.exact_cap:
            for name, center in passes.centers(xp, model, self.spec, items).items():
                self.outputs[name].store.center = center

    def add(self, xp: Any, n: int, raw: passes.Outputs, samples: Array, priorities: Array,
            uniforms: Array | None = None) -> None:
        """Fold in one chunk's ``n`` trials: the model's outputs, the inputs' samples (k, n)
        and the trials' priorities for the Spearman sample; ``uniforms`` (k, n), the chunk's
        draws the samples came through."""
        results = passes.checked_outputs(xp, n, self.spec.outputs, raw)
        for name, (values, errors) in results.items():
            self.outputs[name].update(xp, values, errors)
        # Latin hypercube draws put each input's trials in strata that rank them
        lhs = uniforms if self.spec.sampling == "lhs" else None
        self.sensitivity.update(xp, samples, results, priorities, lhs)
        self.iterations += n

    def merge(self, other: RunState) -> None:
        """Fold in the state of other chunks of the same run."""
        for name, acc in self.outputs.items():
            acc.merge(other.outputs[name])
        self.sensitivity.merge(other.sensitivity)
        self.iterations += other.iterations
        self.cancelled = self.cancelled or other.cancelled
        self.warnings.extend(w for w in other.warnings if w not in self.warnings)
        self.compute_seconds += other.compute_seconds
        if self.spec.convergence is not None:
            self.converged = converged(self.spec.convergence, self.outputs.values())

    def outcome(self) -> SimulationOutcome:
        """The JSON-ready results; their statistics' compute counts in the run's (a regression
        on thousands of inputs is seconds of it)."""
        assert self.spec.seed is not None
        clock = time.thread_time if self.spec.backend == "numpy" else time.perf_counter
        began = clock()
        outputs = {name: acc.result() for name, acc in self.outputs.items()}
        sensitivity = self.sensitivity.result()
        return SimulationOutcome(
            outputs=outputs,
            sensitivity=sensitivity,
            iterations=self.iterations,
            requested_iterations=self.spec.iterations,
            seed=self.spec.seed,
            cancelled=self.cancelled,
            converged=self.converged,
            warnings=list(self.warnings),
            compute_seconds=self.compute_seconds + (clock() - began),
        )


def new_seed() -> int:
    """A seed drawn from the OS, 53 bits so it survives a round trip through JSON numbers in
    any client."""
    return int(numpy.random.SeedSequence().generate_state(1, numpy.uint64)[0]) >> 11


def with_seed(spec: SimulationSpec) -> SimulationSpec:
    """``spec`` with a seed drawn from the OS when it has none, so the run can be reproduced."""
    return spec if spec.seed is not None else replace(spec, seed=new_seed())


def random_inputs(model: Model | RiskModel, spec: SimulationSpec) -> list[RandomInput]:
    """The run's random inputs: request inputs in spec order, then the model's Risk calls."""
    items = [RandomInput(cell, cell, dist.name, dist) for cell, dist in spec.distributions.items()]
    items += [from_risk_input(r) for r in getattr(model, "risk_inputs", ()) if not r.locked]
    items = with_dependencies(items)
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.label in seen:
            items[i] = replace(item, label=f"{item.label} ({item.cell}#{i})")
        seen[items[i].label] = i
    return items


def run_chunks(
    model: Model | RiskModel,
    spec: SimulationSpec,
    chunks: Iterable[int],
    progress: Progress | None = None,
) -> RunState:
    """Run the given chunk indices of ``spec`` (which must carry a seed; see :func:`with_seed`).

    Stops early when ``progress`` returns False (cancelled) or the convergence test passes.
    """
    if spec.seed is None:
        raise ValueError("run_chunks needs a seeded spec; use with_seed(spec)")
    xp = get_xp(spec.backend)
    chunks = list(chunks)
    planned = sum(spec.chunk_trials(i) for i in chunks)
    items, correlation, state = RunState.begin(model, spec)
    # compute seconds are the run's own: its thread's CPU time on numpy (runs sharing cores
    # are not billed for each other), wall time on a GPU (the device does the work)
    clock = time.thread_time if xp is numpy else time.perf_counter
    with simulation(spec.as_of, spec.simulation_number):  # the same in every trial
        state.sketch_about_centers(xp, model, items)
        for indices in passes.chunk_passes(model, spec, chunks, items):
            started = clock()
            drawn = [passes.chunk_draws(xp, spec, index, items, correlation) for index in indices]
            with drawing(chunk_generator(spec.seed, indices[0]) if len(indices) == 1 else None):
                evaluated = passes.evaluate_pass(xp, model, items, drawn)
            for (n, u, priorities), (raw, samples) in zip(drawn, evaluated, strict=True):
                state.add(xp, n, raw, samples, priorities, u)
                state.compute_seconds += clock() - started
                started = clock()
                if progress is not None and not progress(state.iterations, planned):
                    state.cancelled = True
                    return state
                if spec.convergence is not None:
                    state.converged = converged(spec.convergence, state.outputs.values())
                    if state.converged:
                        return state
    return state


def run_simulation(
    model: Model | RiskModel, spec: SimulationSpec, progress: Progress | None = None
) -> SimulationOutcome:
    """Run every chunk of ``spec`` on ``model`` and summarise."""
    seeded = with_seed(spec)
    return run_chunks(model, seeded, range(seeded.chunks), progress).outcome()


__all__ = [
    "ConvergenceSpec",
    "CorrelationSpec",
    "Model",
    "RiskModel",
    "RunState",
    "SimulationOutcome",
    "SimulationSpec",
    "new_seed",
    "run_chunks",
    "run_simulation",
    "with_seed",
]
