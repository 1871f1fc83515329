"""Past the exact bound an output's percentiles come from a sketch about its center (its value
at its inputs' medians): an output whose spread is small beside its level keeps percentiles
within a sliver of its spread, where a sketch of the values themselves erred by 1e-4 of the
value (±10^5 at 10^9, days on a date); split across chunks the sketches still merge."""

from __future__ import annotations

from dataclasses import replace

import numpy
import pytest
from scipy import stats

from engines.analysis.quantiles import QuantileStore
from engines.service import WorkbookEngine, simulation_spec
from tests.unit.engines.excel_sheet import model_workbook


def test_a_large_level_with_a_small_spread_keeps_its_percentiles() -> None:
    data = model_workbook(A1="=RiskNormal(0, 10000)", B1="=RiskOutput()+1000000000+A1")
    spec = replace(simulation_spec({"inputs": {}, "outputs": [], "iterations": 60_000,
                                    "seed": 3, "percentiles": [5, 95]}), exact_cap=10_000)
    outcome = WorkbookEngine().simulate(data, spec, lambda done, total: True)
    result = next(iter(outcome["outputs"].values()))
    assert result["percentile_method"] == "sketch"
    found = {p["p"]: p["value"] - 1e9 for p in result["percentiles"]}
    for p in (5.0, 50.0, 95.0):  # LHS places them within ~1 of the law's; a sketch of the
        # values themselves put all three at +34,228
        assert found[p] == pytest.approx(stats.norm.ppf(p / 100) * 10_000, abs=25)
    assert sum(1 for c in result["histogram"]["counts"] if c) > 100  # not one bucket


def test_stores_about_one_center_merge_as_one_and_about_others_still_merge() -> None:
    rng = numpy.random.default_rng(5)
    values = 46_000 + rng.triangular(0, 30, 90, 30_000)
    whole = QuantileStore(1_000, center=46_030.0)
    whole.add(numpy, values)
    parts = [QuantileStore(1_000, center=46_030.0) for _ in range(3)]
    for part, chunk in zip(parts, numpy.split(values, 3), strict=True):
        part.add(numpy, chunk)
    merged = QuantileStore(1_000)  # empty: takes the first part's center
    for part in parts:
        merged.merge(part)
    fractions = numpy.array([0.05, 0.5, 0.95])
    assert numpy.array_equal(merged.quantile(fractions), whole.quantile(fractions))
    exact = numpy.quantile(values, fractions)
    assert numpy.max(numpy.abs(whole.quantile(fractions) - exact)) < 0.05  # days, not 4.6
    other = QuantileStore(1_000, center=0.0)
    other.add(numpy, values[:5_000])
    merged.merge(other)  # another center: its buckets' values, re-sketched
    assert merged.count == 35_000
