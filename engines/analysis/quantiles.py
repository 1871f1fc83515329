"""Order statistics of one output: exact while the values fit, a LogSketch beyond.

Up to ``exact_cap`` values are kept (on the host) and percentiles are exact, computed as
Excel's PERCENTILE.INC (linear interpolation between order statistics). Past the cap the
values move into a :class:`LogSketch`; a percentile is then the order statistic at rank
floor(p·(n-1)), within relative error alpha (1e-4 by default) of its distance from the
store's ``center``. A sketch of the values themselves erred by 1e-4 of the value: an output
whose spread is small beside its level (a completion date near serial 46,000, a total near
10^9) fell into a few buckets, its P5 off by days. The center (the output at its inputs'
medians, see ``engines.simulation``) is the same in every chunk of a run, however many
runners compute them, so their sketches merge bucket by bucket.
"""

from __future__ import annotations

from typing import Any

import numpy

from engines.analysis.sketch import LogSketch
from engines.xp import Array, to_numpy

DEFAULT_EXACT_CAP = 1_000_000


class QuantileStore:
    """Quantiles, counts below a value and tail means of the values added so far."""

    def __init__(self, exact_cap: int = DEFAULT_EXACT_CAP, alpha: float = 1e-4,
                 center: float = 0.0) -> None:
        self.exact_cap = exact_cap
        self.alpha = alpha
        self.center = center
        self._chunks: list[Any] = []
        self._sorted: Any | None = None
        self.sketch: LogSketch | None = None

    @property
    def exact(self) -> bool:
        """Whether every value is still kept (percentiles exact)."""
        return self.sketch is None

    @property
    def count(self) -> int:
        """Number of values added."""
        if self.sketch is not None:
            return self.sketch.count
        return sum(chunk.size for chunk in self._chunks)

    def add(self, xp: Any, values: Array) -> None:
        """Add a chunk of finite values."""
        if self.sketch is not None:
            self.sketch.add(xp, values - self.center)
            return
        self._chunks.append(to_numpy(values).copy())
        self._sorted = None
        self._spill_if_full()

    def merge(self, other: QuantileStore) -> None:
        """Add ``other``'s values."""
        if self.sketch is None and (self.count == 0 or other.sketch is not None):
            self.center = other.center  # exact values sketch about any center, losing nothing
        if other.sketch is None:
            for chunk in other._chunks:
                self.add(numpy, chunk)
            return
        if self.sketch is None:
            self._to_sketch()
        assert self.sketch is not None
        if other.center == self.center:
            self.sketch.merge(other.sketch)
            return
        values, counts = other.sketch.ordered()  # about another center: its buckets' values
        self.add(numpy, numpy.repeat(values + other.center, counts))

    def parts(self) -> dict[str, Any]:
        """The store as plain arrays, for :meth:`from_parts`: every value in the order added
        while exact, else the sketch's buckets."""
        center = {"center": numpy.asarray([self.center])}
        if self.sketch is not None:
            return {**self.sketch.parts(), **center}
        return {"values": numpy.concatenate(self._chunks) if self._chunks else numpy.zeros(0),
                **center}

    @classmethod
    def from_parts(cls, parts: dict[str, Any], exact_cap: int, alpha: float) -> QuantileStore:
        """The store :meth:`parts` described."""
        store = cls(exact_cap, alpha, float(parts["center"][0]) if "center" in parts else 0.0)
        if "values" in parts:
            store.add(numpy, parts["values"])
        else:
            store.sketch = LogSketch.from_parts(alpha, parts)
        return store

    def _spill_if_full(self) -> None:
        if self.count > self.exact_cap:
            self._to_sketch()

    def _to_sketch(self) -> None:
        sketch = LogSketch(self.alpha)
        for chunk in self._chunks:
            sketch.add(numpy, chunk - self.center)
        self.sketch, self._chunks, self._sorted = sketch, [], None

    def _values(self) -> Any:
        if self._sorted is None:
            joined = numpy.concatenate(self._chunks) if self._chunks else numpy.zeros(0)
            self._sorted = numpy.sort(joined)
        return self._sorted

    def quantile(self, fractions: Any) -> Any:
        """Values at probabilities ``fractions`` (each in [0, 1]); needs count > 0."""
        fractions = numpy.asarray(fractions, dtype=numpy.float64)
        if self.sketch is None:
            return sorted_quantile(self._values(), fractions)
        return self.center + self.sketch.at_rank(numpy.floor(fractions * (self.count - 1)))

    def count_below(self, thresholds: Any) -> Any:
        """How many values are < each threshold (from the sketch: by bucket value)."""
        thresholds = numpy.asarray(thresholds, dtype=numpy.float64)
        if self.sketch is None:
            return numpy.searchsorted(self._values(), thresholds, side="left")
        values, counts = self.sketch.ordered()
        below = numpy.concatenate([[0], numpy.cumsum(counts)])
        return below[numpy.searchsorted(values + self.center, thresholds, side="left")]

    def tail_mean(self, k: int, lower: bool) -> float:
        """Mean of the ``k`` smallest (``lower``) or largest values, 1 <= k <= count."""
        if self.sketch is None:
            values = self._values()
            tail = values[:k] if lower else values[values.size - k :]
            return float(tail.mean())
        values, counts = self.sketch.ordered()
        values = values + self.center
        if not lower:
            values, counts = values[::-1], counts[::-1]
        cum = numpy.cumsum(counts)
        last = int(numpy.searchsorted(cum, k, side="left"))
        full = float(numpy.dot(values[:last], counts[:last]))
        taken = int(cum[last - 1]) if last else 0
        return (full + (k - taken) * float(values[last])) / k

    def histogram(self, edges: Any) -> Any:
        """Counts in [e_i, e_i+1), the last bin closed."""
        if self.sketch is None:
            # numpy.histogram's own count for given edges, on the values sorted already (it
            # would sort them again)
            values = self._values()
            return numpy.diff(numpy.concatenate((values.searchsorted(edges[:-1], "left"),
                                                 values.searchsorted(edges[-1:], "right"))))
        below = self.count_below(edges).astype(numpy.int64)
        below[0], below[-1] = 0, self.count
        return numpy.diff(below)


def sorted_quantile(values: Any, fractions: Any) -> Any:
    """``numpy.quantile(values, fractions)`` (its default linear method, to the last bit) for
    ``values`` already sorted: read at the order statistics instead of copying and partitioning
    all the values again for every call."""
    fractions = numpy.asarray(fractions, dtype=numpy.float64)
    if values.size == 0 or numpy.isnan(values[-1]):
        return numpy.quantile(values, fractions)
    virtual = numpy.atleast_1d((values.size - 1) * fractions)
    previous = numpy.floor(virtual)
    following = previous + 1
    # as numpy does: past the last index both neighbours are the maximum, before 0 the minimum
    previous[virtual >= values.size - 1] = -1
    following[virtual >= values.size - 1] = -1
    previous[virtual < 0] = 0
    following[virtual < 0] = 0
    previous[numpy.isnan(virtual)] = -1
    following[numpy.isnan(virtual)] = -1
    low = values[previous.astype(numpy.intp)]
    high = values[following.astype(numpy.intp)]
    gamma = numpy.asarray(virtual - previous.astype(numpy.intp), dtype=virtual.dtype)
    span = high - low
    result = numpy.add(low, span * gamma)
    numpy.subtract(high, span * (1 - gamma), out=result, where=gamma >= 0.5)
    return result.reshape(fractions.shape)[()] if fractions.ndim == 0 else result
