"""FORECAST.ETS, FORECAST.ETS.CONFINT, FORECAST.ETS.SEASONALITY and FORECAST.ETS.STAT.

Each trial's series is fitted once (trials sharing their data share the fit); the model is in
:mod:`engines.functions.etsmodel`. A target inside the history reads the series itself,
linearly between points, rising from 0 one step before the first point as Excel's cached
values show; earlier targets are #NUM!. Beyond the last point, forecasts between two steps
are interpolated likewise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import ndtri

from engines.errors import ExcelError
from engines.functions.etsmodel import (
    MAX_SEASON,
    Fit,
    Floats,
    SeriesError,
    detect_season,
    fit,
    regular_series,
)
from engines.functions.kernels import adapt
from engines.functions.registry import Table, register
from engines.kernels.spec import Arg
from engines.kernels.support import kernel, on_host
from engines.xp import Array

FUNCTIONS: Table = {}
N, V = Arg.NUM, Arg.VALUES
_STATISTICS = 8
_CONFIDENCE = 0.95
Answer = Callable[[Fit, float], float]


def _season(requested: float, values: Floats) -> int:
    season = math.trunc(requested)
    if not 0 <= season <= MAX_SEASON:
        raise SeriesError(ExcelError.NUM)
    return detect_season(values) if season == 1 else season


def _value_at(model: Fit, target: float) -> float:
    series = model.series
    ys = series.values
    if target <= series.start - series.step:
        raise SeriesError(ExcelError.NUM)
    if target <= series.last:
        position = (target - series.start) / series.step
        index = math.floor(position)
        low = ys[index] if index >= 0 else 0.0
        high = ys[index + 1] if index + 1 < len(ys) else low
        return float(low + (position - index) * (high - low))
    ahead = (target - series.last) / series.step
    steps = math.floor(ahead)
    low = float(ys[-1]) if steps == 0 else model.forecast(steps)
    if ahead == steps:
        return low
    return low + (ahead - steps) * (model.forecast(steps + 1) - low)


def _interval(confidence: float) -> Answer:
    if not 0 <= confidence < 1:
        raise SeriesError(ExcelError.NUM)
    # a level left out or blank reads as 0, and means the default 95%
    z = float(ndtri((1.0 + (confidence or _CONFIDENCE)) / 2.0))

    def radius(model: Fit, target: float) -> float:
        series = model.series
        if target <= series.start - series.step:
            raise SeriesError(ExcelError.NUM)
        steps = max(math.ceil((target - series.last) / series.step), 1)
        lags = np.arange(1, steps)
        seasonal = (lags % model.season == 0) if model.season else np.zeros(len(lags), bool)
        spread = model.alpha * (1 + lags * model.beta) + model.gamma * (1 - model.alpha) * seasonal
        variance = float(np.mean(model.errors**2)) * (1.0 + float(np.sum(spread**2)))
        return z * math.sqrt(variance)

    return radius


def _statistic(requested: float) -> Answer:
    kind = math.trunc(requested)
    if not 1 <= kind <= _STATISTICS:
        raise SeriesError(ExcelError.NUM)

    def value(model: Fit, _: float) -> float:
        errors = np.abs(model.errors)
        ys, fitted = model.series.values, model.fitted
        mae = float(errors.mean())
        naive = float(np.abs(np.diff(ys)).mean())
        scale = np.abs(ys) + np.abs(fitted)
        smape = float(np.mean(np.where(scale > 0, 2 * errors / np.where(scale > 0, scale, 1), 0)))
        return (
            model.alpha,
            model.beta,
            model.gamma,
            mae / naive if mae else 0.0,
            smape,
            mae,
            math.sqrt(float(np.mean(errors**2))),
            model.series.step,
        )[kind - 1]

    return value


def _fitted(
    ys: Floats, xs: Floats, season: float, completion: float, aggregation: float
) -> Fit | SeriesError:
    try:
        series = regular_series(ys, xs, completion, aggregation)
        return fit(series, _season(season, series.values))
    except SeriesError as exc:
        return exc


def _per_trial(answer: Callable[[float], Answer]) -> Callable[..., Any]:
    """A kernel evaluating ``answer(option)(fit, target)`` trial by trial, where ``option`` is
    the argument that picks the answer (confidence level, statistic) and fits are shared."""

    @on_host
    def run(
        xp: Any, target: Array, option: Array, values: Array, timeline: Array,
        season: Array, completion: Array, aggregation: Array,
    ) -> tuple[Array, Array]:
        values, timeline = np.atleast_2d(values), np.atleast_2d(timeline)
        if values.shape[0] != timeline.shape[0]:
            return np.array(np.nan), np.array(int(ExcelError.NA), dtype=np.int8)
        scalars = np.broadcast_arrays(*(np.atleast_1d(a) for a in (target, option, season,
                                                                    completion, aggregation)))
        trials = max(len(scalars[0]), values.shape[1], timeline.shape[1])
        out = np.full(trials, np.nan)
        codes = np.zeros(trials, dtype=np.int8)
        fits: dict[bytes, Fit | SeriesError] = {}
        for trial in range(trials):
            given = [float(s[trial % len(s)]) for s in scalars]
            if not all(map(math.isfinite, given)):
                continue  # an error argument: the caller reports it
            goal, pick, requested, complete, combine = given
            ys = values[:, trial % values.shape[1]]
            xs = timeline[:, trial % timeline.shape[1]]
            key = np.concatenate([ys, xs, [requested, complete, combine]]).tobytes()
            if key not in fits:
                fits[key] = _fitted(ys, xs, requested, complete, combine)
            model = fits[key]
            try:
                if isinstance(model, SeriesError):
                    raise model
                out[trial] = answer(pick)(model, goal)
            except SeriesError as exc:
                codes[trial] = int(exc.error)
        return out, codes

    return run


def _register(
    name: str, order: tuple[str, ...], required: int, answer: Callable[[float], Answer]
) -> None:
    """``order`` names the function's arguments as Excel lists them, the first ``required``
    of them required; the others default to automatic season, interpolated completion,
    AVERAGE and a 95% confidence level."""
    run = _per_trial(answer)
    slots = ("target", "option", "values", "timeline", "season", "completion", "aggregation")
    defaults = {"target": 0.0, "option": 0.0, "season": 1.0, "completion": 1.0, "aggregation": 1.0}
    kinds = tuple(V if arg in ("values", "timeline") else N for arg in order)

    def call(xp: Any, *args: Array) -> tuple[Array, Array]:
        given = dict(zip(order, args, strict=False))
        return run(xp, *(given[s] if s in given else defaults[s] for s in slots))  # type: ignore[no-any-return]

    optional = tuple(defaults[arg] for arg in order[required:])
    spec = kernel(call, kinds, optional, min_args=required)
    ranges = frozenset(i for i, kind in enumerate(kinds) if kind == V)
    register(FUNCTIONS, name, required, len(order), ranges)(adapt(spec))


_TAIL = ("season", "completion", "aggregation")
_register("FORECAST.ETS", ("target", "values", "timeline", *_TAIL), 3, lambda _: _value_at)
_register(
    "FORECAST.ETS.CONFINT", ("target", "values", "timeline", "option", *_TAIL), 3, _interval
)
_register(
    "FORECAST.ETS.SEASONALITY",
    ("values", "timeline", "completion", "aggregation"),
    2,
    lambda _: lambda model, _target: float(model.season),
)
_register("FORECAST.ETS.STAT", ("values", "timeline", "option", *_TAIL), 3, _statistic)
