"""Row blocks, liveness and slices: each is a shortcut that must give exactly what evaluating
every cell's own formula, keeping every value, over all trials at once gives."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import openpyxl
import pytest

from engines import compiler
from engines.chunking import (
    BYTES_PER_SLICE,
    FEWEST_TRIALS_PER_SLICE,
    TRIALS_PER_SLICE,
    slices,
    trials_per_slice,
)
from engines.compiler import CompiledModel, compile_model
from engines.env import Env
from engines.liveness import last_reads
from engines.rowblocks import RowBlock, ScanBlock
from engines.values import Area
from engines.workbook import load_workbook

YEARS = "CDEFGHIJ"
INPUTS = ["S!B1", "S!B2", "S!B3"]


def _book() -> bytes:
    """Inputs B1:B3; per row a formula repeated over the years C:J.

    Row 1 grows from B1 (a running product), row 2 is a running sum, row 3 a plain block
    with IF, row 4 a block interrupted by another formula in F4, row 5 errs (#DIV/0!) in I5
    where B2 is 9, and the outputs sum the rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "S"
    sheet["B1"], sheet["B2"], sheet["B3"], sheet["B4"] = 100, 5, 0.3, 1.5
    sheet["C1"], sheet["C2"] = "=B1", "=B2"
    for i, col in enumerate(YEARS):
        before = "B" if i == 0 else YEARS[i - 1]
        if i:
            sheet[f"{col}1"] = f"={before}1*(1+$B$3)"
            sheet[f"{col}2"] = f"={before}2+$B$4"
        sheet[f"{col}3"] = f"=IF({col}1>{col}2*30,{col}1*$B$3,-{col}2)"
        sheet[f"{col}4"] = "=F1/(F2-7)" if col == "F" else f"={col}3*{col}2-$B$4^2"
        sheet[f"{col}5"] = f"={col}1/({col}2-$B$2*2)+{col}4"
    sheet["A7"] = "=SUM(C3:J3)+SUM(C4:J4)"
    sheet["A8"] = "=PRODUCT(C1:J1)/SUM(C2:J2)"
    sheet["A9"] = "=IFERROR(SUM(C5:J5),-1)"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


OUTPUTS = ["S!A7", "S!A8", "S!A9", "S!J1", "S!E4", "S!F4", "S!H3"]


def _inputs(n: int) -> dict[str, Any]:
    rng = np.random.default_rng(3)
    return {"S!B1": rng.normal(100, 20, n), "S!B2": rng.choice([5.0, 7.0, 9.0], n),
            "S!B3": rng.uniform(-0.1, 0.4, n)}


def _model(monkeypatch: pytest.MonkeyPatch | None = None, *, blocks: bool = True,
           freed: bool = True) -> CompiledModel:
    if monkeypatch is not None and not blocks:
        monkeypatch.setattr(compiler, "_entrywise_candidate", lambda plain, facts: False)
    if monkeypatch is not None and not freed:
        monkeypatch.setattr(compiler, "last_reads", lambda reads, kept: [[] for _ in reads])
    return compile_model(load_workbook(_book()), inputs=INPUTS, outputs=OUTPUTS)


def _evaluate(model: CompiledModel, n: int) -> dict[str, tuple[Any, Any]]:
    model.trials_per_slice = max(n, 1)  # all trials in one pass unless a test says otherwise
    return model.evaluate(n, _inputs(n))


def _same(got: dict[str, tuple[Any, Any]], want: dict[str, tuple[Any, Any]]) -> None:
    assert got.keys() == want.keys()
    for cell, (values, errors) in want.items():
        np.testing.assert_array_equal(got[cell][0], values, err_msg=cell)
        np.testing.assert_array_equal(got[cell][1], errors, err_msg=cell)


def test_the_model_evaluates_rows_as_blocks_and_running_products_as_scans() -> None:
    steps = _model()._steps
    blocks = {step.area: type(step) for step in steps if isinstance(step, RowBlock)}
    assert blocks[Area("S", 1, 4, 1, 10)] is ScanBlock  # D1:J1, from C1
    assert blocks[Area("S", 2, 4, 2, 10)] is ScanBlock
    assert blocks[Area("S", 3, 3, 3, 10)] is RowBlock
    assert blocks[Area("S", 4, 3, 4, 5)] is RowBlock  # C4:E4, then F4 alone, then G4:J4
    assert blocks[Area("S", 4, 7, 4, 10)] is RowBlock
    assert ("S", 4, 6) in steps


def test_blocks_give_what_each_cells_formula_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    by_block = _evaluate(_model(), 4_000)
    one_by_one = _model(monkeypatch, blocks=False)
    assert not any(isinstance(step, RowBlock) for step in one_by_one._steps)
    want = _evaluate(one_by_one, 4_000)
    _same(by_block, want)
    assert (want["S!A9"][0] == -1).any() and (want["S!A9"][0] != -1).any()  # errors met


def test_freeing_values_changes_no_result(monkeypatch: pytest.MonkeyPatch) -> None:
    freed = _model()
    assert any(freed._dropped)
    _same(_evaluate(freed, 3_000), _evaluate(_model(monkeypatch, freed=False), 3_000))


class _Watched(dict[Any, Any]):
    """Values of a pass that fail a test when one is read after it was freed."""

    def __init__(self) -> None:
        super().__init__()
        self.freed: set[Any] = set()

    def pop(self, key: Any, *default: Any) -> Any:
        self.freed.add(key)
        return super().pop(key, *default)

    def get(self, key: Any, default: Any = None) -> Any:
        assert key not in self.freed, f"{key} read after it was freed"
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        assert key not in self.freed, f"{key} read after it was freed"
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        assert key not in self.freed, f"{key} read after it was freed"
        return super().__contains__(key)


def test_a_freed_value_is_never_read_again_and_outputs_are_never_freed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    passes: list[Any] = []
    env_class = Env

    def watched(*args: Any, **kwargs: Any) -> Any:
        env = env_class(*args, **kwargs)
        env.values, env.rows = _Watched(), _Watched()
        passes.append(env)
        return env

    model = _model()
    monkeypatch.setattr("engines.compiler.Env", watched)
    _evaluate(model, 1_000)
    env = passes[-1]
    outputs = {("S", 7, 1), ("S", 8, 1), ("S", 9, 1), ("S", 1, 10), ("S", 4, 5), ("S", 4, 6)}
    assert env.values.freed and not env.values.freed & outputs
    assert env.rows.freed  # blocks read by area go too, once their last reader ran


def test_last_reads_drop_each_value_after_its_last_reader() -> None:
    reads = [{"a"}, {"a", "b"}, {"c"}, {"b", "out"}, set()]
    assert last_reads(reads, kept={"out"}) == [[], ["a"], ["c"], ["b"], []]
    assert last_reads(reads, kept={"out", "b"}) == [[], ["a"], ["c"], [], []]
    assert last_reads([set(), set()], kept=set()) == [[], []]


def test_slices_are_bounded_by_memory_with_a_floor() -> None:
    assert trials_per_slice(1) == TRIALS_PER_SLICE
    widths = [1, 8, 31, 64, 128, 1_000, 100_000]
    sizes = [trials_per_slice(width) for width in widths]
    assert sizes == sorted(sizes, reverse=True)  # wider blocks, fewer trials
    for width, size in zip(widths, sizes, strict=True):
        assert FEWEST_TRIALS_PER_SLICE <= size <= TRIALS_PER_SLICE
        assert size * width * 8 <= BYTES_PER_SLICE or size == FEWEST_TRIALS_PER_SLICE
    assert trials_per_slice(100_000) == FEWEST_TRIALS_PER_SLICE
    assert trials_per_slice(31) < TRIALS_PER_SLICE  # the planning model's width binds


@pytest.mark.parametrize("n", [1, 7, 8_000, 32_769, 100_003])
def test_slices_cover_the_trials_once_in_even_parts(n: int) -> None:
    parts = list(slices(n, 8_000))
    assert parts[0].start == 0 and parts[-1].stop == n
    assert all(a.stop == b.start for a, b in zip(parts, parts[1:], strict=False))
    lengths = [part.stop - part.start for part in parts]
    assert max(lengths) <= 8_000 and max(lengths) - min(lengths) <= 1


def test_slices_give_what_one_pass_gives() -> None:
    model = _model()
    whole = _evaluate(model, 10_001)
    model.trials_per_slice = 2_500
    _same(model.evaluate(10_001, _inputs(10_001)), whole)
