"""Chunk tasks computed by any runners, in any order, merged into the one-runner result."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engines.chunks import Chunk
from engines.distributed import SPLIT_ABOVE, merge_chunks, simulate_chunk, split
from engines.errors import ExcelError
from engines.packing import unpack
from engines.partials import chunk_partial, merge
from engines.sampling.beta_quantile import TABLE_COST, beta_quantile
from engines.service import WorkbookEngine, simulation_spec
from engines.simulation import SimulationSpec, run_chunks

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "project-npv.xlsx"
REQUEST: dict[str, Any] = {
    "inputs": {
        "Model!B2": {"distribution": "normal", "params": [10000, 1500]},
        "Model!B4": {"distribution": "pert", "params": [26, 30, 38]},
    },
    "outputs": ["Model!B17", "Model!B18"],
    "iterations": 60_000,
    "chunk_size": 3_000,
    "correlation": {"cells": ["Model!B2", "Model!B4"], "matrix": [[1, 0.4], [0.4, 1]]},
    "targets": [0, 100_000],
    "percentiles": [2.5, 97.5],
}


class ClosedForm:
    """``sum`` = A + B; ``growth`` = exp(A / 10), right-skewed; ``ratio`` = B / (A - 8), #DIV/0!
    where A < 8; ``missing`` is #N/A in every trial."""

    def evaluate(self, n: int, inputs: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
        a, b = inputs["A"], inputs["B"]
        fine = np.zeros(n, np.int8)
        div0 = np.where(a < 8, np.int8(ExcelError.DIV0), np.int8(0))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(a < 8, np.nan, b / (a - 8))
        missing = (np.full(n, np.nan), np.full(n, np.int8(ExcelError.NA)))
        return {
            "sum": (a + b, fine),
            "growth": (np.exp(a / 10), fine),
            "ratio": (ratio, div0),
            "missing": missing,
        }


def _spec(**changes: Any) -> SimulationSpec:
    base: dict[str, Any] = {
        "inputs": {"A": "normal(10, 3)", "B": "normal(5, 4)"},
        "outputs": ["sum", "growth", "ratio", "missing"],
        "iterations": 50_000,
        "seed": 2026,
        "chunk_size": 5_000,
        "sampling": "mc",
        "targets": (15.0,),
    }
    return SimulationSpec(**(base | changes))


def _partials(spec: SimulationSpec) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    partials, blobs = [], {}
    for index in range(spec.chunks):
        chunk = Chunk(index, index * spec.chunk_size, spec.chunk_trials(index))
        partial, blob = chunk_partial(run_chunks(ClosedForm(), spec, [index]), chunk)
        partials.append(partial)
        blobs[partial["values_sha256"]] = blob
    return partials, blobs


def _trials(partials: list[dict[str, Any]], blobs: dict[str, bytes], output: int) -> Any:
    """The valid values of output ``output`` over all chunks, from their blobs."""
    return np.concatenate(
        [unpack(blobs[p["values_sha256"]])[f"{output}/store/values"] for p in partials]
    )


def _without_timing(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key != "compute_seconds"}


def test_a_split_fixes_one_seed_for_every_chunk_of_full_size() -> None:
    seed, chunks = split(simulation_spec(REQUEST | {"iterations": SPLIT_ABOVE + 1,
                                                    "chunk_size": None}))
    assert isinstance(seed, int) and "seed" not in REQUEST
    assert {chunk.count for chunk in chunks[:-1]} == {100_000} and chunks[-1].count == 1
    assert split(simulation_spec(REQUEST | {"seed": 5}))[0] == 5


def _seeded(request: dict[str, Any]) -> tuple[SimulationSpec, list[Chunk]]:
    spec = simulation_spec(request)
    seed, chunks = split(spec)
    return replace(spec, seed=seed), chunks


def test_any_runners_in_any_order_give_the_one_runner_result_bit_for_bit() -> None:
    data = EXAMPLE.read_bytes()
    request, chunks = _seeded(REQUEST)
    assert len(chunks) == 20
    in_order = [simulate_chunk(data, request, chunk) for chunk in chunks]
    blobs = {partial["values_sha256"]: blob for partial, blob in in_order}
    one_runner = merge_chunks(request, [partial for partial, _ in in_order], blobs.__getitem__)

    shuffled = random.Random(5).sample(chunks, len(chunks))
    runners = [shuffled[0:4], shuffled[4:13], shuffled[13:]]
    arrived = [simulate_chunk(data, request, chunk)[0] for runner in runners for chunk in runner]
    arrived.append(arrived[3])  # delivered twice
    random.Random(6).shuffle(arrived)
    many_runners = merge_chunks(request, arrived, blobs.__getitem__)

    assert _without_timing(many_runners) == _without_timing(one_runner)
    single = WorkbookEngine().simulate(data, request, lambda done, total: True)
    assert _without_timing(single) == _without_timing(one_runner)
    assert one_runner["iterations_run"] == one_runner["requested_iterations"] == 60_000
    assert one_runner["seed"] == request.seed


def test_a_chunk_recomputed_by_another_runner_is_identical() -> None:
    data = EXAMPLE.read_bytes()
    request, chunks = _seeded(REQUEST | {"seed": 11})
    first, blob = simulate_chunk(data, request, chunks[7])
    for chunk in chunks[:3]:
        simulate_chunk(data, request, chunk)
    again, again_blob = simulate_chunk(data, request, chunks[7])
    assert again_blob == blob
    assert _without_timing(again) == _without_timing(first)
    assert json.loads(json.dumps(first, allow_nan=False)) == first
    assert first["chunk"] == {"index": 7, "start": 21_000, "count": 3_000}
    assert first["values_bytes"] == len(blob)


def test_beta_quantiles_do_not_depend_on_what_the_process_sampled_before() -> None:
    u = np.random.default_rng(3).random(3_000)
    shape = (2.3125, 4.1875)  # a shape no other test samples, so its table is not built yet
    before = beta_quantile(np.float64(shape[0]), np.float64(shape[1]), u)
    beta_quantile(
        np.float64(shape[0]), np.float64(shape[1]), np.random.default_rng(4).random(TABLE_COST)
    )
    after = beta_quantile(np.float64(shape[0]), np.float64(shape[1]), u)
    assert after.tobytes() == before.tobytes()


def test_merged_statistics_match_the_closed_form_and_the_concatenated_trials() -> None:
    spec = _spec()
    partials, blobs = _partials(spec)
    merged = merge(spec, partials, blobs.__getitem__)
    assert merged.iterations == 50_000
    total = merged.outputs["sum"]
    n, sd = total["count"], 5.0
    assert abs(total["mean"] - 15) < 4 * sd / math.sqrt(n)
    assert abs(total["std"] - sd) < 4 * sd / math.sqrt(2 * n)

    values = _trials(partials, blobs, 1)
    growth = merged.outputs["growth"]
    dev = values - values.mean()
    m2 = np.mean(dev**2)
    assert growth["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert growth["variance"] == pytest.approx(np.var(values, ddof=1), rel=1e-12)
    assert growth["skewness"] == pytest.approx(np.mean(dev**3) / m2**1.5, rel=1e-12)
    assert growth["kurtosis"] == pytest.approx(np.mean(dev**4) / m2**2, rel=1e-12)
    assert (growth["min"], growth["max"]) == (values.min(), values.max())


def test_merged_percentiles_histogram_var_and_targets_are_exact() -> None:
    spec = _spec()
    partials, blobs = _partials(spec)
    merged = merge(spec, partials[::-1], blobs.__getitem__)
    total, values = merged.outputs["sum"], _trials(partials, blobs, 0)
    assert total["percentile_method"] == "exact"
    ps = [row["p"] for row in total["percentiles"]]
    expected = np.quantile(values, np.asarray(ps) / 100)
    assert [row["value"] for row in total["percentiles"]] == expected.tolist()
    assert total["median"] == np.median(values)
    assert sum(total["histogram"]["counts"]) == values.size
    ordered = np.sort(values)
    low, high = total["var"]
    assert low["cvar"] == pytest.approx(ordered[: math.ceil(0.05 * values.size)].mean(), rel=1e-12)
    assert high["cvar"] == pytest.approx(
        ordered[-math.ceil(0.05 * values.size) :].mean(), rel=1e-12
    )
    assert total["targets"] == [{"target": 15.0, "p_below": np.mean(values < 15.0)}]

    ratio = merged.outputs["ratio"]
    assert ratio["count"] == _trials(partials, blobs, 2).size
    assert ratio["count"] + ratio["errors"]["#DIV/0!"] == 50_000


@pytest.mark.parametrize("exact_cap", [1_000_000, 4_000])
def test_the_merge_equals_one_process_running_every_chunk(exact_cap: int) -> None:
    spec = _spec(sampling="lhs", exact_cap=exact_cap, reservoir=3_000)
    partials, blobs = _partials(spec)
    assert all(json.loads(json.dumps(p, allow_nan=False)) == p for p in partials)
    merged = merge(spec, random.Random(1).sample(partials, len(partials)), blobs.__getitem__)
    whole = run_chunks(ClosedForm(), spec, range(spec.chunks)).outcome()
    merged.compute_seconds = whole.compute_seconds = 0.0
    assert merged.to_dict() == whole.to_dict()
    assert merged.outputs["missing"]["errors"] == {"#N/A": 50_000}
    method = "exact" if exact_cap > spec.iterations else "sketch"
    assert merged.outputs["sum"]["percentile_method"] == method


def test_partials_that_do_not_make_up_the_run_are_refused() -> None:
    spec = _spec(iterations=20_000)
    partials, blobs = _partials(spec)
    with pytest.raises(ValueError, match=r"missing: \[2\]"):
        merge(spec, partials[:2] + partials[3:], blobs.__getitem__)
    with pytest.raises(ValueError, match="seeded 2026 with 20000 trials, expected 7 and 20000"):
        merge(_spec(iterations=20_000, seed=7), partials, blobs.__getitem__)
    changed = partials[1] | {"values_sha256": partials[0]["values_sha256"]}
    with pytest.raises(ValueError, match="computed twice with different results"):
        merge(spec, [*partials, changed], blobs.__getitem__)
    with pytest.raises(ValueError, match="chunk 1: its blob holds trials of another chunk"):
        merge(spec, [partials[0], changed, *partials[2:]], blobs.__getitem__)
    tampered = {sha: blob[:-1] + b"\x01" for sha, blob in blobs.items()}
    with pytest.raises(ValueError, match="chunk 0: blob does not match values_sha256"):
        merge(spec, partials, tampered.__getitem__)
    with pytest.raises(ValueError, match="needs the run's seed"):
        simulate_chunk(EXAMPLE.read_bytes(), simulation_spec(REQUEST), Chunk(0, 0, 3_000))
