"""Everything RiskStream reports about one output, accumulated chunk by chunk.

Trials whose error code is not 0 (see :mod:`engines.errors`) are excluded from every statistic
and counted by error; a non-finite value without an error code counts as #NUM!.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy

from engines.analysis.moments import Moments
from engines.analysis.quantiles import DEFAULT_EXACT_CAP, QuantileStore
from engines.errors import ExcelError
from engines.xp import Array, to_numpy

DEFAULT_PERCENTILES = (1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0)
MIN_BINS, MAX_BINS = 10, 200
CDF_POINTS = 101


@dataclass(frozen=True)
class OutputOptions:
    """What to report: ``percentiles`` in percent (0-100), ``var_levels`` as fractions in (0, 1),
    ``targets`` as values for P(output < target)."""

    percentiles: Sequence[float] = DEFAULT_PERCENTILES
    targets: Sequence[float] = ()
    var_levels: Sequence[float] = ()
    exact_cap: int = DEFAULT_EXACT_CAP
    sketch_alpha: float = 1e-4

    def __post_init__(self) -> None:
        if any(not 0 <= p <= 100 for p in self.percentiles):
            raise ValueError(f"percentiles must be in [0, 100], got {list(self.percentiles)}")
        if any(not 0 < level < 1 for level in self.var_levels):
            raise ValueError(f"VaR levels must be in (0, 1), got {list(self.var_levels)}")


@dataclass
class OutputAccumulator:
    """Statistics of one output, updated per chunk and mergeable with another worker's."""

    options: OutputOptions = field(default_factory=OutputOptions)
    moments: Moments = field(default_factory=Moments)
    errors: dict[int, int] = field(default_factory=dict)
    below_targets: list[int] = field(default_factory=list)
    store: QuantileStore = field(init=False)

    def __post_init__(self) -> None:
        self.store = QuantileStore(self.options.exact_cap, self.options.sketch_alpha)
        self.below_targets = [0] * len(self.options.targets)

    def update(self, xp: Any, values: Array, errors: Array) -> None:
        """Add one chunk: ``values`` float64 (n,), ``errors`` int8 (n,) Excel error codes."""
        codes = xp.where((errors == 0) & ~xp.isfinite(values), int(ExcelError.NUM), errors)
        ok = codes == 0
        if not bool(xp.all(ok)):
            found, counts = xp.unique(codes[~ok], return_counts=True)
            for code, count in zip(
                to_numpy(found).tolist(), to_numpy(counts).tolist(), strict=True
            ):
                self.errors[int(code)] = self.errors.get(int(code), 0) + int(count)
        good = values[ok]
        self.moments = self.moments.merge(Moments.of(xp, good))
        self.store.add(xp, good)
        for i, target in enumerate(self.options.targets):
            self.below_targets[i] += int(xp.sum(good < target))

    def merge(self, other: OutputAccumulator) -> None:
        """Fold in another accumulator of the same output and options."""
        self.moments = self.moments.merge(other.moments)
        self.store.merge(other.store)
        for code, count in other.errors.items():
            self.errors[code] = self.errors.get(code, 0) + count
        self.below_targets = [
            a + b for a, b in zip(self.below_targets, other.below_targets, strict=True)
        ]

    def quantile(self, fractions: Any) -> Any:
        """Values at the given probabilities (numpy array); needs at least one valid trial."""
        # A sketch bucket's value may lie a hair beyond the observed extremes.
        return numpy.clip(self.store.quantile(fractions), self.moments.min, self.moments.max)

    def result(self) -> dict[str, Any]:
        """A JSON-ready summary (plain floats and lists); statistics are None with no valid trial.

        VaR at level a is the a-quantile of the output; CVaR is the mean of the tail beyond it,
        the lower tail (the ceil(a·n) smallest values) for a < 0.5, else the upper tail (the
        ceil((1-a)·n) largest).
        """
        n = self.moments.count
        opts = self.options
        out: dict[str, Any] = {
            "count": n,
            "error_count": sum(self.errors.values()),
            "errors": {_error_text(code): count for code, count in sorted(self.errors.items())},
            **self.moments.statistics(),
            "percentile_method": "exact" if self.store.exact else "sketch",
            "percentile_relative_error": 0.0 if self.store.exact else opts.sketch_alpha,
        }
        if n == 0:
            return out | {
                "median": None,
                "percentiles": [],
                "histogram": None,
                "cdf": None,
                "var": [],
                "targets": [],
            }
        levels = numpy.linspace(0.0, 1.0, CDF_POINTS)
        # every quantile reported, read in one call (each is read on its own as it would be)
        asked = [levels, numpy.asarray(opts.percentiles, dtype=numpy.float64) / 100.0,
                 numpy.asarray([0.5, 0.25, 0.75]), numpy.asarray(opts.var_levels, dtype=float)]
        cdf_x, percentiles, (median, q25, q75), var_at = numpy.split(
            self.quantile(numpy.concatenate(asked)),
            numpy.cumsum([part.size for part in asked[:-1]]))
        out |= {
            "median": float(median),
            "percentiles": [
                {"p": float(p), "value": float(v)}
                for p, v in zip(opts.percentiles, percentiles, strict=True)
            ],
            "histogram": self._histogram(float(q25), float(q75)),
            "cdf": {"p": levels.tolist(), "x": cdf_x.tolist()},
            "var": [self._var(level, float(at))
                    for level, at in zip(opts.var_levels, var_at, strict=True)],
            "targets": [
                {"target": float(t), "p_below": below / n}
                for t, below in zip(opts.targets, self.below_targets, strict=True)
            ],
        }
        return out

    def _var(self, level: float, at: float) -> dict[str, float | str]:
        """VaR and CVaR at ``level``, the output's quantile there being ``at``."""
        n = self.moments.count
        lower = level < 0.5
        k = max(1, math.ceil((level if lower else 1 - level) * n - 1e-9))
        return {
            "level": float(level),
            "var": at,
            "cvar": self.store.tail_mean(k, lower),
            "tail": "lower" if lower else "upper",
        }

    def _histogram(self, q25: float, q75: float) -> dict[str, list[float]]:
        """Freedman–Diaconis bins (2·IQR/n^⅓ wide), clipped to 10..200 bins over [min, max];
        ``q25``, ``q75``: the output's quartiles."""
        lo, hi, n = self.moments.min, self.moments.max, self.moments.count
        if hi <= lo:
            return {"edges": [lo, hi], "counts": [n]}
        # halves, exact in binary, keep values near ±1.8e308 from overflowing to inf; the
        # ratio is the same number as (hi - lo) / width wherever that does not overflow
        half_width = float(q75 / 2 - q25 / 2) * 2 / n ** (1 / 3)
        ratio = (hi / 2 - lo / 2) / half_width if half_width > 0 else math.inf
        bins = min(max(math.ceil(ratio) if ratio < MAX_BINS else MAX_BINS, MIN_BINS), MAX_BINS)
        if math.isfinite(hi - lo):
            edges = numpy.linspace(lo, hi, bins + 1)
        else:  # linspace's step would be inf: weigh the ends instead
            steps = numpy.linspace(0.0, 1.0, bins + 1)
            edges = lo * (1 - steps) + hi * steps
        return {"edges": edges.tolist(), "counts": self.store.histogram(edges).tolist()}


def _error_text(code: int) -> str:
    try:
        return ExcelError(code).code
    except ValueError:
        return f"#ERROR{code}"
