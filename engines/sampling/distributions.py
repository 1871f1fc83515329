"""The @RISK distribution catalogue: lookup by name, validation, sampling and static values.

Every distribution is sampled by inverse transform, ``ppf(u)`` for u in (0, 1), so Latin
Hypercube strata and rank correlations imposed on the uniforms carry over to the samples.
Names are accepted as @RISK spells them (``RiskNormal``) or, for the REST API, in lower case
without the prefix (``normal``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy

from engines.sampling import (
    continuous,
    continuous_closed,
    continuous_special,
    discrete,
    discrete_counts,
    general,
)
from engines.sampling.errors import DistributionError as DistributionError
from engines.sampling.errors import recorded_checks, require
from engines.sampling.family import Family
from engines.xp import Array

ParamValue = float | Sequence[float]
"""A distribution argument: a number, or a table such as RiskDiscrete's ``{1, 2, 3}``."""

_FAMILIES: dict[str, Family] = {
    family.name[len("Risk") :].lower(): family
    for family in (
        *continuous.FAMILIES,
        *continuous_closed.FAMILIES,
        *continuous_special.FAMILIES,
        *discrete.FAMILIES,
        *discrete_counts.FAMILIES,
        general.FAMILY,
    )
}
_ALIASES = {
    "lognormal": "lognorm",
    "triangular": "triang",
    "exponential": "expon",
    "histogram": "histogrm",
    "student_t": "student",
    "chi_square": "chisq",
    "gumbel": "extvalue",
    "geometric": "geomet",
    "negative_binomial": "negbin",
    "hypergeometric": "hypergeo",
    "inverse_gaussian": "invgauss",
    "log_logistic": "loglogistic",
}

NAMES: tuple[str, ...] = tuple(family.name for family in _FAMILIES.values())
"""Canonical names of every supported distribution, e.g. ``RiskNormal``."""


def family(name: str) -> Family:
    """The family called ``name`` (``RiskTriang``, ``triang``, any case)."""
    key = name.strip().lower()
    key = key[len("risk") :] if key.startswith("risk") else key
    found = _FAMILIES.get(_ALIASES.get(key, key))
    if found is None:
        raise DistributionError(
            f"unknown distribution {name!r}; expected one of {', '.join(NAMES)}"
        )
    return found


def canonical_name(name: str) -> str:
    """``normal`` → ``RiskNormal``; raises DistributionError for an unknown name."""
    return family(name).name


def _coerce(xp: Any, fam: Family, params: Sequence[Any]) -> list[Array]:
    """Arguments as float64 arrays: tables 1-D, scalars broadcastable to (n,).

    A family with tables takes constant arguments, so its scalars are reduced to 0-d.
    """
    if len(params) != len(fam.params):
        raise DistributionError(
            f"{fam.name} takes {len(fam.params)} arguments ({', '.join(fam.params)}), "
            f"got {len(params)}"
        )
    coerced = []
    for index, (param, value) in enumerate(zip(fam.params, params, strict=True)):
        try:
            array = xp.asarray(value, dtype=xp.float64)
        except (TypeError, ValueError):
            kind = "a table of numbers" if index in fam.tables else "a number"
            raise DistributionError(f"{fam.name}: {param} must be {kind}, got {value!r}") from None
        if index in fam.tables:
            array = array.ravel()
        elif fam.tables and array.size > 1:
            require(
                xp, fam.name, array == array.ravel()[0], param, "the same in every trial", array
            )
            array = array.ravel()[0]
        require(xp, fam.name, xp.isfinite(array), param, "a finite number", array)
        coerced.append(array)
    return coerced


def validate(name: str, params: Sequence[Any], *, finite: bool = False) -> None:
    """Raise DistributionError unless ``name(params...)`` is a valid distribution.

    Every argument is a constant here: a number, or a table where the family takes one. With
    ``finite`` (a request's input, checked once as the API takes it) the law must also give
    numbers: parameters at the edge of the doubles (beta(1e308, 1e308), uniform(-1e308,
    1e308)) pass the checks yet give no finite quartile, and would make every trial an error.
    A law found valid is remembered (the same inputs come with every run of a model).
    """
    key = _key(params)
    if key is None:
        _validate(name, params, finite)
    else:
        _validated(name, key, finite)


def _key(params: Sequence[Any]) -> tuple[Any, ...] | None:
    """``params`` as a key, each value with its type (True is no 1 here); None for a value
    that is no number or table of numbers."""
    key: list[tuple[str, Any]] = []
    for value in params:
        if isinstance(value, (int, float, str)):
            key.append((type(value).__name__, value))
        elif isinstance(value, (list, tuple)) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            key.append(("table", tuple(float(v) for v in value)))
        else:
            return None
    return tuple(key)


@functools.lru_cache(maxsize=4096)
def _validated(name: str, key: tuple[Any, ...], finite: bool) -> None:
    """:func:`_validate` of the parameters ``key`` names; only a valid law is cached (a
    DistributionError is raised again each time)."""
    params = [value if kind != "table" else list(value) for kind, value in key]
    _validate(name, params, finite)


def _validate(name: str, params: Sequence[Any], finite: bool) -> None:
    fam = family(name)
    coerced = _constants(fam, params)
    if not finite:
        return
    with numpy.errstate(all="ignore"):
        quartiles = fam.ppf(numpy, numpy.array([0.25, 0.5, 0.75]), coerced)
    if not bool(numpy.all(numpy.isfinite(quartiles))):
        raise DistributionError(f"{fam.name}: these parameters give no finite values (its"
                                " quartiles are not numbers a double holds); use smaller ones")


def _constants(fam: Family, params: Sequence[Any]) -> list[Array]:
    """Checked arguments that must not vary by trial: numbers, and tables where taken."""
    coerced = _coerce(numpy, fam, params)
    for index, (param, value) in enumerate(zip(fam.params, coerced, strict=True)):
        if index not in fam.tables and value.ndim > 0:
            raise DistributionError(f"{fam.name}: {param} must be a number, got {params[index]!r}")
    fam.check(numpy, coerced)
    return coerced


def ppf(xp: Any, name: str, u: Array, params: Sequence[Any]) -> Array:
    """Samples of ``name(params...)`` at probabilities ``u`` (shape (n,), each in (0, 1))."""
    fam = family(name)
    coerced = _coerce(xp, fam, params)
    fam.check(xp, coerced)
    return fam.ppf(xp, u, coerced) + 0.0 * u


def cdf(xp: Any, name: str, x: Array, params: Sequence[Any]) -> Array:
    """P(X <= x) for ``name(params...)``."""
    fam = family(name)
    coerced = _coerce(xp, fam, params)
    fam.check(xp, coerced)
    return fam.cdf(xp, x, coerced)


@dataclass(frozen=True)
class Truncation:
    """@RISK's truncation property functions; a None limit leaves that side open.

    ``value`` is RiskTruncate: limits on the distribution before any RiskShift (as @RISK
    applies it). ``shifted`` is RiskTruncate2: limits on the final, shifted values.
    ``percentile`` is RiskTruncateP: limits as probabilities (0-1) of the untruncated law.
    """

    lo: float | None = None
    hi: float | None = None
    mode: Literal["value", "shifted", "percentile"] = "value"

    def __post_init__(self) -> None:
        function = {
            "value": "RiskTruncate",
            "shifted": "RiskTruncate2",
            "percentile": "RiskTruncateP",
        }.get(self.mode)
        if function is None:
            raise DistributionError(
                f"truncation mode must be value, shifted or percentile, got {self.mode!r}"
            )
        if self.lo is not None and self.hi is not None and not self.lo <= self.hi:
            raise DistributionError(
                f"{function}: minimum must be <= maximum, got {self.lo} and {self.hi}"
            )
        if self.mode == "percentile" and any(
            v is not None and not 0 <= v <= 1 for v in (self.lo, self.hi)
        ):
            raise DistributionError(
                f"{function}: limits must be in [0, 1], got {self.lo} and {self.hi}"
            )


TruncationLike = Truncation | tuple[float | None, float | None]
"""A Truncation, or ``(lo, hi)`` meaning RiskTruncate(lo, hi)."""


def draw(
    xp: Any,
    name: str,
    u: Array,
    params: Sequence[Any],
    truncate: TruncationLike | None = None,
    shift: float = 0.0,
) -> Array:
    """Samples with @RISK's property functions applied: ``truncate`` and RiskShift(``shift``).

    Truncation maps u into [P(X < lo), P(X <= hi)] so a truncated input keeps its strata and
    rank correlation.
    """
    fam = family(name)
    coerced = _coerce(xp, fam, params)
    fam.check(xp, coerced)
    if truncate is None:
        return fam.ppf(xp, u, coerced) + 0.0 * u + shift
    cut = truncate if isinstance(truncate, Truncation) else Truncation(*truncate)
    lo, hi, low, high = _limits(xp, fam, coerced, cut, shift)
    if lo is not None and lo == hi:
        return xp.full(u.shape, lo + shift)
    width = high - low + 0.0 * u
    if not bool(xp.all(width > 0)):
        raise DistributionError(
            f"truncation to [{cut.lo}, {cut.hi}] leaves none of {fam.name}'s probability"
        )
    values = fam.ppf(xp, low + u * width, coerced) + 0.0 * u
    if not fam.discrete and (lo is not None or hi is not None):
        # Rounding at the edges of a steep CDF may step a hair outside the limits.
        values = xp.clip(values, -numpy.inf if lo is None else lo, numpy.inf if hi is None else hi)
    return values + shift


def _limits(xp: Any, fam: Family, coerced: list[Array], cut: Truncation, shift: float
            ) -> tuple[float | None, float | None, Any, Any]:
    """A truncation's limits on the unshifted law (None: open) and the probabilities below
    them, between which a truncated draw's quantiles lie."""
    if cut.mode == "percentile":
        return None, None, cut.lo or 0.0, 1.0 if cut.hi is None else cut.hi
    offset = shift if cut.mode == "shifted" else 0.0
    lo = None if cut.lo is None else cut.lo - offset
    hi = None if cut.hi is None else cut.hi - offset
    low = 0.0 if lo is None else fam.cdf(xp, xp.asarray(numpy.nextafter(lo, -numpy.inf)), coerced)
    high = 1.0 if hi is None else fam.cdf(xp, xp.asarray(hi), coerced)
    return lo, hi, low, high


def draw_per_trial(
    xp: Any,
    name: str,
    u: Array,
    params: Sequence[Any],
    truncate: TruncationLike | None = None,
    shift: float = 0.0,
) -> Array:
    """:func:`draw` for arguments computed per trial: a trial whose arguments are invalid gives
    NaN (an error in that trial, as in @RISK) instead of failing the run. Raises only when no
    trial is valid, or for invalid tables, with the message :func:`draw` gives."""
    fam = family(name)
    if fam.tables:
        return draw(xp, name, u, params, truncate, shift)
    with recorded_checks() as conditions:
        coerced = _coerce(xp, fam, params)
        fam.check(xp, coerced)
    valid = xp.ones(u.shape, dtype=bool)
    for condition in conditions:
        valid = valid & condition
    if bool(xp.all(valid)) or not bool(xp.any(valid)):
        return draw(xp, name, u, params, truncate, shift)
    # Invalid trials borrow a valid trial's arguments, then are masked: no work on bad input.
    first = int(xp.argmax(valid))
    safe = []
    for value in coerced:
        spread = xp.broadcast_to(value, u.shape)
        safe.append(xp.where(valid, spread, spread[first]))
    return xp.where(valid, draw(xp, name, u, safe, truncate, shift), xp.nan)


STATIC_POINTS = 100_000
"""Quantiles averaged for the mean of a truncated distribution (the midpoint rule on its
quantile function, which draws it as a simulation would)."""


def mean_per_trial(xp: Any, name: str, params: Sequence[Any], shift: float = 0.0) -> Array:
    """The mean of ``name(params...)`` for arguments given per trial, plus ``shift``; NaN
    where a trial's arguments are invalid."""
    fam = family(name)
    with recorded_checks() as conditions:
        coerced = _coerce(xp, fam, params)
        fam.check(xp, coerced)
    with numpy.errstate(all="ignore"):
        means = xp.asarray(fam.mean(xp, coerced), dtype=xp.float64) + shift
    for condition in conditions:
        means = xp.where(condition, means, xp.nan)
    return means


def static_value(name: str, params: Sequence[ParamValue],
                 truncate: TruncationLike | None = None, shift: float = 0.0) -> float:
    """The value @RISK shows when not simulating: the distribution's mean, after its
    RiskTruncate (the mean of the truncated law, by the midpoint rule over
    :data:`STATIC_POINTS` quantiles) and RiskShift.

    RiskStatic is honoured by the caller; RiskStudent with nu <= 1 has no mean and gives 0.
    """
    fam = family(name)
    mean = float(fam.mean(numpy, _constants(fam, params))) + shift
    if truncate is None:
        return mean
    cut = truncate if isinstance(truncate, Truncation) else Truncation(*truncate)
    coerced = _coerce(numpy, fam, params)
    _, _, low, high = _limits(numpy, fam, coerced, cut, shift)
    if float(numpy.min(low)) <= 0.0 and float(numpy.max(high)) >= 1.0:
        return mean  # limits that cut nothing off
    u = (numpy.arange(STATIC_POINTS) + 0.5) / STATIC_POINTS
    return float(numpy.mean(draw(numpy, name, u, params, truncate, shift)))


@dataclass(frozen=True)
class Distribution:
    """One input distribution with its property functions (truncation, RiskShift, RiskName)."""

    name: str
    params: tuple[ParamValue, ...]
    truncate: TruncationLike | None = None
    shift: float = 0.0
    label: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", canonical_name(self.name))
        validate(self.name, self.params)
        params = tuple(
            tuple(float(x) for x in p) if isinstance(p, Sequence) else float(p) for p in self.params
        )
        object.__setattr__(self, "params", params)
        if self.truncate is not None and not isinstance(self.truncate, Truncation):
            object.__setattr__(self, "truncate", Truncation(*self.truncate))
        if self.truncate is not None:
            draw(numpy, self.name, numpy.full(1, 0.5), self.params, self.truncate, self.shift)

    def sample(self, xp: Any, u: Array) -> Array:
        """Samples at probabilities ``u``."""
        return draw(xp, self.name, u, self.params, self.truncate, self.shift)

    def mean(self) -> float:
        """The untruncated mean plus the shift (the static value @RISK shows)."""
        return static_value(self.name, self.params) + self.shift
