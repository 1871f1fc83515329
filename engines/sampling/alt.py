"""@RISK's alternate parameters: ``RiskNormalAlt(5%, 1, 95%, 10)``, ``RiskTriangAlt(10%, 5,
"m. likely", 8, 90%, 15)`` and the other ``…Alt`` / ``…AltD`` forms.

Each argument pair is a type and a value. The type is a percentile (a number between 0 and 1,
or text such as "5%"; with AltD, a descending one), or the name of one of the family's own
parameters ("mu", "sigma", "min", "m. likely", "max", "alpha"…). As @RISK does, the family's
standard parameters are found by successive approximation: those named are taken as given,
the others solved so that the law's quantiles meet the percentiles given. The types must be
written in the formula; the values must be the same in every trial.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy
from scipy.optimize import least_squares

from engines.sampling.distributions import family
from engines.sampling.errors import DistributionError
from engines.sampling.family import Family

_WORDS = {"mu": ("mean", "mu"), "sigma": ("sd", "sigma"), "stddev": ("sd",), "std": ("sd",),
          "mlikely": ("mode", "most likely"), "mostlikely": ("mode", "most likely"),
          "mode": ("mode", "most likely"), "mean": ("mean", "mu")}
_PERCENT = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*%\s*$", re.ASCII)


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass(frozen=True)
class Alt:
    """One Alt call's layout: the base family and, per argument pair, its type: a percentile
    (float) or the index of the family parameter it names (int)."""

    base: str
    types: tuple[float | int, ...]

    @classmethod
    def of(cls, name: str, types: Sequence[object]) -> Alt:
        """``name`` is ``RiskNormalAlt`` or ``RiskNormalAltD``; ``types`` the pairs' types as
        written (numbers, or texts)."""
        descending = name.lower().endswith("altd")
        fam = family(name[: -4 if descending else -3])
        if fam.tables or fam.discrete:
            raise DistributionError(f"{fam.name} takes no alternate parameters here")
        if len(types) != len(fam.params):
            raise DistributionError(f"{name} takes {len(fam.params)} type and value pairs")
        found: list[float | int] = []
        for written in types:
            found.append(_type(fam, written, descending))
        named = [t for t in found if isinstance(t, int)]
        if len(set(named)) != len(named):
            raise DistributionError(f"{name} names one parameter twice")
        return cls(fam.name, tuple(found))

    def solve(self, values: Sequence[float]) -> tuple[float, ...]:
        """The base family's parameters whose law meets ``values`` (one per pair)."""
        fam = family(self.base)
        given = {t: v for t, v in zip(self.types, values, strict=True) if isinstance(t, int)}
        targets = [(t, v) for t, v in zip(self.types, values, strict=True)
                   if not isinstance(t, int)]
        unknown = [i for i in range(len(fam.params)) if i not in given]
        spread = max((abs(v) for v in values), default=1.0) or 1.0
        points = sorted(v for _, v in targets) or [0.0]
        start = [_guess(fam.params[i], points, spread) for i in unknown]

        def params(x: numpy.ndarray) -> list[numpy.ndarray]:
            full = dict(given)
            full.update(zip(unknown, x, strict=True))
            return [numpy.asarray(float(full[i])) for i in range(len(fam.params))]

        def residuals(x: numpy.ndarray) -> numpy.ndarray:
            try:
                coerced = params(x)
                fam.check(numpy, coerced)
                with numpy.errstate(all="ignore"):
                    got = fam.ppf(numpy, numpy.array([p for p, _ in targets]), coerced)
            except DistributionError:
                return numpy.full(len(targets), 1e6)
            miss = (numpy.asarray(got, dtype=float) - [v for _, v in targets]) / spread
            return numpy.where(numpy.isfinite(miss), miss, 1e6)

        if unknown:
            fit = least_squares(residuals, start, xtol=1e-15, ftol=1e-15, gtol=1e-15,
                                max_nfev=2000)
            if not numpy.all(numpy.abs(residuals(fit.x)) < 1e-9):
                raise DistributionError(f"no {fam.name} meets these alternate parameters"
                                        f" ({', '.join(f'{v:g}' for v in values)})")
            solved = fit.x
        else:
            solved = numpy.array([])
        return tuple(float(p) for p in params(solved))


def _type(fam: Family, written: object, descending: bool) -> float | int:
    if isinstance(written, bool):
        raise DistributionError(f"{fam.name}: a type is a percentile or a parameter's name")
    if isinstance(written, int | float):
        p = float(written)
    else:
        text = str(written)
        percent = _PERCENT.match(text)
        if percent is None:
            key = _key(text)
            names = _WORDS.get(key, (text.lower(),))
            for index, param in enumerate(fam.params):
                if _key(param) == key or param in names:
                    return index
            raise DistributionError(f"{fam.name}: {text!r} is neither a percentile nor one of"
                                    f" its parameters ({', '.join(fam.params)})")
        p = float(percent.group(1)) / 100
    if not 0 < p < 1:
        raise DistributionError(f"{fam.name}: a percentile must be between 0 and 1, got {p:g}")
    return 1 - p if descending else p


def _guess(param: str, points: list[float], spread: float) -> float:
    """A start for one unknown parameter, from the percentiles' values."""
    low, high = points[0], points[-1]
    width = (high - low) or spread
    if param in ("min", "bottom", "a"):
        return low - width
    if param in ("max", "top"):
        return high + width
    if param in ("mode", "most likely", "mean", "mu", "gamma", "alpha") and param != "alpha":
        return (low + high) / 2
    if param in ("sd", "sigma", "beta", "b", "c", "lambda"):
        return width / 3
    if param == "alpha":  # a location for some families, a shape for others
        return (low + high) / 2 if low < 0 else 2.0
    return 2.0
