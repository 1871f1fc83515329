"""Compiled models kept by workbook content, so a workbook simulated again is not compiled again.

Reading and compiling a workbook of thousands of formulas takes longer than simulating 10^4
trials of it. A compiled model holds no state of a run (each evaluation starts its own pass,
and what a pass memoises on the model, such as constant blocks, is the same whichever run
builds it first), so the model compiled for (workbook bytes, inputs, outputs, backend,
limits) serves every later request naming the same, from any thread.
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
from engines.values import Value
from engines.workbook import DEFAULT_LIMITS, load_workbook

MODELS_KEPT = 8
"""Compiled models kept, the least recently used dropped first."""

MODEL_BYTES_KEPT = 512 * 2**20
"""Estimated memory of the kept models (see :func:`model_bytes`) beyond which the least
recently used are dropped."""

MODEL_BYTES_ALONE = 64 * 2**20
"""A model estimated larger than this is not kept (about 16,000 cells): its runs are long
beside its compile, and a runner gives its memory back once the run is over (the memory a
runner keeps after a large workbook is measured by ``bench.kept_memory``)."""

CELL_BYTES = 4_096
"""Memory a compiled model holds per workbook cell (its plan, facts and the cell itself):
about 3.7 KiB measured on the 20-line planning model of bench.engine_lines."""

Key = tuple[bytes, tuple[str, ...], tuple[str, ...] | None, str, WorkbookLimits]


def model_bytes(model: CompiledModel) -> int:
    """Estimated memory of ``model``: its cells, and the arrays of its constant values."""
    constants = model.constants
    values = [*constants.values.values(), *constants.blocks.values(), *constants.rows.values()]
    return CELL_BYTES * len(model.workbook.cells) + sum(_nbytes(value) for value in values)


def _nbytes(value: Value) -> int:
    parts = (value.num, value.err, value.kind, value.text)
    return sum(int(getattr(part, "nbytes", 0)) for part in parts)


class ModelCache:
    """Compiled models by request, least recently used dropped first once more than
    ``entries`` are kept or their estimated memory passes ``max_bytes``; a model larger than
    ``largest`` is not kept. Thread-safe; two
    threads asking for a model not yet kept may both compile it (the first one kept serves)."""

    def __init__(self, entries: int = MODELS_KEPT, max_bytes: int = MODEL_BYTES_KEPT,
                 largest: int = MODEL_BYTES_ALONE) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self.largest = min(largest, max_bytes)
        self._models: OrderedDict[Key, tuple[CompiledModel, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._models)

    @property
    def kept_bytes(self) -> int:
        """Estimated memory of the models kept."""
        with self._lock:
            return sum(size for _, size in self._models.values())

    def model(
        self,
        data: bytes,
        inputs: Sequence[str] = (),
        outputs: Sequence[str] | None = None,
        xp: ModuleType = numpy,
        limits: WorkbookLimits = DEFAULT_LIMITS,
    ) -> CompiledModel:
        """``compile_model(load_workbook(data, limits), inputs, outputs, xp)``, kept when the
        same workbook was compiled for the same request before."""
        key: Key = (hashlib.sha256(data).digest(), tuple(inputs),
                    None if outputs is None else tuple(outputs), xp.__name__, limits)
        with self._lock:
            kept = self._models.get(key)
            if kept is not None:
                self._models.move_to_end(key)
                return kept[0]
        model = compile_model(load_workbook(data, limits), inputs=inputs, outputs=outputs, xp=xp)
        size = model_bytes(model)
        if size > self.largest:
            return model
        with self._lock:
            kept = self._models.setdefault(key, (model, size))
            self._models.move_to_end(key)
            total = sum(size for _, size in self._models.values())
            while len(self._models) > self.entries or total > self.max_bytes:
                _, (_, dropped) = self._models.popitem(last=False)
                total -= dropped
        return kept[0]

    def clear(self) -> None:
        """Drop every kept model."""
        with self._lock:
            self._models.clear()


MODELS = ModelCache()
"""The process's models, shared by the service's runs."""


def compiled_model(
    data: bytes,
    inputs: Sequence[str] = (),
    outputs: Sequence[str] | None = None,
    xp: ModuleType = numpy,
    limits: WorkbookLimits = DEFAULT_LIMITS,
) -> CompiledModel:
    """The model of ``data`` for the request, from the process's cache (see :class:`ModelCache`)."""
    return MODELS.model(data, inputs, outputs, xp, limits)


def forget_models() -> None:
    """Empty the process's cache."""
    MODELS.clear()
