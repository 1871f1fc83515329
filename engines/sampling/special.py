"""Special functions on either backend: scipy.special on numpy, cupyx.scipy.special on cupy.

A function cupyx lacks is evaluated on the host and copied back, so every distribution works
on both backends; only speed differs.
"""

from __future__ import annotations

from typing import Any

import numpy
import scipy.special

from engines.sampling.beta_quantile import beta_quantile
from engines.xp import Array, to_numpy

_FASTER_ON_HOST = {"betaincinv": beta_quantile}
"""Functions with a faster route than scipy's on numpy, to the same values (see each)."""


def special(xp: Any, name: str, *args: Array) -> Array:
    """``scipy.special.<name>(*args)`` evaluated for arrays of the ``xp`` module."""
    if xp is numpy:
        return _FASTER_ON_HOST.get(name, getattr(scipy.special, name))(*args)
    import cupyx.scipy.special as device_special

    fn = getattr(device_special, name, None)
    if fn is not None:
        return fn(*args)
    host = getattr(scipy.special, name)(*(to_numpy(xp.asarray(a)) for a in args))
    return xp.asarray(host)
