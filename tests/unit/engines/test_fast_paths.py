"""Fast paths of the hot loop give exactly what the general paths give: evaluation a slice of
trials at a time, error arrays left out where no trial errs, NPV's periods without a scan,
and the tabulated inverse beta (to 1e-12 relative of scipy's betaincinv)."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pytest
import scipy.special
import scipy.stats

from engines import chunking
from engines.analysis.quantiles import sorted_quantile
from engines.analysis.ranking import average_ranks
from engines.analysis.sensitivity import Sensitivity
from engines.compiler import compile_model
from engines.errors import ExcelError
from engines.kernels import cashflows
from engines.risk import RiskInputId
from engines.sampling.beta_quantile import beta_quantile
from engines.values import flag_errors, with_error
from engines.workbook import load_workbook

CELLS = {
    "A1": 5.0,
    "A2": 2.0,
    "B1": "=A1/(A2-1)",  # #DIV/0! where A2 = 1
    "B2": "=A2^-1",  # #DIV/0! where A2 = 0
    "B3": "=SQRT(A1-3)",  # #NUM! where A1 < 3
    "B4": "=RiskNormal(0,1)*A1",
    "B5": "=NPV(0.1,B1,B2,B4)",
    "B6": "=IFERROR(B1,-1)+SUM(B2:B4)",
    "B7": '=IF(B4>0,"up",B1)',
}
OUTPUTS = [f"S!B{row}" for row in range(1, 8)]


def _model():  # type: ignore[no-untyped-def]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, value in CELLS.items():
        ws[ref] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return compile_model(load_workbook(buffer.getvalue()), inputs=["S!A1", "S!A2"],
                         outputs=OUTPUTS)


def test_evaluation_by_slices_equals_one_pass() -> None:
    model = _model()
    n = 10_000
    rng = np.random.default_rng(4)
    inputs = {"S!A1": rng.integers(0, 8, n).astype(float), "S!A2": rng.integers(0, 3, n) * 1.0}
    risk = {RiskInputId("S!B4", 0): rng.normal(size=n)}
    whole = model.evaluate(n, inputs, risk)
    model.trials_per_slice = 999
    sliced = model.evaluate(n, inputs, risk)
    for address in OUTPUTS:
        np.testing.assert_array_equal(sliced[address][0], whole[address][0])
        np.testing.assert_array_equal(sliced[address][1], whole[address][1])
    codes = np.concatenate([whole[address][1] for address in OUTPUTS])
    assert {int(ExcelError.DIV0), int(ExcelError.NUM), int(ExcelError.VALUE)} <= set(codes)


def test_sampler_hooks_get_all_trials_in_one_call() -> None:
    model = _model()
    model.trials_per_slice = 10
    calls: list[int] = []

    def hook(args: object) -> np.ndarray:  # type: ignore[type-arg]
        calls.append(100)
        return np.zeros(100)

    model.evaluate(100, {"S!A1": np.ones(100)}, {RiskInputId("S!B4", 0): hook})
    assert calls == [100]


def test_trials_of_keeps_scalars_whole() -> None:
    assert chunking.trials_of(np, 3.0, 10, slice(2, 4)) == 3.0
    np.testing.assert_array_equal(chunking.trials_of(np, np.arange(10.0), 10, slice(2, 4)),
                                  [2.0, 3.0])
    assert [(s.start, s.stop) for s in chunking.slices(5, 2)] == [(0, 1), (1, 3), (3, 5)]
    assert [(s.start, s.stop) for s in chunking.slices(4, 4)] == [(0, 4)]


@pytest.mark.parametrize("err", [None, np.array([[[0]], [[7]], [[0]]], dtype=np.int8)])
@pytest.mark.parametrize("hits", [False, True])
def test_flag_errors_equals_with_error(err: np.ndarray | None, hits: bool) -> None:  # type: ignore[type-arg]
    mask = np.array([[[False]], [[hits]], [[hits]]])
    general = with_error(np, err, mask, ExcelError.NUM)
    fast = flag_errors(np, err, mask, ExcelError.NUM)
    np.testing.assert_array_equal(np.zeros((3, 1, 1), np.int8) if fast is None else fast,
                                  np.broadcast_to(general, (3, 1, 1)))
    assert (fast is None) == (err is None and not hits)


def test_npv_periods_without_skipped_cells_equal_the_scan() -> None:
    values = np.random.default_rng(2).normal(size=(5, 7))
    rate = np.linspace(-0.5, 0.5, 7)
    present = ~np.isnan(values)
    scanned = np.sum(values * (1.0 + rate) ** -(np.cumsum(present, axis=0) - 1.0 + 1.0), axis=0)
    np.testing.assert_array_equal(cashflows.npv(np, rate, values), scanned)
    np.testing.assert_array_equal(cashflows._periods(np, present),
                                  (np.cumsum(present, axis=0) - 1.0)[:, :1])


@pytest.mark.parametrize(
    "shapes", [(7 / 3, 11 / 3), (1.0, 1.0), (1.0, 5.0), (0.5, 0.5), (0.2, 3.0), (50.0, 50.0),
               (300.0, 2.0), (1.0001, 200.0)])
def test_tabulated_beta_quantile_matches_betaincinv(shapes: tuple[float, float]) -> None:
    a, b = shapes
    u = np.concatenate([np.random.default_rng(9).random(100_000), np.linspace(0, 1, 20_001),
                        [1e-300, 1e-12, 1 - 1e-12, 1 - 1e-16, np.nan, -0.1, 1.1]])
    expected = scipy.special.betaincinv(a, b, u)
    got = beta_quantile(np.float64(a), np.float64(b), u)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_spearman_reservoir_keeps_the_lowest_keys_in_order() -> None:
    rng = np.random.default_rng(6)
    sensitivity = Sensitivity(["x"], ["y"], reservoir=1_000)
    all_keys = []
    for _ in range(12):
        keys = rng.random(700)
        x = rng.normal(size=(1, 700))
        sensitivity.update(np, x, {"y": (x[0] * 2.0, np.zeros(700, np.int8))}, keys)
        all_keys.append(keys)
    kept_keys, x, y, _ = sensitivity.sample()
    np.testing.assert_array_equal(kept_keys, np.sort(np.concatenate(all_keys))[:1_000])
    np.testing.assert_array_equal(y["y"], x[0] * 2.0)


def test_the_reservoir_keeps_the_lowest_keys_ties_in_arrival_order() -> None:
    """Samples merged many at a time keep what merging them one by one keeps: the lowest
    keys, ascending, equal keys in the order their trials came."""
    rng = np.random.default_rng(8)
    sensitivity = Sensitivity(["x"], ["y"], reservoir=300)
    keys = [rng.integers(0, 50, 170).astype(float) for _ in range(7)]
    for number, part in enumerate(keys):
        trial = np.arange(part.size, dtype=float) + 1_000 * number  # which trial, in order
        sensitivity.keep(part, trial[None, :], {"y": trial}, {"y": np.ones(part.size, bool)})
    kept_keys, x, y, _ = sensitivity.sample()
    everything = np.concatenate(keys)
    order = np.argsort(everything, kind="stable")[:300]
    trials = np.concatenate([np.arange(170) + 1_000 * n for n in range(7)]).astype(float)
    np.testing.assert_array_equal(kept_keys, everything[order])
    np.testing.assert_array_equal(x[0], trials[order])
    np.testing.assert_array_equal(y["y"], trials[order])


@pytest.mark.parametrize("size", [1, 2, 3, 10, 1_001])
def test_sorted_quantile_equals_numpy_quantile(size: int) -> None:
    rng = np.random.default_rng(size)
    for values in (np.sort(rng.normal(size=size)), np.sort(rng.integers(-2, 2, size) * 1.0)):
        for fractions in (0.0, 1.0, 0.5, rng.random(), [0.05, 0.25, 0.75, 0.95],
                          np.linspace(0, 1, 41), 1 - 1e-17):
            expected = np.quantile(values, np.asarray(fractions, dtype=np.float64))
            got = sorted_quantile(values, fractions)
            assert type(got) is type(expected)
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("size", [1, 2, 7, 1_000])
def test_average_ranks_equal_scipy_rankdata(size: int) -> None:
    rng = np.random.default_rng(size)
    for values in (rng.normal(size=size), rng.integers(0, 4, size) * 1.0, np.zeros(size),
                   np.array([-0.0, 0.0] * size)):
        np.testing.assert_array_equal(average_ranks(values), scipy.stats.rankdata(values))
