"""A mergeable quantile sketch with a relative-error guarantee (DDSketch, Masson et al. 2019).

A value x with |x| > ``MIN_INDEXABLE`` falls in bucket k = ceil(log_γ |x|), γ = (1+α)/(1-α),
kept in one store for positives and one for negatives; smaller magnitudes count as zero.
Every bucket is reported as 2γ^k/(γ+1), within relative error α of any value in it, so the
value returned for rank r is within α·|x_r| of the exact r-th smallest value x_r. Merging adds
bucket counts, so a merged sketch equals the sketch of all the data.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from engines.xp import Array, to_numpy

MIN_INDEXABLE = 1e-300
_EMPTY_KEYS = numpy.zeros(0, dtype=numpy.int64)


class LogSketch:
    """Quantiles within relative accuracy ``alpha`` in memory logarithmic in the value range."""

    def __init__(self, alpha: float = 1e-4) -> None:
        if not 0 < alpha < 1:
            raise ValueError(f"sketch relative accuracy must be in (0, 1), got {alpha}")
        self.alpha = alpha
        self._log_gamma = math.log1p(2 * alpha / (1 - alpha))
        self._stores = {1: (_EMPTY_KEYS, _EMPTY_KEYS), -1: (_EMPTY_KEYS, _EMPTY_KEYS)}
        self.zeros = 0
        self._view: tuple[Any, Any] | None = None

    @property
    def count(self) -> int:
        """Number of values added."""
        return self.zeros + sum(int(counts.sum()) for _, counts in self._stores.values())

    def add(self, xp: Any, values: Array) -> None:
        """Add a chunk of finite values."""
        for sign in (1, -1):
            magnitudes = values[sign * values > MIN_INDEXABLE] * sign
            if magnitudes.size:
                keys = xp.ceil(xp.log(magnitudes) / self._log_gamma).astype(xp.int64)
                unique, counts = xp.unique(keys, return_counts=True)
                self._absorb(sign, to_numpy(unique), to_numpy(counts).astype(numpy.int64))
        self.zeros += int(xp.sum(xp.abs(values) <= MIN_INDEXABLE))

    def merge(self, other: LogSketch) -> None:
        """Add ``other``'s values to this sketch (both must share alpha)."""
        if other.alpha != self.alpha:
            raise ValueError("cannot merge sketches of different relative accuracy")
        for sign, (keys, counts) in other._stores.items():
            self._absorb(sign, keys, counts)
        self.zeros += other.zeros

    def parts(self) -> dict[str, Any]:
        """The buckets as int64 arrays (keys and counts per sign, and the zero count)."""
        (neg_keys, neg_counts), (pos_keys, pos_counts) = self._stores[-1], self._stores[1]
        return {
            "negative_keys": neg_keys,
            "negative_counts": neg_counts,
            "positive_keys": pos_keys,
            "positive_counts": pos_counts,
            "zeros": numpy.asarray([self.zeros], dtype=numpy.int64),
        }

    @classmethod
    def from_parts(cls, alpha: float, parts: dict[str, Any]) -> LogSketch:
        """The sketch :meth:`parts` described."""
        sketch = cls(alpha)
        for sign, name in ((-1, "negative"), (1, "positive")):
            keys = numpy.asarray(parts[f"{name}_keys"], numpy.int64)
            sketch._absorb(sign, keys, numpy.asarray(parts[f"{name}_counts"], numpy.int64))
        sketch.zeros = int(parts["zeros"][0])
        return sketch

    def _absorb(self, sign: int, keys: Any, counts: Any) -> None:
        old_keys, old_counts = self._stores[sign]
        merged, index = numpy.unique(numpy.concatenate([old_keys, keys]), return_inverse=True)
        totals = numpy.zeros(merged.size, dtype=numpy.int64)
        numpy.add.at(totals, index, numpy.concatenate([old_counts, counts]))
        self._stores[sign] = (merged, totals)
        self._view = None

    def ordered(self) -> tuple[Any, Any]:
        """Bucket values ascending (negatives, zero, positives) and their counts."""
        if self._view is None:
            gamma = math.exp(self._log_gamma)
            neg_keys, neg_counts = self._stores[-1]
            pos_keys, pos_counts = self._stores[1]
            values = numpy.concatenate(
                [
                    -2 * numpy.exp(neg_keys[::-1] * self._log_gamma) / (gamma + 1),
                    numpy.zeros(1),
                    2 * numpy.exp(pos_keys * self._log_gamma) / (gamma + 1),
                ]
            )
            counts = numpy.concatenate([neg_counts[::-1], [self.zeros], pos_counts])
            keep = counts > 0
            self._view = values[keep], counts[keep]
        return self._view

    def at_rank(self, rank: Any) -> Any:
        """The value of the ``rank``-th smallest item (0-based), within relative error alpha."""
        values, counts = self.ordered()
        index = numpy.searchsorted(numpy.cumsum(counts), numpy.asarray(rank), side="right")
        return values[numpy.minimum(index, values.size - 1)]
