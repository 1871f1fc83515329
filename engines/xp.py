"""The one array-module seam: engine code takes ``xp`` and never imports numpy or cupy by name.

numpy is the default; cupy is used when installed (``riskstream[gpu]``) and a CUDA device answers.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy

Array = Any  # numpy.ndarray or cupy.ndarray; the two share the API the engine uses


class BackendUnavailable(RuntimeError):
    """The requested array backend cannot run on this machine."""


def cupy_unavailable_reason() -> str | None:
    """Why cupy cannot be used here, or None when it can."""
    try:
        import cupy
    except ImportError:
        return "cupy is not installed (pip install 'riskstream[gpu]')"
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return "no CUDA device is present"
    except Exception as exc:  # noqa: BLE001 - any CUDA failure means the backend is unusable
        return f"no usable CUDA device: {exc}"
    return None


def get_xp(backend: str = "numpy") -> ModuleType:
    """The array module for ``backend`` ('numpy' or 'cupy')."""
    if backend == "numpy":
        return numpy
    if backend == "cupy":
        reason = cupy_unavailable_reason()
        if reason is not None:
            raise BackendUnavailable(reason)
        import cupy

        return cupy  # type: ignore[no-any-return]
    raise ValueError(f"unknown engine backend {backend!r}; expected 'numpy' or 'cupy'")


def to_numpy(array: Array) -> numpy.ndarray[Any, Any]:
    """A host (numpy) copy of ``array`` from either backend."""
    if isinstance(array, numpy.ndarray):
        return array
    get = getattr(array, "get", None)
    return numpy.asarray(get() if get is not None else array)
