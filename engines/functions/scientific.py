"""Complex numbers, Bessel functions, hypothesis tests, least-squares regression and
exponential-smoothing forecasts, as one table for the merged function registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from engines.functions import complex, forecast, regression, stattests
from engines.functions.registry import Call, Impl, Table, numeric, register
from engines.kernels import bessel
from engines.values import Value
from engines.xp import Array

FUNCTIONS: Table = {
    **complex.FUNCTIONS,
    **forecast.FUNCTIONS,
    **regression.FUNCTIONS,
    **stattests.FUNCTIONS,
}


def _bessel(function: Callable[..., Array]) -> Impl:
    """BESSELI(x, n) and kin: n is truncated; Analysis ToolPak argument rules."""

    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        return numeric(xp, args, lambda x, n: function(xp, x, xp.trunc(n)), strict=True)

    return impl


for _name, _function in (
    ("BESSELI", bessel.bessel_i),
    ("BESSELJ", bessel.bessel_j),
    ("BESSELK", bessel.bessel_k),
    ("BESSELY", bessel.bessel_y),
):
    register(FUNCTIONS, _name, 2, lifts=False)(_bessel(_function))
