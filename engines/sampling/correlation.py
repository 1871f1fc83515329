"""Rank correlation between inputs, imposed on their uniforms with Iman–Conover.

Reordering each input's uniforms (never changing them) keeps Latin Hypercube strata and the
marginal distributions exact, and a rank order survives the monotone inverse transform, so the
requested Spearman correlations hold for the samples themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy

from engines.sampling.errors import CorrelationError
from engines.sampling.special import special
from engines.xp import Array

_SYMMETRY_TOL = 1e-9
_PSD_TOL = -1e-10


def nearest_correlation(matrix: numpy.ndarray[Any, Any], iterations: int = 200) -> Any:
    """The nearest correlation matrix in Frobenius norm (Higham 2002, with Dykstra's correction)."""
    y = matrix.copy()
    correction = numpy.zeros_like(y)
    for _ in range(iterations):
        r = y - correction
        x = _clip_eigenvalues(r, 0.0)
        correction = x - r
        y = x.copy()
        numpy.fill_diagonal(y, 1.0)
        if numpy.linalg.norm(y - x) < 1e-12:
            break
    # Alternating projections end a hair outside the PSD cone; a tiny floor keeps it inside.
    y = _clip_eigenvalues(y, 1e-12)
    scale = numpy.sqrt(numpy.diag(y))
    return y / numpy.outer(scale, scale)


def _clip_eigenvalues(matrix: Any, floor: float) -> Any:
    values, vectors = numpy.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * numpy.maximum(values, floor)) @ vectors.T


def checked_correlation(
    matrix: Sequence[Sequence[float]], names: Sequence[str]
) -> tuple[numpy.ndarray[Any, Any], str | None]:
    """The matrix validated (square, symmetric, unit diagonal, entries in [-1, 1]) and, when not
    positive semi-definite, replaced by the nearest correlation matrix with a warning."""
    m = numpy.asarray(matrix, dtype=numpy.float64)
    k = len(names)
    if m.shape != (k, k):
        raise CorrelationError(f"correlation matrix must be {k}x{k} for {k} inputs, got {m.shape}")
    if not numpy.all(numpy.isfinite(m)) or numpy.any(numpy.abs(m) > 1):
        raise CorrelationError("correlation matrix entries must be numbers in [-1, 1]")
    if not numpy.allclose(numpy.diag(m), 1.0, rtol=0, atol=_SYMMETRY_TOL):
        raise CorrelationError("correlation matrix diagonal must be all 1")
    asymmetry = numpy.abs(m - m.T)
    if numpy.any(asymmetry > _SYMMETRY_TOL):
        i, j = (int(v) for v in numpy.unravel_index(numpy.argmax(asymmetry), m.shape))
        raise CorrelationError(
            f"correlation matrix must be symmetric: {names[i]}/{names[j]} is {m[i, j]} "
            f"but {names[j]}/{names[i]} is {m[j, i]}"
        )
    smallest = float(numpy.linalg.eigvalsh(m)[0])
    if smallest >= _PSD_TOL:
        return m, None
    # repaired where it is imposed: among the normal scores' Pearson correlations (see
    # RankCorrelation), so the ranks' correlations it gives are the repaired matrix itself; a
    # matrix repaired among the ranks' correlations left that cone again when converted and
    # was repaired a second time, its ranks 0.02 off the warning's matrix
    scores = 2 * numpy.sin(math.pi * m / 6)
    numpy.fill_diagonal(scores, 1.0)
    repaired = 6 / math.pi * numpy.arcsin(numpy.clip(nearest_correlation(scores) / 2, -0.5, 0.5))
    numpy.fill_diagonal(repaired, 1.0)
    change = float(numpy.max(numpy.abs(repaired - m)))
    return repaired, (
        f"correlation matrix for {', '.join(names)} is not positive semi-definite (smallest "
        f"eigenvalue {smallest:.4g}); used the nearest valid correlation matrix "
        f"(largest entry change {change:.4g}): {numpy.round(repaired, 4).tolist()}"
    )


@dataclass(frozen=True)
class RankCorrelation:
    """Target Spearman correlations among rows ``rows`` of the uniforms."""

    rows: tuple[int, ...]
    spearman: numpy.ndarray[Any, Any]

    def score_factor(self) -> Any:
        """P with P Pᵀ the Pearson correlation of normal scores that yields ``spearman``.

        For normal scores, Spearman ρ corresponds to Pearson 2 sin(πρ/6); the converted matrix
        may leave the PSD cone slightly, so it is repaired again.
        """
        pearson = 2 * numpy.sin(math.pi * self.spearman / 6)
        numpy.fill_diagonal(pearson, 1.0)
        if numpy.linalg.eigvalsh(pearson)[0] < _PSD_TOL:
            pearson = nearest_correlation(pearson)
        values, vectors = numpy.linalg.eigh(pearson)
        return vectors * numpy.sqrt(numpy.maximum(values, 0.0))


def impose(xp: Any, u: Array, correlation: RankCorrelation) -> Array:
    """Reorder rows ``correlation.rows`` of ``u`` (inputs × trials) to the target rank correlation.

    Iman & Conover (1982): van der Waerden scores in the current (random) order are decorrelated
    by E^-1/2, correlated by P, and each input's sorted uniforms take the ranks of the result.
    """
    rows = list(correlation.rows)
    n = u.shape[1]
    if n < 2 or len(rows) < 2:
        return u
    block = u[rows]
    scores = special(xp, "ndtri", xp.arange(1, n + 1, dtype=xp.float64) / (n + 1))
    ranks = xp.argsort(xp.argsort(block, axis=1), axis=1)
    m = scores[ranks]
    e = (m @ m.T) / n
    e = e / xp.sqrt(xp.outer(xp.diag(e), xp.diag(e)))
    values, vectors = xp.linalg.eigh(e)
    inv_sqrt = (vectors / xp.sqrt(xp.maximum(values, 1e-12))) @ vectors.T
    target = xp.asarray(correlation.score_factor()) @ (inv_sqrt @ m)
    target_ranks = xp.argsort(xp.argsort(target, axis=1), axis=1)
    reordered = xp.take_along_axis(xp.sort(block, axis=1), target_ranks, axis=1)
    out = u.copy()
    out[rows] = reordered
    return out
