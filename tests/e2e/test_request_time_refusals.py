"""Requests a probe found accepted with 202 that then failed in the runner (or ran what was not
asked), each now refused at once with a 422 naming the field, the cell and what is accepted:
correlation matrices that are no correlation, inputs on cells that hold a formula or an @RISK
function, outputs beyond Excel's grid, numbers sent as booleans or text; and what was wrongly
refused now runs: sheet names with an apostrophe, cells in lower case. Upload file names are
stored without their folders, and refused holding control or bidirectional characters."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import httpx
import openpyxl

from tests.conftest import EXAMPLE, ROOT
from tests.e2e.flow import ENDED, poll, start, upload_example
from tests.e2e.test_hostile_text import named_file

SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def refused(response: httpx.Response, loc: list[Any]) -> str:
    """The message of a 422 whose first error is at ``loc``."""
    assert response.status_code == 422, (loc, response.text)
    error = response.json()["errors"][0]
    assert error["loc"] == loc, (loc, error)
    return str(error["msg"])


async def ran(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    """The ended simulation ``body`` starts (asserting it was accepted)."""
    response = await start(client, body)
    assert response.status_code == 202, response.text
    return await poll(client, response.json()["links"]["self"], ENDED)


async def test_a_matrix_that_is_no_correlation_is_422_and_a_repairable_one_runs(
        enterprise: httpx.AsyncClient) -> None:
    workbook = await upload_example(enterprise)
    inputs = {"Model!B2": "normal(10000, 1500)", "Model!B4": "pert(26, 30, 38)",
              "Model!B5": "uniform(40, 60)"}
    cells = list(inputs)
    base = {"workbook_id": workbook["workbook_id"], "inputs": inputs, "iterations": 200,
            "seed": 1}
    matrices = {"symmetric": [[1, 0.5, 0], [0.2, 1, 0], [0, 0, 1]],
                "from -1 to 1": [[1, 1.5, 0], [1.5, 1, 0], [0, 0, 1]],
                "diagonal is 1": [[1, 0, 0], [0, 0.9, 0], [0, 0, 1]]}
    for accepted, matrix in matrices.items():
        response = await start(enterprise, {**base, "correlation": {"cells": cells,
                                                                    "matrix": matrix}})
        assert accepted in refused(response, ["body", "correlation", "matrix"])
    twice = await start(enterprise, {**base, "correlation": {
        "cells": [cells[0], cells[0]], "matrix": [[1, 0.5], [0.5, 1]]}})
    assert "Model!B2 is listed twice" in refused(twice, ["body", "correlation", "cells"])

    not_definite = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]
    ended = await ran(enterprise, {**base, "correlation": {"cells": cells,
                                                           "matrix": not_definite}})
    assert ended["status"] == "completed", ended
    assert any("not positive semi-definite" in w for w in ended["results"]["warnings"])


async def test_an_input_on_a_computed_cell_or_a_cell_off_the_grid_is_422(
        enterprise: httpx.AsyncClient) -> None:
    workbook = await upload_example(enterprise)
    base = {"workbook_id": workbook["workbook_id"], "iterations": 200, "seed": 1}
    # B11 and E13 are formulas other formulas read: the summary's candidate outputs leave them
    # out, its formula areas do not
    for cell, held in (("Model!B3", "holds an @RISK function"), ("Model!B17", "holds a formula"),
                       ("model!b18", "holds a formula"), ("Model!B11", "holds a formula"),
                       ("Model!e13", "holds a formula")):
        response = await start(enterprise, {**base, "inputs": {cell: "normal(1, 1)"}})
        message = refused(response, ["body", "inputs", cell])
        assert held in message and "a request input replaces a constant cell" in message
    past = await start(enterprise, {**base, "outputs": ["Model!B71"]})  # its content: A1:F20
    assert "(the sheet's content ends at row 20, column F)" in refused(
        past, ["body", "outputs", "Model!B71"])
    twice = await start(enterprise, {**base, "outputs": ["Model!B17", "model!b17"]})
    assert "are one cell" in refused(twice, ["body", "outputs", "model!b17"])
    for cell in ("Model!XFE1", "Model!A1048577"):
        response = await start(enterprise, {**base, "outputs": [cell]})
        assert "beyond Excel's grid" in refused(response, ["body", "outputs"])
    ended = await ran(enterprise, {**base, "inputs": {"model!b2": "normal(10000, 1500)"},
                                   "outputs": ["MODEL!b17"]})
    assert ended["status"] == "completed", ended


async def test_sheets_with_an_apostrophe_or_a_bang_are_addressed_as_excel_writes_them(
        enterprise: httpx.AsyncClient) -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "It's X"
    first["A1"], first["B1"] = 2, "=A1*3"
    bang = book.create_sheet("A!B")
    bang["A1"], bang["B1"] = 5, "=A1+1"
    out = io.BytesIO()
    book.save(out)
    response = await enterprise.post("/v1/workbooks",
                                     files={"file": ("odd.xlsx", out.getvalue(), SPREADSHEET)})
    assert response.status_code == 202, response.text
    workbook = await poll(enterprise, response.json()["links"]["self"], {"parsed", "rejected"})
    assert workbook["status"] == "parsed", workbook
    base = {"workbook_id": workbook["workbook_id"], "iterations": 100, "seed": 1}
    # results name each cell as the summary lists it
    for cell, listed in (("'It''s X'!B1", "It's X!B1"), ("It's X!B1", "It's X!B1"),
                         ("it's x!b1", "It's X!B1"), ("'A!B'!B1", "A!B!B1"),
                         ("'a!b'!b1", "A!B!B1")):
        ended = await ran(enterprise, {**base, "outputs": [cell]})
        assert ended["status"] == "completed", (cell, ended)
        assert ended["results"]["outputs"][listed]["mean"] == 6
    quoted_input = await ran(enterprise, {**base, "inputs": {"'It''s X'!A1": "uniform(1, 3)"},
                                          "outputs": ["It's X!B1"]})
    assert quoted_input["status"] == "completed", quoted_input
    assert 3 < quoted_input["results"]["outputs"]["It's X!B1"]["mean"] < 9
    response = await start(enterprise, {**base, "outputs": ["A!B!B1"]})
    assert "is not a cell reference" in refused(response, ["body", "outputs"])


async def test_numbers_sent_as_booleans_or_text_are_422_and_the_readme_request_runs(
        enterprise: httpx.AsyncClient) -> None:
    workbook = await upload_example(enterprise)
    base = {"workbook_id": workbook["workbook_id"], "outputs": ["Model!B17"]}
    for field, value in (("iterations", True), ("iterations", "100"), ("seed", "7"),
                         ("var_level", "0.9"), ("simulation_number", True)):
        response = await start(enterprise, {**base, field: value})
        assert "Input should be a valid" in refused(response, ["body", field])
    response = await start(enterprise, {**base, "percentiles": ["5"]})
    refused(response, ["body", "percentiles", 0])

    readme = (ROOT / "README.md").read_text()
    found = re.search(r"\$API/v1/simulations -d '(\{.*?\})'", readme, re.S)
    assert found is not None
    body = {**json.loads(found.group(1)), "workbook_id": workbook["workbook_id"]}
    ended = await ran(enterprise, body)
    assert ended["status"] == "completed", ended


async def test_an_upload_is_named_by_its_last_part_and_refused_with_control_characters(
        enterprise: httpx.AsyncClient) -> None:
    data = EXAMPLE.read_bytes()
    for sent in ("a/../b.xlsx", "C:\\x\\b.xlsx", "../../b.xlsx"):
        response = await enterprise.post("/v1/workbooks", **named_file(sent, data))
        assert response.status_code == 202, (sent, response.text)
        assert response.json()["filename"] == "b.xlsx"
        workbook = await poll(enterprise, response.json()["links"]["self"], {"parsed"})
        assert workbook["filename"] == "b.xlsx"
    for sent in ("a\x01b.xlsx", "tab\there.xlsx", "\u202egnp.xlsx", "a\u2066b.xlsx"):
        response = await enterprise.post("/v1/workbooks", **named_file(sent, data))
        assert "control character" in refused(response, ["body", "file", "filename"])
    for sent in ("", "..", "models/"):
        response = await enterprise.post("/v1/workbooks", **named_file(sent, data))
        assert "names no file" in refused(response, ["body", "file", "filename"])
