"""Least-squares regression returning arrays: LINEST, LOGEST, TREND and GROWTH.

Every trial is fitted at once (batched QR). Excel's shape rules: with known_y's in a column,
each column of known_x's is a variable and each row of new_x's a point; with known_y's in a
row, rows and columns swap. Shapes that do not fit are #REF!; a cell that is not a number, or
holds an error, is #VALUE!. LOGEST and GROWTH fit ln(y) (y <= 0 is #NUM!).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from engines.coerce import to_bool
from engines.errors import ExcelError
from engines.functions.registry import Call, Impl, Table, register
from engines.kernels.regression import Fit, least_squares, statistics
from engines.values import EMPTY, NUMBER, Value, error, host, kinds, number, with_error
from engines.xp import Array

FUNCTIONS: Table = {}
_RANGES = frozenset({0, 1, 2})


@dataclass(frozen=True, slots=True)
class _Data:
    """Numbers of a range by trial, ``values`` (t, r, c), with a per-trial #VALUE! flag."""

    values: Array
    bad: Array


def _numbers(xp: ModuleType, value: Value) -> _Data:
    shape = value.shape
    bad = xp.broadcast_to(kinds(xp, value) != NUMBER, shape)
    if value.err is not None:
        bad = bad | xp.broadcast_to(value.err != 0, shape)
    return _Data(xp.broadcast_to(value.num, shape), xp.any(bad.reshape(shape[0], -1), axis=1))


@dataclass(frozen=True, slots=True)
class _Problem:
    """A regression laid out as ``y`` (t, n) and ``x`` (t, n, p), whether y is a column, and
    per trial the error its data gives (0 for none)."""

    y: Array
    x: Array
    column: bool
    err: Array


def _problem(xp: ModuleType, args: Sequence[Value], logarithm: bool) -> _Problem | ExcelError:
    known_y = _numbers(xp, args[0])
    t, rows, cols = known_y.values.shape
    column = cols == 1
    count = rows if column else cols
    if rows != 1 and cols != 1:
        return ExcelError.REF
    y = known_y.values.reshape(t, count)
    bad = known_y.bad
    if len(args) > 1 and not _omitted(args[1]):
        known_x = _numbers(xp, args[1])
        xs = known_x.values
        bad = bad | known_x.bad
        if xs.shape[1] * xs.shape[2] == count and (xs.shape[1] == 1 or xs.shape[2] == 1):
            x = xs.reshape(xs.shape[0], count, 1)
        elif column and xs.shape[1] == count:
            x = xs
        elif not column and xs.shape[2] == count:
            x = xp.swapaxes(xs, 1, 2)
        else:
            return ExcelError.REF
    else:
        x = xp.arange(1.0, count + 1.0).reshape(1, count, 1)
    err = xp.where(bad, xp.int8(int(ExcelError.VALUE)), xp.int8(0))
    if logarithm:
        err = xp.where((err == 0) & xp.any(y <= 0.0, axis=1), xp.int8(int(ExcelError.NUM)), err)
        y = xp.log(xp.where(y > 0.0, y, 1.0))
    return _Problem(y, x, column, err)


def _omitted(value: Value) -> bool:
    return isinstance(value.kind, int) and value.kind == EMPTY and value.area is None


def _flag(xp: ModuleType, args: Sequence[Value], position: int, default: bool) -> bool | None:
    """A TRUE/FALSE argument, read from the first trial (None where it is not one)."""
    if len(args) <= position or _omitted(args[position]):
        return default
    flags, err = to_bool(xp, args[position])
    if err is not None and bool((err != 0).any()):
        return None
    return bool(np.asarray(host(xp, flags)).reshape(-1)[0])


def _too_few(problem: _Problem, constant: bool) -> bool:
    """Fewer points than coefficients to fit."""
    return bool(problem.x.shape[1] < problem.x.shape[2] + (1 if constant else 0))


def _fit(xp: ModuleType, problem: _Problem, constant: bool) -> tuple[Fit, Array, Array]:
    """The fit, its slopes (t, p) and its intercept (t,)."""
    fit = least_squares(xp, problem.y, problem.x, constant)
    p = problem.x.shape[2]
    slopes = fit.coefficients[:, :p]
    intercept = fit.coefficients[:, p] if constant else xp.zeros(slopes.shape[0])
    return fit, slopes, intercept


def _finish(xp: ModuleType, out: Array, codes: Array, na: Array | None = None) -> Value:
    """A result block with each trial's error ``codes``, and #N/A where ``na`` holds."""
    err = xp.broadcast_to(codes[:, None, None], out.shape)
    if na is not None:
        err = with_error(xp, err, na, ExcelError.NA)
    return number(xp, out, with_error(xp, err, ~xp.isfinite(out), ExcelError.NUM))


def _estimate(logarithm: bool) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        problem = _problem(xp, args, logarithm)
        constant, stats = _flag(xp, args, 2, True), _flag(xp, args, 3, False)
        if isinstance(problem, ExcelError):
            return error(xp, problem)
        if constant is None or stats is None:
            return error(xp, ExcelError.VALUE)
        if _too_few(problem, constant):
            return error(xp, ExcelError.NUM)
        fit, slopes, intercept = _fit(xp, problem, constant)
        top = xp.concatenate([xp.flip(slopes, axis=1), intercept[:, None]], axis=1)
        if logarithm:
            top = xp.exp(top)
        if not stats:
            return _finish(xp, top[:, None, :], problem.err)
        rows = xp.concatenate(
            [top[:, None, :], statistics(xp, problem.y, fit, problem.x.shape[2], constant)], axis=1
        )
        na = xp.zeros(rows.shape[1:], dtype=bool)
        na[2:, 2:] = True
        if not constant:
            na[1, -1] = True
        return _finish(xp, xp.where(xp.asarray(na), xp.nan, rows), problem.err, xp.asarray(na))

    return impl


def _predict(logarithm: bool) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        problem = _problem(xp, args, logarithm)
        constant = _flag(xp, args, 3, True)
        if isinstance(problem, ExcelError):
            return error(xp, problem)
        if constant is None:
            return error(xp, ExcelError.VALUE)
        if _too_few(problem, constant):
            return error(xp, ExcelError.NUM)
        p = problem.x.shape[2]
        if len(args) > 2 and not _omitted(args[2]):
            new = _numbers(xp, args[2])
            points, shape = _points(xp, new.values, p, problem.column)
            if points is None:
                return error(xp, ExcelError.REF)
            codes = xp.where(
                new.bad & (problem.err == 0), xp.int8(int(ExcelError.VALUE)), problem.err
            )
        else:
            points = problem.x
            shape = (problem.x.shape[1], 1) if problem.column else (1, problem.x.shape[1])
            codes = problem.err
        _, slopes, intercept = _fit(xp, problem, constant)
        estimate = xp.einsum("tkp,tp->tk", points, slopes) + intercept[:, None]
        if logarithm:
            estimate = xp.exp(estimate)
        return _finish(xp, estimate.reshape(estimate.shape[0], *shape), codes)

    return impl


def _points(
    xp: ModuleType, values: Array, p: int, column: bool
) -> tuple[Array | None, tuple[int, int]]:
    """new_x's as (t, k, p) points and the result's (rows, cols), or None when they do not fit."""
    t, rows, cols = values.shape
    if p == 1 and (rows == 1 or cols == 1):
        return values.reshape(t, rows * cols, 1), (rows, cols)
    if column and cols == p:
        return values, (rows, 1)
    if not column and rows == p:
        return xp.swapaxes(values, 1, 2), (1, cols)
    return None, (0, 0)


register(FUNCTIONS, "LINEST", 1, 4, _RANGES)(_estimate(False))
register(FUNCTIONS, "LOGEST", 1, 4, _RANGES)(_estimate(True))
register(FUNCTIONS, "TREND", 1, 4, _RANGES)(_predict(False))
register(FUNCTIONS, "GROWTH", 1, 4, _RANGES)(_predict(True))
