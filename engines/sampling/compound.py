"""RiskCompound(frequency, severity, deductible, limit): per trial, the sum of a random number
of independent severity draws.

As @RISK defines it: the frequency (a distribution, a value or a cell) is sampled once per
trial and truncated to a whole number; that many draws of the severity distribution are taken,
each less the deductible (an occurrence below it adds nothing) and at most the limit, and
summed. The severity is a distribution written inside RiskCompound, drawn anew for every
occurrence, or a value the same for every occurrence of a trial.

The draws of a trial come from a generator seeded by the call's own uniforms in its chunk, so a
run, its chunks on other runners and ``/sample`` draw the same occurrences; they are plain Monte
Carlo draws (Latin hypercube stratifies the call's one uniform per trial, not its occurrences).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy

from engines.budget import checkpoint
from engines.sampling.distributions import (
    STATIC_POINTS,
    Truncation,
    draw,
    draw_per_trial,
    family,
)
from engines.sampling.errors import DistributionError
from engines.xp import Array

NAME = "RiskCompound"
MAX_PER_TRIAL = 10_000
"""Severity draws a trial may take on average over its chunk (the time a run takes grows
with them; memory does not: they are drawn in batches)."""
BATCH = 1_000_000
"""Occurrences drawn at a time (a single trial's may be more)."""


@dataclass(frozen=True)
class Compound:
    """How a RiskCompound call's arguments are laid out: after the frequency, ``severity``'s
    ``arity`` parameters (none: the severity is a value, one argument), then the deductible
    and the limit where given."""

    severity: str | None
    arity: int
    truncate: Truncation | None = None
    shift: float = 0.0
    deductible: bool = False
    limit: bool = False
    fixed_count: bool = False  # the frequency is a number written in the formula

    def split(self, args: Sequence[Any]) -> tuple[Any, list[Any], Any, Any]:
        """(frequency, severity parameters or [value], deductible or None, limit or None)."""
        width = max(self.arity, 1)
        severity = list(args[1:1 + width])
        rest = list(args[1 + width:])
        deductible = rest.pop(0) if self.deductible else None
        limit = rest.pop(0) if self.limit else None
        return args[0], severity, deductible, limit


def _generator(u: Array) -> numpy.random.Generator:
    """A generator determined by the call's uniforms in this chunk (themselves determined by
    the run's seed and the chunk)."""
    host = u.get() if hasattr(u, "get") else numpy.asarray(u)
    digest = hashlib.blake2b(numpy.ascontiguousarray(host).tobytes(), digest_size=8).digest()
    return numpy.random.default_rng(int.from_bytes(digest, "little"))


def _limited(xp: Any, values: Array, deductible: Array | None, limit: Array | None) -> Array:
    if deductible is not None:
        values = xp.maximum(values - deductible, 0.0)
    if limit is not None:
        values = xp.minimum(values, limit)
    return values


def sums(xp: Any, compound: Compound, u: Array, args: Sequence[Array]) -> Array:
    """Per trial (``u`` has one uniform per trial), the compound sum; NaN where the frequency
    is not a number >= 0 or a severity draw is invalid. Occurrences are drawn in batches of at
    most BATCH (the same draws as in one go), so memory stays bounded."""
    n = u.shape[0]
    frequency, severity, deductible, limit = compound.split(
        [xp.asarray(a, dtype=xp.float64) for a in args])
    frequency, deductible, limit = (None if a is None else xp.broadcast_to(a, (n,))
                                    for a in (frequency, deductible, limit))
    assert frequency is not None
    counts = xp.trunc(frequency)
    bad = ~xp.isfinite(counts) | (counts < 0)
    for bound in (deductible, limit):  # a negative one would add to a loss, or make one
        if bound is not None:
            bad = bad | ~(bound >= 0)
    counts = xp.where(bad, 0.0, counts)
    if compound.severity is None:  # a value, the same for every occurrence of a trial
        each = _limited(xp, xp.broadcast_to(severity[0].reshape(-1), (n,)), deductible, limit)
        return xp.where(bad, xp.nan, counts * each)
    total = float(counts.sum())
    if total > MAX_PER_TRIAL * n:
        raise DistributionError(
            f"{NAME}: the frequency averages {total / n:,.0f} occurrences a trial; at most"
            f" {MAX_PER_TRIAL:,} a trial are drawn (model so large a count by the law of its"
            " sum, e.g. a normal one, instead)")
    host = numpy.asarray(counts.get() if hasattr(counts, "get") else counts, dtype=numpy.int64)
    ends = numpy.cumsum(host)
    rng = _generator(u)
    summed = xp.zeros(n)
    first = 0
    while first < n:
        checkpoint()  # a batch is a million draws: a run past its CPU budget stops here
        before = int(ends[first - 1]) if first else 0
        last = max(int(numpy.searchsorted(ends, before + BATCH, side="right")), first + 1)
        part = slice(first, last)
        if int(ends[last - 1]) > before:
            owner = xp.asarray(numpy.repeat(numpy.arange(first, last), host[part]))
            summed[part] = xp.bincount(
                owner - first, weights=_occurrences(xp, compound, rng, owner, severity,
                                                    deductible, limit), minlength=last - first)
        first = last
    return xp.where(bad, xp.nan, summed)


def _occurrences(xp: Any, compound: Compound, rng: numpy.random.Generator, owner: Array,
                 severity: list[Array], deductible: Array | None, limit: Array | None) -> Array:
    """One severity draw per occurrence (``owner``: each occurrence's trial), after the
    deductible and the limit."""
    assert compound.severity is not None
    v = xp.asarray(rng.random(int(owner.shape[0])))
    # a table ({x…}, a range) is one row for all trials; a number is each occurrence's trial's
    params = [p.reshape(-1, p.shape[-1])[0] if p.ndim == 2
              else (p[owner] if p.ndim == 1 and p.shape[0] > 1 else p.reshape(-1)[0])
              for p in severity]
    drawn = draw_per_trial(xp, compound.severity, v, params, compound.truncate, compound.shift)
    return _limited(xp, drawn, None if deductible is None else deductible[owner],
                    None if limit is None else limit[owner])


def static_value(compound: Compound, args: Sequence[float]) -> float:
    """The sheet's value: the frequency's value (its distribution's mean when it is one; a
    number written in the formula truncated, as a trial truncates it) times the mean severity
    occurrence after
    deductible and limit (by the midpoint rule over its quantiles, as a truncated law's mean
    is taken); NaN for a negative frequency, deductible or limit."""
    frequency, severity, deductible, limit = compound.split(list(args))
    # E[N]: a distribution's mean; a number written in the formula, truncated as trials do
    count = math.trunc(float(frequency)) if compound.fixed_count else float(frequency)
    if count < 0 or any(b is not None and not float(b) >= 0 for b in (deductible, limit)):
        return float("nan")
    if compound.severity is None:
        each = numpy.asarray(float(severity[0]))
    else:
        family(compound.severity)  # a name it knows (the compiler checked)
        u = (numpy.arange(STATIC_POINTS) + 0.5) / STATIC_POINTS
        each = draw(numpy, compound.severity, u, severity, compound.truncate, compound.shift)
    limited = _limited(numpy, each, None if deductible is None else float(deductible),
                       None if limit is None else float(limit))
    return float(count * numpy.mean(limited))
