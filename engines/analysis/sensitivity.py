"""Sensitivity of each output to each random input, for tornado charts.

* Standardised regression coefficients (SRC) come from the inputs' and output's means and
  co-moment matrix, merged exactly across chunks (the multivariate form of Chan et al.), so
  they equal a regression on every valid trial.
* Spearman rank correlations are computed on a uniform sample of trials: each trial carries a
  random priority and the ``reservoir`` lowest-priority trials are kept (bottom-k sampling).
  The kept set of a merged run is exactly that of one run over all chunks, and is every trial
  when the run is no larger than the reservoir.
* Contribution to variance is the normalised squared SRC, β_i² / Σ β_j²: each input's share
  of the variance the linear fit explains (exact for independent inputs and a linear model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy

from engines.analysis.ranking import average_ranks, ranks_by_place
from engines.xp import Array, to_numpy

DEFAULT_RESERVOIR = 20_000


@dataclass
class CoMoments:
    """Count, means and the sum of outer products of deviations of the vectors added."""

    count: int
    mean: Any
    comoment: Any

    @classmethod
    def of(cls, xp: Any, rows: Array) -> CoMoments:
        """Co-moments of the columns of ``rows`` (variables × trials)."""
        count = int(rows.shape[1])
        mean = xp.mean(rows, axis=1) if count else xp.zeros(rows.shape[0])
        dev = rows - mean[:, None]
        return cls(count, to_numpy(mean), to_numpy(dev @ dev.T))

    def merge(self, other: CoMoments) -> CoMoments:
        """Co-moments of both sets together."""
        n = self.count + other.count
        if self.count == 0 or other.count == 0:
            return self if other.count == 0 else other
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / n)
        extra = numpy.outer(delta, delta) * (self.count * other.count / n)
        return CoMoments(n, mean, self.comoment + other.comoment + extra)


class Sensitivity:
    """Sensitivity accumulator over all outputs of a run; inputs arrive as (k, n) samples."""

    def __init__(
        self, inputs: Sequence[str], outputs: Sequence[str], reservoir: int = DEFAULT_RESERVOIR
    ) -> None:
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.reservoir = reservoir
        k = len(self.inputs) + 1
        self.moments = {
            name: CoMoments(0, numpy.zeros(k), numpy.zeros((k, k))) for name in self.outputs
        }
        self._keys = numpy.zeros(0)
        self._x = numpy.zeros((len(self.inputs), 0))
        self._y = {name: numpy.zeros(0) for name in self.outputs}
        self._ok = {name: numpy.zeros(0, dtype=bool) for name in self.outputs}
        # samples kept but not yet merged into the reservoir: merged once they outnumber it
        # and before the reservoir is read, in one sort instead of one per chunk
        self._pending: list[tuple[Any, Any, dict[str, Any], dict[str, Any]]] = []
        self._pending_trials = 0
        # each kept trial's Latin hypercube stratum per input (inputs × m), while the sample
        # is one chunk's every trial: its inputs' ranks then need no sort (see ranks_by_place)
        self._strata: Any = None

    def update(
        self, xp: Any, inputs: Array, outputs: Mapping[str, tuple[Array, Array]], keys: Array,
        uniforms: Array | None = None,
    ) -> None:
        """Add one chunk: ``inputs`` (k, n), outputs name → (values, errors), ``keys`` (n,)
        uniform priorities for the Spearman sample; ``uniforms`` (k, n), where they are Latin
        hypercube draws, the ones each input was drawn through."""
        oks = {}
        # A trial whose input is NaN (invalid arguments in that trial) cannot enter a fit.
        inputs_ok = xp.all(xp.isfinite(inputs), axis=0)
        for name in self.outputs:
            values, errors = outputs[name]
            ok = (errors == 0) & xp.isfinite(values) & inputs_ok
            if bool(xp.all(ok)):
                # every trial valid (the common case): the same rows without two masked copies
                rows = xp.concatenate([inputs, values[None, :]])
            else:
                rows = xp.concatenate([inputs[:, ok], values[ok][None, :]])
            self.moments[name] = self.moments[name].merge(CoMoments.of(xp, rows))
            oks[name] = ok
        chosen = self._candidates(xp, keys)
        n = int(keys.size)
        strata = None
        if (uniforms is not None and self._empty() and chosen.size == n
                and uniforms.shape == inputs.shape):
            # the first chunk, kept whole in the order it came: its trials' strata
            strata = to_numpy(xp.floor(uniforms * n).astype(xp.intp))
        self.keep(
            to_numpy(keys[chosen]),
            to_numpy(inputs[:, chosen]),
            {name: to_numpy(outputs[name][0][chosen]) for name in self.outputs},
            {name: to_numpy(oks[name][chosen]) for name in self.outputs},
            strata,
        )

    def _candidates(self, xp: Any, keys: Array) -> Array:
        """Positions of the chunk's trials that can enter the reservoir: its lowest keys, and
        once the reservoir is full only those below the highest key kept (ties go to the
        trials kept already, as in :meth:`keep`)."""
        if self._keys.size and self._keys.size >= self.reservoir:
            below = xp.flatnonzero(keys < float(self._keys[-1]))
        else:
            below = xp.arange(keys.size)
        if below.size <= self.reservoir:
            return below
        return below[xp.argpartition(keys[below], self.reservoir - 1)[: self.reservoir]]

    def merge(self, other: Sensitivity) -> None:
        """Fold in another worker's accumulator for the same inputs and outputs."""
        for name in self.outputs:
            self.moments[name] = self.moments[name].merge(other.moments[name])
        self.keep(*other.sample())

    def sample(self) -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
        """The Spearman sample kept: priorities (ascending once the reservoir is full), inputs
        (k, m), and per output the values and whether each trial is valid; what :meth:`keep`
        takes."""
        self._settle()
        return self._keys, self._x, self._y, self._ok

    def keep(self, keys: Any, x: Any, y: dict[str, Any], ok: dict[str, Any],
             strata: Any = None) -> None:
        """Fold in another sample of trials of this run, keeping the lowest priorities;
        ``strata`` (inputs × trials): each trial's Latin hypercube stratum, where the sample is
        a chunk's every trial (they hold while it is the only one kept)."""
        # another chunk's strata order nothing here
        self._strata = strata if self._empty() else None
        self._pending.append((keys, x, y, ok))
        self._pending_trials += len(keys)
        if self._pending_trials >= self.reservoir:
            self._settle()

    def _empty(self) -> bool:
        """Whether no trial is kept yet."""
        return not self._keys.size and not self._pending

    def _settle(self) -> None:
        """Merge the pending samples into the reservoir: the ``reservoir`` lowest priorities,
        ascending (every trial as it came while fewer), ties in the order the trials came (the
        kept ones first). Merging many samples at once keeps exactly what merging them one by
        one keeps."""
        if not self._pending:
            return
        parts = [(self._keys, self._x, self._y, self._ok), *self._pending]
        self._pending, self._pending_trials = [], 0
        keys = numpy.concatenate([part[0] for part in parts])
        # a sample smaller than the reservoir is kept whole, in the order it came (a small
        # run's: nothing to sort), and sorted once it fills the reservoir
        order = _ascending(keys)[: self.reservoir] if keys.size >= self.reservoir else slice(None)
        self._keys = keys[order]
        if self._strata is not None:
            self._strata = self._strata[:, order]
        self._x = numpy.concatenate([part[1] for part in parts], axis=1)[:, order]
        for name in self.outputs:
            self._y[name] = numpy.concatenate([part[2][name] for part in parts])[order]
            self._ok[name] = numpy.concatenate([part[3][name] for part in parts])[order]

    def result(self) -> dict[str, dict[str, Any]]:
        """Per output: ``r_squared`` and ``inputs`` sorted by |SRC| (ties by |Spearman|)."""
        self._settle()
        input_ranks: dict[bytes | None, _Centred] = {}  # per set of valid trials (None: all)
        return {name: self._output_result(name, input_ranks) for name in self.outputs}

    def _output_result(self, name: str, input_ranks: dict[bytes | None, _Centred]
                       ) -> dict[str, Any]:
        src, r_squared = self._src(name)
        rank = self._spearman(name, input_ranks)
        total = float(numpy.sum(src**2))
        rows: list[dict[str, Any]] = [
            {
                "input": cell,
                "src": float(b),
                "spearman": float(r),
                "contribution": float(b * b / total) if total > 0 else 0.0,
            }
            for cell, b, r in zip(self.inputs, src, rank, strict=True)
        ]
        rows.sort(key=lambda row: (-abs(row["src"]), -abs(row["spearman"])))
        return {"r_squared": r_squared, "sample_size": int(self._ok[name].sum()), "inputs": rows}

    def _src(self, name: str) -> tuple[Any, float]:
        m = self.moments[name]
        k = len(self.inputs)
        var = numpy.diag(m.comoment)
        # Spread below rounding noise of the mean means the quantity is constant in this run.
        varying = var > m.count * (1e-12 * numpy.abs(m.mean)) ** 2
        if m.count < 3 or not varying[k]:
            return numpy.zeros(k), 0.0
        live = numpy.flatnonzero(varying[:k])
        if live.size >= m.count - 1:  # no more trials than coefficients: none is determined
            return numpy.zeros(k), 0.0
        scale = numpy.sqrt(numpy.where(varying, var, 1.0))
        corr = m.comoment / numpy.outer(scale, scale)
        beta = numpy.zeros(k)
        if live.size:
            beta[live] = numpy.linalg.lstsq(corr[numpy.ix_(live, live)], corr[live, k], rcond=None)[
                0
            ]
        return beta, float(numpy.dot(beta, corr[:k, k]))

    def _spearman(self, name: str, input_ranks: dict[bytes | None, _Centred]) -> Any:
        ok = self._ok[name]
        k = len(self.inputs)
        if ok.sum() < 3:
            return numpy.zeros(k)
        every = bool(ok.all())  # the common case: no masked copies
        mask = None if every else numpy.packbits(ok).tobytes()
        if mask not in input_ranks:  # outputs valid in the same trials share them
            strata = self._strata if every else None
            rows = ([ranks_by_place(row, strata[i]) for i, row in enumerate(self._x)]
                    if strata is not None else
                    [average_ranks(row) for row in (self._x if every else self._x[:, ok])])
            input_ranks[mask] = _Centred.of(numpy.vstack(rows) if rows else
                                            numpy.zeros((0, int(ok.sum()))))
        inputs = input_ranks[mask]
        output = _Centred.of(average_ranks(self._y[name] if every else self._y[name][ok])[None])
        return ((inputs.dev @ output.dev[0]) / (inputs.safe * output.safe[0])
                * (inputs.norms > 0) * (output.norms[0] > 0))


@dataclass
class _Centred:
    """Rows of ranks less each row's mean, and each row's norm (``safe``: 1 where it is 0):
    the inputs' are shared by the outputs valid in the same trials."""

    dev: Any
    norms: Any
    safe: Any

    @classmethod
    def of(cls, ranks: Any) -> _Centred:
        dev = ranks - ranks.mean(axis=1, keepdims=True)
        norms = numpy.sqrt(numpy.sum(dev * dev, axis=1))
        return cls(dev, norms, numpy.where(norms > 0, norms, 1.0))


def _ascending(keys: Any) -> Any:
    """The order of ``keys`` ascending, equal keys in the order they came: a stable sort's
    order. Random priorities are almost never equal, and without ties any sort's order is that
    one, so the stable sort (six times slower on numpy's floats) runs only when there are ties."""
    order = numpy.argsort(keys)
    ordered = keys[order]
    if bool(numpy.any(ordered[1:] == ordered[:-1])):
        return numpy.argsort(keys, kind="stable")
    return order
