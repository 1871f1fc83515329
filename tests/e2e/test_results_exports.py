"""What the workbench reads beyond a simulation's results: its first trials (for the scatter and
the convergence lines) and its results as an Excel report with native charts."""

from __future__ import annotations

import io
from typing import Any

import httpx
import numpy
import pytest
from openpyxl import load_workbook

from tests.e2e.flow import ENDED, poll, start, upload_example

REQUEST = {
    "inputs": {"Model!B2": {"distribution": "normal", "params": [10000, 1500]},
               "Model!B4": {"distribution": "pert", "params": [27, 30, 36]}},
    "outputs": ["Model!B18"], "iterations": 10_000, "seed": 2026,
    "correlation": {"cells": ["Model!B2", "Model!B4"], "matrix": [[1, 0.3], [0.3, 1]]},
}


@pytest.fixture
async def completed(own_tenant: httpx.AsyncClient) -> dict[str, Any]:
    workbook = await upload_example(own_tenant)
    answer = await start(own_tenant, {"workbook_id": workbook["workbook_id"], **REQUEST})
    assert answer.status_code == 202, answer.text
    sim = await poll(own_tenant, f"/v1/simulations/{answer.json()['simulation_id']}", ENDED, 120)
    assert sim["status"] == "completed", sim
    return sim


async def test_the_sample_is_the_runs_own_trials(own_tenant: httpx.AsyncClient,
                                                  completed: dict[str, Any]) -> None:
    sim_id, npv = completed["simulation_id"], completed["results"]["outputs"]["Model!B18"]
    answer = await own_tenant.get(f"/v1/simulations/{sim_id}/sample", params={
        "input": "'Model'!B2", "output": "Model!B18", "n": 10_000})
    assert answer.status_code == 200, answer.text
    sample = answer.json()
    assert (sample["input"], sample["output"], sample["n"]) == ("Model!B2", "Model!B18", 10_000)
    y = numpy.array([v for v in sample["output_values"] if v is not None])
    # every trial of the run: its statistics are the run's
    assert len(y) == npv["count"]
    assert y.mean() == pytest.approx(npv["mean"], rel=1e-12)
    assert (y.min(), y.max()) == (npv["min"], npv["max"])
    # the workbook's own RiskTriang in B3 can be asked for as the results name it
    risk = await own_tenant.get(f"/v1/simulations/{sim_id}/sample", params={
        "input": "Model!B3", "output": "Model!B18", "n": 100})
    assert risk.status_code == 200 and len(risk.json()["input_values"]) == 100
    assert risk.json()["output_values"] == sample["output_values"][:100]


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"input": "Model!C9", "output": "Model!B18"}, "input", "is not one of this simulation's"),
    ({"input": "Model!B2", "output": "Model!B17"}, "output", "is not one of this simulation's"),
    ({"input": "Model!B2", "output": "Model!B18", "n": 0}, "n", "greater than or equal to 1"),
    ({"input": "Model!B2", "output": "Model!B18", "n": 10_001}, "n", "less than or equal to"),
    ({"output": "Model!B18"}, "input", "Field required"),
])
async def test_a_bad_sample_request_names_the_field(
        own_tenant: httpx.AsyncClient, completed: dict[str, Any], params: dict[str, Any],
        field: str, words: str) -> None:
    answer = await own_tenant.get(f"/v1/simulations/{completed['simulation_id']}/sample",
                                  params=params)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert any(e["loc"] == ["query", field] and words in e["msg"] for e in problem["errors"])


async def test_an_unknown_or_unfinished_simulation_has_no_sample_nor_report(
        own_tenant: httpx.AsyncClient) -> None:
    for path in ("sample?input=Model!B2&output=Model!B18", "report.xlsx"):
        missing = await own_tenant.get(f"/v1/simulations/sim_nope/{path}")
        assert missing.status_code == 404 and "no simulation sim_nope" in missing.text
    workbook = await upload_example(own_tenant)
    long_run = await start(own_tenant, {"workbook_id": workbook["workbook_id"],
                                        **REQUEST, "iterations": 10_000_000})
    sim_id = long_run.json()["simulation_id"]
    await poll(own_tenant, f"/v1/simulations/{sim_id}", {"running", *ENDED})
    answer = await own_tenant.get(f"/v1/simulations/{sim_id}/report.xlsx")
    await own_tenant.post(f"/v1/simulations/{sim_id}/cancel")
    assert answer.status_code == 409 and "only a completed one has results" in answer.text


async def test_the_report_opens_in_excel_with_its_charts_and_numbers(
        own_tenant: httpx.AsyncClient, completed: dict[str, Any]) -> None:
    answer = await own_tenant.get(f"/v1/simulations/{completed['simulation_id']}/report.xlsx")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["Summary", "Output 1"]
    npv = completed["results"]["outputs"]["Model!B18"]
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Iterations"][0] == 10_000 and summary["Seed"][0] == 2026
    assert summary["Model!B18"][:3] == (npv["count"], npv["error_count"], npv["mean"])
    sheet = book["Output 1"]
    cells = {row[0]: row[1] for row in sheet.iter_rows(min_col=1, max_col=2, values_only=True)}
    # a cell holds what Excel keeps of a number: 15 significant digits
    assert cells["mean"] == pytest.approx(npv["mean"], rel=1e-14, abs=0)
    assert cells["P95"] == pytest.approx(next(
        p["value"] for p in npv["percentiles"] if p["p"] == 95), rel=1e-14, abs=0)
    counts = [sheet.cell(r, 6).value for r in range(2, len(npv["histogram"]["counts"]) + 2)]
    assert counts == npv["histogram"]["counts"]
    # the charts are Excel's own, read back by openpyxl: the histogram's bars are column F
    charts = sheet._charts  # noqa: SLF001 — openpyxl keeps the charts it read there
    assert sorted(type(c).__name__ for c in charts) == ["BarChart", "BarChart", "ScatterChart"]
    histogram = next(c for c in charts if getattr(c, "type", None) == "col")
    assert histogram.series[0].val.numRef.f == f"'Output 1'!$F$2:$F${len(counts) + 1}"
