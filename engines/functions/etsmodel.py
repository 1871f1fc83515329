"""Excel's AAA exponential smoothing (additive error, trend and season) on one time series.

FORECAST.ETS and its family first put the points on a regular timeline: duplicate dates are
aggregated, the step is the smallest gap, and up to 30% missing points are completed (the
average of their neighbours, or zero). A season length of 1 asks for detection; 0 means none.
Excel does not document its optimiser or its season detection: parameters here minimise the
one-step squared error, and a season is the lag whose autocorrelation peaks above 2/sqrt(n).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize

from engines.errors import ExcelError

Floats = np.ndarray[Any, np.dtype[np.float64]]

MAX_SEASON = 8760
_MISSING_SHARE = 0.3
_AGGREGATE: dict[int, Callable[[Floats], Any]] = {
    0: np.mean,
    1: np.mean,
    2: np.size,
    3: np.size,
    4: np.max,
    5: np.median,
    6: np.min,
    7: np.sum,
}


class SeriesError(Exception):
    """The arguments cannot form a series; ``error`` is what the cell shows."""

    def __init__(self, error: ExcelError) -> None:
        super().__init__(error.code)
        self.error = error


@dataclass(frozen=True)
class Series:
    """Values on a regular timeline from ``start`` by ``step``."""

    values: Floats
    start: float
    step: float

    @property
    def last(self) -> float:
        return self.start + self.step * (len(self.values) - 1)


def regular_series(
    values: Floats, timeline: Floats, completion: float, aggregation: float
) -> Series:
    """The points as Excel smooths them; raises SeriesError (#NUM!) on a timeline without a
    constant step, too many missing points, or completion/aggregation out of range."""
    if completion not in (0.0, 1.0) or aggregation not in _AGGREGATE:
        raise SeriesError(ExcelError.NUM)
    present = ~np.isnan(values) & ~np.isnan(timeline)
    values, timeline = values[present], timeline[present]
    times, slot = np.unique(timeline, return_inverse=True)
    if len(times) < 2:
        raise SeriesError(ExcelError.NUM)
    combine = _AGGREGATE[int(aggregation)]
    merged = np.array([float(combine(values[slot == i])) for i in range(len(times))])
    gaps = np.diff(times)
    step = float(gaps.min())
    steps = gaps / step
    whole = np.round(steps)
    if step <= 0 or np.any(np.abs(steps - whole) > 1e-9 * np.maximum(whole, 1.0)):
        raise SeriesError(ExcelError.NUM)
    positions = np.concatenate([[0], np.cumsum(whole)]).astype(np.int64)
    count = int(positions[-1]) + 1
    if count - len(times) > _MISSING_SHARE * len(times):
        raise SeriesError(ExcelError.NUM)
    filled = np.full(count, np.nan)
    filled[positions] = merged
    for i, (before, after) in enumerate(zip(positions[:-1], positions[1:], strict=True)):
        gap = (merged[i] + merged[i + 1]) / 2.0 if completion == 1.0 else 0.0
        filled[before + 1 : after] = gap
    return Series(filled, float(times[0]), step)


def detect_season(values: Floats) -> int:
    """The lag (2..n/2) with the highest autocorrelation of the detrended series that is a
    local peak above 2/sqrt(n); 0 when there is none."""
    n = len(values)
    t = np.arange(n, dtype=np.float64)
    slope, intercept = np.polyfit(t, values, 1) if n > 1 else (0.0, float(values[0]))
    rest = values - (intercept + slope * t)
    total = float(rest @ rest)
    if n < 4 or total == 0.0:
        return 0
    acf = np.array([float(rest[:-k] @ rest[k:]) / total for k in range(1, n // 2 + 2)])
    best, season = 2.0 / np.sqrt(n), 0
    for lag in range(2, n // 2 + 1):
        peak = acf[lag - 1] >= acf[lag - 2] and acf[lag - 1] >= acf[lag]
        if peak and acf[lag - 1] > best:
            best, season = float(acf[lag - 1]), lag
    return season


@dataclass(frozen=True)
class Fit:
    """A fitted model: smoothing parameters, final state and one-step errors."""

    series: Series
    season: int
    alpha: float
    beta: float
    gamma: float
    level: float
    trend: float
    seasonal: Floats
    """The latest seasonal term of each phase (position mod season); empty without season."""
    fitted: Floats

    def forecast(self, steps: int) -> float:
        """The value ``steps`` (>= 1) points after the last one."""
        phase = 0.0
        if self.season:
            phase = float(self.seasonal[(len(self.series.values) - 1 + steps) % self.season])
        return self.level + steps * self.trend + phase

    @property
    def errors(self) -> Floats:
        return self.series.values - self.fitted


def _initial(values: Floats, season: int) -> tuple[float, float, Floats]:
    """The state one step before the first point: level and trend from the first two
    seasons (the first two points without season), seasonal terms around the first season."""
    if not season:
        trend = float(values[1] - values[0])
        return float(values[0]) - trend, trend, np.zeros(0)
    first = values[:season]
    mean = float(first.mean())
    trend = (float(values[season : 2 * season].mean()) - mean) / season
    centre = np.arange(season) - (season - 1) / 2.0
    seasonal = first - (mean + centre * trend)
    return mean - (season + 1) / 2.0 * trend, trend, seasonal


def _smooth(values: Floats, season: int, params: Floats) -> tuple[Floats, Floats, Floats, Floats]:
    """Run the recursion for every row of ``params`` (alpha, beta, gamma): final level,
    trend, seasonal terms (rows) and fitted values (rows)."""
    alpha, beta, gamma = params[:, 0], params[:, 1], params[:, 2]
    level0, trend0, seasonal0 = _initial(values, season)
    rows = len(params)
    level = np.full(rows, level0)
    trend = np.full(rows, trend0)
    seasonal = np.tile(seasonal0, (rows, 1))
    fitted = np.empty((rows, len(values)))
    for t, y in enumerate(values):
        phase = seasonal[:, t % season] if season else 0.0
        guess = level + trend + phase
        fitted[:, t] = guess
        error = y - guess
        level, trend = level + trend + alpha * error, trend + alpha * beta * error
        if season:
            seasonal[:, t % season] = phase + gamma * (1.0 - alpha) * error
    return level, trend, seasonal, fitted


def fit(series: Series, season: int) -> Fit:
    """The model with the smallest mean squared one-step error: a grid, then a local search."""
    values = series.values
    if season and len(values) < 2 * season:
        raise SeriesError(ExcelError.NUM)
    axis = np.linspace(0.0, 1.0, 11)
    grid = np.stack(np.meshgrid(axis, axis, axis if season else [0.0]), -1).reshape(-1, 3)

    def mse(params: Floats) -> Floats:
        fitted = _smooth(values, season, params)[3]
        return np.mean((values - fitted) ** 2, axis=1)  # type: ignore[no-any-return]

    scores = mse(grid)
    start = grid[int(np.argmin(scores))]
    if scores.min() > 0.0:
        bounds = [(0.0, 1.0)] * 2 + [(0.0, 1.0 if season else 0.0)]
        found = minimize(lambda p: float(mse(p[None, :])[0]), start, bounds=bounds,
                         method="L-BFGS-B")
        if float(found.fun) < float(scores.min()):
            start = np.asarray(found.x, dtype=np.float64)
    level, trend, seasonal, fitted = _smooth(values, season, start[None, :])
    alpha, beta, gamma = (float(p) for p in start)
    return Fit(series, season, alpha, beta, gamma, float(level[0]), float(trend[0]), seasonal[0],
               fitted[0])
