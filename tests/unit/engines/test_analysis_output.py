"""Per-output results: percentiles exact or sketched, histogram, VaR/CVaR, targets, errors."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from engines.analysis.output import OutputAccumulator, OutputOptions
from engines.analysis.quantiles import QuantileStore
from engines.analysis.sketch import LogSketch
from engines.errors import ExcelError

RNG = np.random.default_rng(42)
MIXED = np.concatenate([RNG.normal(0, 50, 20_000), np.zeros(100), RNG.lognormal(3, 2, 20_000)])


def _plain(value: Any) -> bool:
    """Only JSON's own Python types, all the way down."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (bool, int, float, str)


def _no_errors(n: int) -> Any:
    return np.zeros(n, dtype=np.int8)


def test_sketch_quantiles_are_within_the_relative_bound_for_negatives_zero_and_positives() -> None:
    sketch = LogSketch(1e-4)
    sketch.add(np, MIXED)
    exact = np.sort(MIXED)
    ranks = np.arange(0, MIXED.size, 97)
    got = sketch.at_rank(ranks)
    assert np.all(np.abs(got - exact[ranks]) <= 1e-4 * np.abs(exact[ranks]))


def test_merged_sketches_equal_one_sketch() -> None:
    whole, a, b = LogSketch(), LogSketch(), LogSketch()
    whole.add(np, MIXED)
    a.add(np, MIXED[:15_000])
    b.add(np, MIXED[15_000:])
    a.merge(b)
    for (va, ca), (vw, cw) in zip([a.ordered()], [whole.ordered()], strict=True):
        assert np.array_equal(va, vw) and np.array_equal(ca, cw)


def test_store_switches_to_the_sketch_past_the_cap_and_stays_within_bound() -> None:
    store = QuantileStore(exact_cap=10_000)
    for piece in np.array_split(MIXED, 8):
        store.add(np, piece)
    assert not store.exact
    fractions = np.array([0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
    exact = np.quantile(MIXED, fractions, method="lower")
    assert np.all(np.abs(store.quantile(fractions) - exact) <= 1e-4 * np.abs(exact))


def test_merging_accumulators_equals_one_accumulator() -> None:
    options = OutputOptions(targets=(0.0, 25.0), var_levels=(0.05, 0.95), exact_cap=30_000)
    whole, left, right = (OutputAccumulator(options) for _ in range(3))
    whole.update(np, MIXED, _no_errors(MIXED.size))
    left.update(np, MIXED[:20_000], _no_errors(20_000))
    right.update(np, MIXED[20_000:], _no_errors(MIXED.size - 20_000))
    left.merge(right)
    a, b = left.result(), whole.result()
    for key in ("mean", "variance", "skewness", "kurtosis", "min", "max"):
        assert a[key] == pytest.approx(b[key], rel=1e-12)
    assert a["targets"] == b["targets"]
    assert a["percentile_method"] == b["percentile_method"] == "sketch"
    assert [p["value"] for p in a["percentiles"]] == [p["value"] for p in b["percentiles"]]


def test_exact_results_percentiles_var_cvar_targets_histogram() -> None:
    values = np.arange(1.0, 1001.0)
    acc = OutputAccumulator(
        OutputOptions(percentiles=(5, 50), targets=(100.5,), var_levels=(0.05, 0.95))
    )
    acc.update(np, values, _no_errors(values.size))
    r = acc.result()
    assert r["percentile_method"] == "exact"
    # PERCENTILE.INC of 1..1000 at 5% is 50.95.
    assert r["percentiles"] == [{"p": 5.0, "value": 50.95}, {"p": 50.0, "value": 500.5}]
    assert r["targets"] == [{"target": 100.5, "p_below": 0.1}]
    lower, upper = r["var"]
    assert lower["var"] == pytest.approx(50.95) and lower["cvar"] == pytest.approx(25.5)
    assert upper["tail"] == "upper" and upper["cvar"] == pytest.approx(975.5)
    assert 10 <= len(r["histogram"]["counts"]) <= 200
    assert sum(r["histogram"]["counts"]) == 1000
    assert r["histogram"]["edges"][0] == 1.0 and r["histogram"]["edges"][-1] == 1000.0
    assert r["cdf"]["x"][0] == 1.0 and r["cdf"]["x"][-1] == 1000.0
    assert _plain(r)
    json.dumps(r)


def test_sketched_histogram_counts_every_value() -> None:
    acc = OutputAccumulator(OutputOptions(exact_cap=1000))
    acc.update(np, MIXED, _no_errors(MIXED.size))
    r = acc.result()
    assert sum(r["histogram"]["counts"]) == MIXED.size
    assert _plain(r)


def test_errors_are_counted_by_code_and_excluded() -> None:
    values = np.array([1.0, 2.0, np.inf, 4.0, 5.0, 6.0])
    errors = np.array([0, ExcelError.DIV0, 0, ExcelError.NA, ExcelError.DIV0, 0], dtype=np.int8)
    acc = OutputAccumulator()
    acc.update(np, values, errors)
    r = acc.result()
    assert r["count"] == 2 and r["error_count"] == 4
    assert r["errors"] == {"#DIV/0!": 2, "#NUM!": 1, "#N/A": 1}
    assert r["mean"] == 3.5


def test_all_trials_in_error_give_no_statistics() -> None:
    acc = OutputAccumulator()
    acc.update(np, np.zeros(3), np.full(3, ExcelError.VALUE, dtype=np.int8))
    r = acc.result()
    assert r["count"] == 0 and r["mean"] is None and r["histogram"] is None
    assert _plain(r)


@pytest.mark.parametrize("values", [
    MIXED,
    np.tile(np.round(MIXED[:5_000]), 14),  # ties, some on edges; past numpy's 65,536 a block
    np.array([1.0, 1.0, 2.0, 3.0, 3.0]),  # values on the first and the last edge
])
def test_histogram_of_the_sorted_values_is_numpys(values: Any) -> None:
    store = QuantileStore()
    store.add(np, values)
    lo, hi = float(values.min()), float(values.max())
    for bins in (10, 37, 200):
        edges = np.linspace(lo, hi, bins + 1)
        np.testing.assert_array_equal(store.histogram(edges), np.histogram(values, edges)[0])
    inner = np.array([lo, np.median(values), np.median(values), hi])  # an empty bin between
    np.testing.assert_array_equal(store.histogram(inner), np.histogram(values, inner)[0])


@pytest.mark.parametrize("cap", [100_000, 1_000])  # exact, and sketched
def test_quantiles_reported_together_are_each_as_read_alone(cap: int) -> None:
    options = OutputOptions(percentiles=(0.5, 5.0, 50.0, 99.0), var_levels=(0.01, 0.3, 0.95),
                            exact_cap=cap)
    acc = OutputAccumulator(options)
    for part in np.array_split(MIXED[:9_000], 3):
        acc.update(np, part, _no_errors(part.size))
    result = acc.result()
    assert result["median"] == float(acc.quantile(0.5))
    assert [p["value"] for p in result["percentiles"]] == [
        float(acc.quantile(p / 100)) for p in options.percentiles]
    assert result["cdf"]["x"] == [float(acc.quantile(p)) for p in result["cdf"]["p"]]
    assert [v["var"] for v in result["var"]] == [float(acc.quantile(v))
                                                 for v in options.var_levels]
    q25, q75 = (float(acc.quantile(q)) for q in (0.25, 0.75))
    width = float(q75 / 2 - q25 / 2) * 2 / acc.moments.count ** (1 / 3)
    lo, hi = acc.moments.min, acc.moments.max
    assert len(result["histogram"]["counts"]) == min(max(int(np.ceil((hi / 2 - lo / 2) / width)),
                                                         10), 200)
