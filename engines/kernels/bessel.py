"""Excel's Bessel functions BESSELI, BESSELJ, BESSELK and BESSELY.

Excel evaluates them with the classic rational and polynomial approximations of orders 0
and 1 (Abramowitz & Stegun 9.4, 9.8; Hart's rational forms for J and Y), climbing to higher
orders by recurrence: upward for J (when x > n), K and Y, and Miller's normalised downward
recurrence for I and for J (when x <= n). Those approximations are accurate to about 1e-8, so
reproducing them, rather than calling exact routines, is what gives Excel's own values. Every
step is an array operation over trials; orders vary by trial, so the recurrences run to the
largest order and keep each trial's value at its own.
"""

from __future__ import annotations

from typing import Any

from engines.xp import Array

_START = 40.0  # Miller's recurrence starts about sqrt(_START * n) above the order n
_BIG, _SMALL = 1.0e10, 1.0e-10  # rescaling keeps the downward recurrence in range
LARGEST_ORDER = 100_000
"""Orders above this are #NUM! in RiskStream (the recurrences would take that many steps)."""


def _poly(y: Array, *coefficients: float) -> Array:
    """Horner's evaluation of ``c0 + y*(c1 + y*(c2 + ...))``."""
    out = coefficients[-1] + 0.0 * y
    for c in reversed(coefficients[:-1]):
        out = c + y * out
    return out


def _i0(xp: Any, x: Array) -> Array:
    ax = xp.abs(x)
    y = (x / 3.75) ** 2
    small = _poly(y, 1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2)
    t = 3.75 / xp.where(ax < 3.75, 3.75, ax)
    large = (xp.exp(ax) / xp.sqrt(ax)) * _poly(
        t, 0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2, -0.2057706e-1,
        0.2635537e-1, -0.1647633e-1, 0.392377e-2,
    )  # fmt: skip
    return xp.where(ax < 3.75, small, large)


def _i1(xp: Any, x: Array) -> Array:
    ax = xp.abs(x)
    y = (x / 3.75) ** 2
    small = ax * _poly(
        y, 0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2, 0.32411e-3
    )
    t = 3.75 / xp.where(ax < 3.75, 3.75, ax)
    tail = _poly(t, 0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2)
    large = 0.39894228 + t * (
        -0.3988024e-1 + t * (-0.362018e-2 + t * (0.163801e-2 + t * (-0.1031555e-1 + t * tail)))
    )
    large = large * (xp.exp(ax) / xp.sqrt(ax))
    value = xp.where(ax < 3.75, small, large)
    return xp.where(x < 0.0, -value, value)


def _j_asymptotic(xp: Any, ax: Array, shift: float, p: tuple[float, ...], q: tuple[float, ...],
                  sine: bool) -> Array:  # fmt: skip
    z = 8.0 / xp.where(ax < 8.0, 8.0, ax)
    y = z * z
    xx = ax - shift
    first, second = _poly(y, *p), _poly(y, *q)
    scale = xp.sqrt(0.636619772 / ax)
    if sine:
        return scale * (xp.sin(xx) * first + z * xp.cos(xx) * second)
    return scale * (xp.cos(xx) * first - z * xp.sin(xx) * second)


_P0 = (1.0, -0.1098628627e-2, 0.2734510407e-4, -0.2073370639e-5, 0.2093887211e-6)
_P1 = (1.0, 0.183105e-2, -0.3516396496e-4, 0.2457520174e-5, -0.240337019e-6)
_Q1 = (0.04687499995, -0.2002690873e-3, 0.8449199096e-5, -0.88228987e-6, 0.105787412e-6)


def _j0(xp: Any, x: Array) -> Array:
    ax = xp.abs(x)
    y = x * x
    numerator = _poly(y, 57568490574.0, -13362590354.0, 651619640.7, -11214424.18,
                      77392.33017, -184.9052456)  # fmt: skip
    denominator = _poly(y, 57568490411.0, 1029532985.0, 9494680.718, 59272.64853,
                        267.8532712, 1.0)  # fmt: skip
    q0 = (-0.1562499995e-1, 0.1430488765e-3, -0.6911147651e-5, 0.7621095161e-6, -0.934935152e-7)
    large = _j_asymptotic(xp, ax, 0.785398164, _P0, q0, sine=False)
    return xp.where(ax < 8.0, numerator / denominator, large)


def _j1(xp: Any, x: Array) -> Array:
    ax = xp.abs(x)
    y = x * x
    numerator = x * _poly(y, 72362614232.0, -7895059235.0, 242396853.1, -2972611.439,
                          15704.48260, -30.16036606)  # fmt: skip
    denominator = _poly(y, 144725228442.0, 2300535178.0, 18583304.74, 99447.43394,
                        376.9991397, 1.0)  # fmt: skip
    large = _j_asymptotic(xp, ax, 2.356194491, _P1, _Q1, sine=False)
    return xp.where(ax < 8.0, numerator / denominator, xp.where(x < 0.0, -large, large))


def _y0(xp: Any, x: Array) -> Array:
    y = x * x
    numerator = _poly(y, -2957821389.0, 7062834065.0, -512359803.6, 10879881.29,
                      -86327.92757, 228.4622733)  # fmt: skip
    denominator = _poly(y, 40076544269.0, 745249964.8, 7189466.438, 47447.26470,
                        226.1030244, 1.0)  # fmt: skip
    small = numerator / denominator + 0.636619772 * _j0(xp, x) * xp.log(x)
    q0 = (-0.1562499995e-1, 0.1430488765e-3, -0.6911147651e-5, 0.7621095161e-6, -0.934945152e-7)
    large = _j_asymptotic(xp, x, 0.785398164, _P0, q0, sine=True)
    return xp.where(x < 8.0, small, large)


def _y1(xp: Any, x: Array) -> Array:
    y = x * x
    numerator = x * _poly(y, -0.4900604943e13, 0.1275274390e13, -0.5153438139e11,
                          0.7349264551e9, -0.4237922726e7, 0.8511937935e4)  # fmt: skip
    denominator = _poly(y, 0.2499580570e14, 0.4244419664e12, 0.3733650367e10,
                        0.2245904002e8, 0.1020426050e6, 0.3549632885e3, 1.0)  # fmt: skip
    small = numerator / denominator + 0.636619772 * (_j1(xp, x) * xp.log(x) - 1.0 / x)
    large = _j_asymptotic(xp, x, 2.356194491, _P1, _Q1, sine=True)
    return xp.where(x < 8.0, small, large)


def _k0(xp: Any, x: Array) -> Array:
    y = x * x / 4.0
    small = -xp.log(x / 2.0) * _i0(xp, x) + _poly(
        y, -0.57721566, 0.42278420, 0.23069756, 0.3488590e-1, 0.262698e-2, 0.10750e-3, 0.74e-5
    )
    t = 2.0 / x
    large = (xp.exp(-x) / xp.sqrt(x)) * _poly(
        t, 1.25331414, -0.7832358e-1, 0.2189568e-1, -0.1062446e-1, 0.587872e-2, -0.251540e-2,
        0.53208e-3,
    )  # fmt: skip
    return xp.where(x <= 2.0, small, large)


def _k1(xp: Any, x: Array) -> Array:
    y = x * x / 4.0
    small = xp.log(x / 2.0) * _i1(xp, x) + (1.0 / x) * _poly(
        y, 1.0, 0.15443144, -0.67278579, -0.18156897, -0.1919402e-1, -0.110404e-2, -0.4686e-4
    )
    t = 2.0 / x
    large = (xp.exp(-x) / xp.sqrt(x)) * _poly(
        t, 1.25331414, 0.23498619, -0.3655620e-1, 0.1504268e-1, -0.780353e-2, 0.325614e-2,
        -0.68245e-3,
    )  # fmt: skip
    return xp.where(x <= 2.0, small, large)


def _upward(xp: Any, x: Array, n: Array, low: Array, high: Array, sign: float) -> Array:
    """Order ``n`` from orders 0 and 1 by ``f[j+1] = 2j/x f[j] + sign * f[j-1]``."""
    previous, current = low, high
    out = xp.where(n == 0.0, low, high)
    for j in range(1, _top(xp, n)):
        following = j * (2.0 / x) * current + sign * previous
        previous, current = current, following
        out = xp.where(n == j + 1, current, out)
    return out


def _top(xp: Any, orders: Array) -> int:
    return int(xp.max(orders)) if orders.size else 0


def _downward(xp: Any, x: Array, n: Array, bessel_j: bool) -> tuple[Array, Array]:
    """Miller's recurrence from above order ``n`` (none where ``n`` is 0): the unnormalised
    value at ``n`` and the normaliser to divide it by."""
    ax = xp.abs(x)
    tox = 2.0 / xp.where(ax == 0.0, 1.0, ax)
    spread = xp.floor(xp.sqrt(_START * n))
    start = 2.0 * xp.floor((n + spread) / 2.0) if bessel_j else 2.0 * (n + spread)
    start = xp.where(n == 0.0, 0.0, start)
    above, value = xp.zeros(ax.shape), xp.ones(ax.shape)
    kept, total = xp.zeros(ax.shape), xp.zeros(ax.shape)
    for j in range(_top(xp, start), 0, -1):
        active = j <= start
        below = j * tox * value - above if bessel_j else above + j * tox * value
        above, value = xp.where(active, value, above), xp.where(active, below, value)
        factor = xp.where(active & (xp.abs(value) > _BIG), _SMALL, 1.0)
        value, above, kept, total = value * factor, above * factor, kept * factor, total * factor
        if bessel_j and j % 2 == 1:
            # Miller's normalisation J0 + 2 (J2 + J4 + ...) = 1 sums the even orders
            total = total + xp.where(active, value, 0.0)
        kept = xp.where(active & (n == j), above, kept)
    return kept, (2.0 * total - value) if bessel_j else value


def _orders(xp: Any, x: Array, n: Array, needed: Array) -> Array:
    """The orders a recurrence must reach: 0 where the trial does not need one."""
    x, n = xp.broadcast_arrays(xp.asarray(x, dtype=xp.float64), xp.asarray(n, dtype=xp.float64))
    return xp.where(needed & (n >= 2.0) & (n <= LARGEST_ORDER), n, 0.0)


def _by_order(xp: Any, n: Array, zero: Array, one: Array, higher: Array) -> Array:
    value = xp.where(n == 0.0, zero, xp.where(n == 1.0, one, higher))
    return xp.where((n < 0.0) | (n > LARGEST_ORDER), xp.nan, value)


def bessel_i(xp: Any, x: Array, n: Array) -> Array:
    """I_n(x) for whole n >= 0."""
    kept, normaliser = _downward(xp, x, _orders(xp, x, n, x != 0.0), bessel_j=False)
    higher = xp.where(x == 0.0, 0.0, kept * _i0(xp, x) / normaliser)
    higher = xp.where((x < 0.0) & (n % 2.0 == 1.0), -higher, higher)
    return xp.where((x == 0.0) & (n >= 1.0), 0.0, _by_order(xp, n, _i0(xp, x), _i1(xp, x), higher))


def bessel_j(xp: Any, x: Array, n: Array) -> Array:
    """J_n(x) for whole n >= 0."""
    ax = xp.abs(x)
    safe = xp.where(ax == 0.0, 1.0, ax)
    upward = _upward(xp, safe, _orders(xp, x, n, ax > n), _j0(xp, safe), _j1(xp, safe), -1.0)
    kept, normaliser = _downward(xp, x, _orders(xp, x, n, (ax <= n) & (ax != 0.0)), True)
    higher = xp.where(ax == 0.0, 0.0, xp.where(ax > n, upward, kept / normaliser))
    higher = xp.where((x < 0.0) & (n % 2.0 == 1.0), -higher, higher)
    return xp.where((ax == 0.0) & (n >= 1.0), 0.0, _by_order(xp, n, _j0(xp, x), _j1(xp, x), higher))


def bessel_k(xp: Any, x: Array, n: Array) -> Array:
    """K_n(x) for x > 0 and whole n >= 0."""
    safe = xp.where(x > 0.0, x, 1.0)
    zero, one = _k0(xp, safe), _k1(xp, safe)
    higher = _upward(xp, safe, _orders(xp, x, n, x > 0.0), zero, one, 1.0)
    return xp.where(x > 0.0, _by_order(xp, n, zero, one, higher), xp.nan)


def bessel_y(xp: Any, x: Array, n: Array) -> Array:
    """Y_n(x) for x > 0 and whole n >= 0."""
    safe = xp.where(x > 0.0, x, 1.0)
    zero, one = _y0(xp, safe), _y1(xp, safe)
    higher = _upward(xp, safe, _orders(xp, x, n, x > 0.0), zero, one, -1.0)
    return xp.where(x > 0.0, _by_order(xp, n, zero, one, higher), xp.nan)
