"""SRC from exactly merged co-moments; Spearman on a bottom-k trial sample; tornado order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from engines.analysis.sensitivity import Sensitivity

RNG = np.random.default_rng(7)
N = 6000
X = RNG.normal(size=(3, N))
Y = 3 * X[0] - X[1] + 0.5 * RNG.normal(size=N)
KEYS = RNG.random(N)
OK = np.zeros(N, dtype=np.int8)


def _fed(chunks: list[slice], reservoir: int) -> Sensitivity:
    s = Sensitivity(["A1", "B1", "C1"], ["out"], reservoir)
    for part in chunks:
        s.update(np, X[:, part], {"out": (Y[part], OK[part])}, KEYS[part])
    return s


def _by_input(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    return {row["input"]: row for row in result["out"]["inputs"]}


def test_src_matches_a_least_squares_fit_on_standardised_data() -> None:
    result = _fed([slice(0, N)], reservoir=N).result()
    z = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    beta = np.linalg.lstsq(z.T, (Y - Y.mean()) / Y.std(), rcond=None)[0]
    rows = _by_input(result)
    assert [rows[c]["src"] for c in ("A1", "B1", "C1")] == pytest.approx(beta, abs=1e-10)
    assert [r["input"] for r in result["out"]["inputs"]] == ["A1", "B1", "C1"]
    assert sum(r["contribution"] for r in result["out"]["inputs"]) == pytest.approx(1.0)


def test_spearman_is_exact_when_the_run_fits_the_reservoir() -> None:
    rows = _by_input(_fed([slice(0, N)], reservoir=N).result())
    assert rows["A1"]["spearman"] == pytest.approx(stats.spearmanr(X[0], Y).statistic, abs=1e-12)


def test_a_run_smaller_than_the_reservoir_is_kept_whole_unsorted_and_sorted_once_it_fills() -> None:
    small = _fed([slice(0, 2000), slice(2000, 3000)], reservoir=N)
    keys, _, _, _ = small.sample()
    assert keys.tolist() == KEYS[:3000].tolist()  # every trial, in the order it came
    rows = _by_input(small.result())
    assert rows["A1"]["spearman"] == pytest.approx(
        stats.spearmanr(X[0, :3000], Y[:3000]).statistic, abs=1e-12)
    filled = _fed([slice(0, 2000), slice(2000, 3000)], reservoir=2500)
    filled.update(np, X[:, 3000:], {"out": (Y[3000:], OK[3000:])}, KEYS[3000:])
    keys, _, _, _ = filled.sample()
    assert keys.tolist() == np.sort(KEYS)[:2500].tolist()
    a, b = _by_input(filled.result()), _by_input(_fed([slice(0, N)], reservoir=2500).result())
    assert [a[c]["spearman"] for c in a] == [b[c]["spearman"] for c in a]


def test_chunked_and_merged_equal_single() -> None:
    single = _fed([slice(0, N)], reservoir=1000)
    left = _fed([slice(0, 2500)], reservoir=1000)
    right = _fed([slice(2500, 4000), slice(4000, N)], reservoir=1000)
    left.merge(right)
    a, b = _by_input(left.result()), _by_input(single.result())
    for cell in ("A1", "B1", "C1"):
        assert a[cell]["src"] == pytest.approx(b[cell]["src"], rel=1e-10, abs=1e-12)
        assert a[cell]["spearman"] == b[cell]["spearman"]


def test_trials_in_error_and_constant_inputs_are_left_out() -> None:
    s = Sensitivity(["A1", "K1"], ["out"], 100)
    errors = np.zeros(N, dtype=np.int8)
    errors[:10] = 2
    inputs = np.vstack([X[0], np.full(N, 4.0)])
    s.update(np, inputs, {"out": (Y, errors)}, KEYS)
    rows = _by_input(s.result())
    assert rows["K1"]["src"] == 0.0 and rows["K1"]["spearman"] == 0.0
    assert s.moments["out"].count == N - 10


@pytest.mark.parametrize("keys", [
    RNG.random(5000),  # no two equal: the quick sort's order is the stable one
    np.round(RNG.random(5000), 2),  # many equal: they keep the order they came in
    np.zeros(100),
    np.array([0.5]),
    np.array([]),
])
def test_the_reservoir_order_is_a_stable_sorts(keys: Any) -> None:
    from engines.analysis.sensitivity import _ascending

    assert np.array_equal(_ascending(keys), np.argsort(keys, kind="stable"))


def test_equal_priorities_keep_the_trials_that_came_first() -> None:
    s = Sensitivity(["A1"], ["out"], reservoir=3)
    for first in (0.0, 10.0):
        x = np.arange(first, first + 4)[None, :]
        s.update(np, x, {"out": (x[0] * 2, np.zeros(4, dtype=np.int8))}, np.full(4, 0.5))
    _, kept, _, _ = s.sample()
    assert kept.tolist() == [[0.0, 1.0, 2.0]]
