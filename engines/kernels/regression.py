"""Least squares as Excel's LINEST family computes it, for every trial at once.

Excel drops a variable that is collinear with the constant and the variables before it: its
coefficient and standard error are 0 and the others are fitted without it. Trials are grouped
by which variables they keep, and each group is solved by one batched QR decomposition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engines.xp import Array, to_numpy

_COLLINEAR = 1e-10  # a variable whose independent part is this small (relative) is dropped


@dataclass(frozen=True, slots=True)
class Fit:
    """``coefficients`` (t, q): the variables' then the constant's; ``variances`` (t, q): the
    diagonal of (X'X)^-1 over the kept variables (0 for dropped ones); ``residual`` (t, n)."""

    coefficients: Array
    variances: Array
    residual: Array


def _independent(xp: Any, design: Array, constant: bool) -> Array:
    """Per trial, which columns of ``design`` (t, n, q) to keep: Gram-Schmidt in Excel's
    order, the constant (last column) first."""
    q = design.shape[2]
    order = [q - 1, *range(q - 1)] if constant else list(range(q))
    basis: list[Array] = []
    keep: dict[int, Array] = {}
    for column in order:
        vector = design[:, :, column]
        size = xp.sqrt(xp.sum(vector**2, axis=1))
        for unit in basis:
            vector = vector - xp.sum(vector * unit, axis=1, keepdims=True) * unit
        rest = xp.sqrt(xp.sum(vector**2, axis=1))
        kept = rest > _COLLINEAR * size
        keep[column] = kept
        basis.append(xp.where(kept[:, None], vector / xp.where(kept, rest, 1.0)[:, None], 0.0))
    return xp.stack([keep[column] for column in range(q)], axis=1)


def least_squares(xp: Any, y: Array, x: Array, constant: bool) -> Fit:
    """Fit ``y`` (t, n) on ``x`` (t or 1, n, p), with an intercept when ``constant``."""
    trials = max(y.shape[0], x.shape[0])
    n = x.shape[1]
    design = xp.concatenate([x, xp.ones((x.shape[0], n, 1))], axis=2) if constant else x
    q = design.shape[2]
    y = xp.broadcast_to(y, (trials, n))
    keep = to_numpy(_independent(xp, design, constant))
    patterns, which = np.unique(keep, axis=0, return_inverse=True)
    which = np.asarray(which).reshape(-1)
    coefficients = xp.zeros((trials, q))
    variances = xp.zeros((trials, q))
    for index, pattern in enumerate(patterns):
        columns = np.flatnonzero(pattern)
        if columns.size == 0:
            continue
        rows = np.flatnonzero(which == index) if design.shape[0] > 1 else np.arange(trials)
        source = rows if design.shape[0] > 1 else np.zeros(1, dtype=np.int64)
        part = design[xp.asarray(source)][:, :, xp.asarray(columns)]
        orthonormal, upper = xp.linalg.qr(part)
        shape = (rows.size, columns.size, columns.size)
        upper = xp.broadcast_to(upper, shape)
        orthonormal = xp.broadcast_to(orthonormal, (rows.size, n, columns.size))
        projected = xp.einsum("mnc,mn->mc", orthonormal, y[xp.asarray(rows)])
        solved = xp.linalg.solve(upper, projected[..., None])[..., 0]
        inverse = xp.linalg.inv(upper)
        place = (xp.asarray(rows)[:, None], xp.asarray(columns)[None, :])
        coefficients[place] = solved
        variances[place] = xp.sum(inverse**2, axis=2)
    design = xp.broadcast_to(design, (trials, n, q))
    residual = y - xp.einsum("tnq,tq->tn", design, coefficients)
    return Fit(coefficients, variances, residual)


def statistics(xp: Any, y: Array, fit: Fit, variables: int, constant: bool) -> Array:
    """LINEST's rows 2-5 by trial, (t, 4, variables + 1): standard errors (slopes in reverse,
    then the constant's), r² and se(y), F and the degrees of freedom, ss(reg) and ss(resid).

    The degrees of freedom count every variable, dropped or not, as Excel's do; with none
    left, Excel reports a perfect fit (no residual), and so does RiskStream.
    """
    n = y.shape[-1]
    y = xp.broadcast_to(y, fit.residual.shape)
    freedom = float(n - variables - (1 if constant else 0))
    centre = xp.mean(y, axis=1, keepdims=True) if constant else 0.0
    total = xp.sum((y - centre) ** 2, axis=1)
    resid = xp.sum(fit.residual**2, axis=1)
    # a residual at rounding-error size is an exact fit (Excel's F is then #NUM!)
    resid = xp.where((resid <= 1e-20 * xp.sum(y**2, axis=1)) | (freedom <= 0.0), 0.0, resid)
    regression = total - resid
    with np.errstate(all="ignore"):
        se_y = xp.sqrt(resid / freedom) if freedom > 0 else xp.zeros(resid.shape)
        f = (regression / variables) / (resid / freedom)
        f = xp.where(resid == 0.0, xp.nan, f)
        errors = xp.sqrt(fit.variances) * se_y[:, None]
    width = variables + 1
    out = xp.full((resid.shape[0], 4, width), xp.nan)
    out[:, 0, :variables] = xp.flip(errors[:, :variables], axis=1)
    if constant:
        out[:, 0, variables] = errors[:, variables]
    out[:, 1, 0], out[:, 1, 1] = regression / total, se_y
    out[:, 2, 0], out[:, 2, 1] = f, freedom
    out[:, 3, 0], out[:, 3, 1] = regression, resid
    return out
