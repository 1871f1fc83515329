"""Compiled models kept by workbook content, so a workbook simulated again is not compiled again.

Reading and compiling a workbook of thousands of formulas takes longer than simulating 10^4
trials of it. A compiled model holds no state of a run (each evaluation starts its own pass),
so the model compiled for (workbook bytes, inputs, outputs, backend, limits) serves every
later request naming the same.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from types import ModuleType

import numpy

from engines.compiler import CompiledModel, compile_model
from engines.limits import WorkbookLimits
from engines.workbook import DEFAULT_LIMITS, load_workbook

MODELS_KEPT = 8
"""Compiled models kept, the least recently used dropped first."""

Key = tuple[bytes, tuple[str, ...], tuple[str, ...] | None, str, WorkbookLimits]

_models: OrderedDict[Key, CompiledModel] = OrderedDict()
_lock = threading.Lock()


def compiled_model(
    data: bytes,
    inputs: Sequence[str] = (),
    outputs: Sequence[str] | None = None,
    xp: ModuleType = numpy,
    limits: WorkbookLimits = DEFAULT_LIMITS,
) -> CompiledModel:
    """``compile_model(load_workbook(data, limits), inputs, outputs, xp)``, from the cache when
    the same workbook was compiled for the same request before."""
    key: Key = (hashlib.sha256(data).digest(), tuple(inputs),
                None if outputs is None else tuple(outputs), xp.__name__, limits)
    with _lock:
        model = _models.get(key)
        if model is not None:
            _models.move_to_end(key)
            return model
    model = compile_model(load_workbook(data, limits), inputs=inputs, outputs=outputs, xp=xp)
    with _lock:
        _models[key] = model
        while len(_models) > MODELS_KEPT:
            _models.popitem(last=False)
    return model


def forget_models() -> None:
    """Empty the cache."""
    with _lock:
        _models.clear()
