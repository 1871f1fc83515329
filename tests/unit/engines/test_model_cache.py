"""Compiled models kept by workbook content: the service's second run of a workbook compiles
nothing, gives the same results, and the cache stays within its bounds."""

from __future__ import annotations

import copy
import functools
import io
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import openpyxl
import pytest

from engines import modelcache
from engines.compiler import CompiledModel, compile_model
from engines.modelcache import ModelCache, model_bytes
from engines.service import simulate, simulation_spec

REQUEST = {"inputs": {"Model!B1": {"distribution": "normal", "params": [100, 15]},
                      "Model!B2": {"distribution": "uniform", "params": [0.1, 0.3]}},
           "outputs": ["Model!E3"], "iterations": 6_000, "seed": 11, "sampling": "mc"}


@functools.cache
def _workbook(margin: float = 0.5) -> bytes:
    """A row of years (a row block and a running product) summed into E3; made once per
    margin, as the file records the second it was saved in."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Model"
    sheet["B1"], sheet["B2"], sheet["B3"] = 100, 0.2, margin
    sheet["C1"] = "=B1"
    for column in "DEFGH":
        before = chr(ord(column) - 1)
        sheet[f"{column}1"] = f"={before}1*(1+$B$2)"
    for column in "CDEFGH":
        sheet[f"{column}2"] = f"=IF({column}1>110,{column}1*$B$3,0)"
    sheet["E3"] = "=SUM(C2:H2)"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the models compiled, with the process's cache emptied before and after."""
    count: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> CompiledModel:
        count.append(1)
        return compile_model(*args, **kwargs)

    monkeypatch.setattr("engines.modelcache.compile_model", counted)
    modelcache.forget_models()
    yield count
    modelcache.forget_models()


def _summary(data: bytes) -> dict[str, Any]:
    result = simulate(data, simulation_spec(REQUEST))
    result.pop("compute_seconds")
    return result


def test_a_second_simulation_of_the_same_bytes_compiles_nothing(compiles: list[int]) -> None:
    data = _workbook()
    first = _summary(data)
    second = _summary(bytes(data))  # equal bytes, another object
    assert len(compiles) == 1
    assert second == first  # bit-identical statistics, not approximately equal
    assert first["outputs"]["Model!E3"]["mean"] > 0


def test_other_bytes_or_another_request_compile_their_own_model(compiles: list[int]) -> None:
    _summary(_workbook())
    changed = _summary(_workbook(margin=0.6))
    assert len(compiles) == 2
    assert changed != _summary(_workbook())
    simulate(_workbook(), simulation_spec({**REQUEST, "outputs": ["Model!H1"]}))
    assert len(compiles) == 3


def test_a_kept_model_is_not_changed_by_runs_in_threads(compiles: list[int]) -> None:
    data = _workbook()
    spec = simulation_spec(REQUEST)
    model = modelcache.compiled_model(data, list(spec.inputs), list(spec.outputs))
    constants = {key: copy.deepcopy(value.num) for key, value in model.constants.values.items()}
    results: list[dict[str, Any]] = []

    def run() -> None:
        results.append(simulate(data, spec))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(compiles) == 1 and len(results) == 4
    means = {result["outputs"]["Model!E3"]["mean"] for result in results}
    assert len(means) == 1
    assert modelcache.compiled_model(data, list(spec.inputs), list(spec.outputs)) is model
    assert constants.keys() == model.constants.values.keys()
    for key, before in constants.items():
        np.testing.assert_array_equal(model.constants.values[key].num, before)


def test_the_least_recently_used_model_goes_past_the_entry_bound() -> None:
    cache = ModelCache(entries=2)
    books = [_workbook(margin) for margin in (0.1, 0.2, 0.3)]
    first, second = cache.model(books[0]), cache.model(books[1])
    assert cache.model(books[0]) is first  # used again: now the most recent
    cache.model(books[2])
    assert len(cache) == 2
    assert cache.model(books[0]) is first
    assert cache.model(books[1]) is not second  # dropped, so compiled again


def test_models_beyond_the_memory_bound_are_dropped_or_never_kept() -> None:
    size = model_bytes(ModelCache().model(_workbook()))
    assert size > 0
    cache = ModelCache(max_bytes=2 * size)
    for margin in (0.1, 0.2, 0.3, 0.4):
        cache.model(_workbook(margin))
    assert len(cache) == 2 and cache.kept_bytes <= 2 * size
    tiny = ModelCache(max_bytes=size - 1)
    model = tiny.model(_workbook())
    assert len(tiny) == 0
    assert tiny.model(_workbook()) is not model


def test_a_model_larger_than_one_alone_may_be_is_never_kept() -> None:
    size = model_bytes(ModelCache().model(_workbook()))
    cache = ModelCache(max_bytes=100 * size, largest=size - 1)
    model = cache.model(_workbook())
    assert len(cache) == 0 and cache.model(_workbook()) is not model
    roomy = ModelCache(max_bytes=100 * size, largest=size)
    assert roomy.model(_workbook()) is roomy.model(_workbook())
