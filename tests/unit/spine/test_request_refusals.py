"""What a simulation request or an upload is refused for before anything is recorded: each case
here was accepted with 202 and failed later in the runner, or was stored as sent."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import HTTPException
from pydantic import ValidationError

from app.api.runnable import Runnable
from app.api.schemas import SimulationRequest
from app.api.uploads import UploadError, stored_filename

INPUTS = {"S!A1": "normal(0,1)", "S!A2": "normal(0,1)", "S!A3": "normal(0,1)"}
CELLS = list(INPUTS)


def refusal(**body: Any) -> tuple[tuple[str | int, ...], str]:
    """Where the first error of ``body`` is, and what it says."""
    with pytest.raises(ValidationError) as info:
        SimulationRequest.model_validate({"workbook_id": "w", **body})
    error = info.value.errors()[0]
    return error["loc"], error["msg"]


def correlated(matrix: list[list[Any]], cells: list[str] | None = None) -> dict[str, Any]:
    return {"inputs": INPUTS, "correlation": {"cells": cells or CELLS, "matrix": matrix}}


def test_a_correlation_matrix_that_is_no_correlation_is_refused_naming_the_entry() -> None:
    cases = {
        "but row 2, column 1 is 0.2; the matrix must be symmetric":
            [[1, 0.5, 0], [0.2, 1, 0], [0, 0, 1]],
        "row 1, column 2 (S!A1 with S!A2) is 1.5; entries are numbers from -1 to 1":
            [[1, 1.5, 0], [1.5, 1, 0], [0, 0, 1]],
        "row 2, column 2 (S!A2 with S!A2) is 0.5; the diagonal is 1":
            [[1, 0, 0], [0, 0.5, 0], [0, 0, 1]],
        "row 3, column 1 (S!A3 with S!A1) is nan; entries are numbers from -1 to 1":
            [[1, 0, 0], [0, 1, 0], [float("nan"), 0, 1]],
        "row 1, column 3 (S!A1 with S!A3) is inf": [[1, 0, float("inf")], [0, 1, 0], [0, 0, 1]],
        "must be 3×3": [[1, 0], [0, 1]],
    }
    for message, matrix in cases.items():
        loc, msg = refusal(**correlated(matrix))
        assert loc == ("correlation", "matrix") and message in msg, (message, msg)


def test_a_correlation_listing_a_cell_twice_is_refused_naming_cells() -> None:
    for cells in (["S!A1", "S!A1", "S!A3"], ["S!A1", "s!a1", "S!A3"]):
        loc, msg = refusal(**correlated([[1, 0, 0], [0, 1, 0], [0, 0, 1]], cells))
        assert loc == ("correlation", "cells") and "S!A1 is listed twice" in msg


def test_a_matrix_merely_not_positive_definite_is_left_to_the_runners_repair() -> None:
    matrix = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]
    request = SimulationRequest.model_validate({"workbook_id": "w", **correlated(matrix)})
    assert request.correlation is not None and request.correlation.matrix == matrix


def test_numbers_are_refused_as_booleans_or_text() -> None:
    for field, value in (("iterations", True), ("iterations", "100"), ("seed", "1"),
                         ("var_level", "0.9"), ("var_level", True), ("simulation_number", True),
                         ("iterations", 100.0)):
        loc, msg = refusal(**{field: value})
        assert loc == (field,) and "Input should be a valid" in msg, (field, value)
    for field in ("percentiles", "targets"):
        assert refusal(**{field: [True]})[0] == (field, 0)
        assert refusal(**{field: ["5"]})[0] == (field, 0)
    assert refusal(**correlated([[1, True, 0], [True, 1, 0], [0, 0, 1]]))[0] == (
        "correlation", "matrix", 0, 1)
    given = {"distribution": "normal", "params": [1, "2"]}
    for body, field in ((given, "params"), ({**given, "params": [1, 2], "shift": True}, "shift"),
                        ({**given, "params": [1, 2], "truncate": ["0", None]}, "truncate")):
        with pytest.raises(ValidationError) as info:
            SimulationRequest.model_validate({"workbook_id": "w", "inputs": {"S!A1": body}})
        assert any(field in error["loc"] for error in info.value.errors()), field


def test_the_readme_request_is_still_accepted() -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    found = re.search(r"\$API/v1/simulations -d '(\{.*?\})'", readme, re.S)
    assert found is not None
    body = json.loads(found.group(1).replace("9cb3…", "9cb3"))
    request = SimulationRequest.model_validate(body)
    assert request.iterations == 10_000 and request.targets == [0.0]


def test_cells_are_named_as_excel_names_them() -> None:
    outputs = ["'It''s X'!B1", "It's X!B2", "'A!B'!B1", "model!b6", "Model!$XFD$1048576"]
    assert SimulationRequest(workbook_id="w", outputs=outputs).outputs == outputs
    for cell in ("A!B!B1", "'It's X'!B1", "B2", "Model!B2:B3", "'Model'B2"):
        loc, msg = refusal(outputs=[cell])
        assert loc == ("outputs",) and "is not a cell reference" in msg, cell
    for cell in ("Model!XFE1", "Model!A1048577", "Model!A0"):
        for body in ({"outputs": [cell]}, {"inputs": {cell: "normal(0,1)"}}):
            assert "lies beyond Excel's grid: columns run A to XFD" in refusal(**body)[1]


def test_two_inputs_naming_one_cell_are_refused() -> None:
    loc, msg = refusal(inputs={"Model!B2": "normal(1,1)", "model!b2": "normal(2,1)"})
    assert loc == ("inputs",) and "Model!B2 and model!b2 are one cell" in msg


def test_an_output_listed_twice_is_refused_however_spelt() -> None:
    """Such a request was accepted, and its run failed in the engine (an array mismatch)."""
    for outputs, said in ((["Model!B17", "Model!B17"], "output Model!B17 is listed twice"),
                          (["Model!B17", "model!$b$17"],
                           "outputs Model!B17 and model!$b$17 are one cell"),
                          (["'Model'!B17", "Model!C1", "Model!B17"],
                           "outputs 'Model'!B17 and Model!B17 are one cell")):
        loc, msg = refusal(outputs=outputs)
        assert loc == ("outputs",) and said in msg, msg
    distinct = ["Model!B17", "Other!B17", "Model!B18", "Model!C17"]
    assert SimulationRequest.model_validate({"workbook_id": "w", "outputs": distinct}).outputs \
        == distinct


WORKBOOK = {"sha256": "0" * 64, "sheets": ["Model", "It's X"], "risk_outputs": 1,
            "risk_input_cells": ["Model!B3"], "formula_cells": ["Model!B17", "It's X!C1", "!"]}


def checked(**body: Any) -> HTTPException | None:
    try:
        Runnable.of(WORKBOOK).check(SimulationRequest.model_validate({"workbook_id": "w", **body}))
    except HTTPException as refused:
        return refused
    return None


def test_an_input_on_a_cell_the_summary_shows_computed_is_refused_naming_it() -> None:
    for cell, held in (("Model!B3", "holds an @RISK function"), ("model!$b$3", "@RISK"),
                       ("Model!B17", "holds a formula"), ("'It''s X'!C1", "a formula")):
        refused = checked(inputs={cell: "normal(1,1)"})
        assert refused is not None and refused.status_code == 422, cell
        [error] = refused.detail
        assert error["loc"] == ["body", "inputs", cell]
        assert held in error["msg"] and "a request input replaces a constant cell" in \
            error["msg"]
    # a cell the summary does not list (it lists up to 200) is left to the runner
    assert checked(inputs={"Model!B2": "normal(1,1)", "Model!Z99": "normal(1,1)"}) is None


def test_sheets_match_in_any_case_and_in_excels_quoted_form() -> None:
    assert checked(outputs=["'It''s X'!B1", "it's x!b2", "MODEL!B17"]) is None
    refused = checked(outputs=["Other!B1"])
    assert refused is not None and refused.detail[0]["loc"] == ["body", "outputs", "Other!B1"]
    assert "no sheet 'Other'; sheets: [\"It's X\", 'Model']" in refused.detail[0]["msg"]


def test_an_upload_keeps_only_the_last_part_of_its_file_name() -> None:
    for sent in ("a/../b.xlsx", "C:\\x\\b.xlsx", "../../b.xlsx", "\\\\host\\share\\b.xlsx",
                 " b.xlsx"):
        assert stored_filename(sent) == "b.xlsx", sent
    assert stored_filename("Q3 forecast (v2).xlsx") == "Q3 forecast (v2).xlsx"
    assert stored_filename("prévision 😀.xlsx") == "prévision 😀.xlsx"


def test_a_file_name_with_control_or_bidi_characters_or_none_left_is_refused() -> None:
    for sent in ("a\x01b.xlsx", "tab\there.xlsx", "a\x7f.xlsx", "\u202egnp.xlsx",
                 "a\u2066b.xlsx", "a\u200fb.xlsx", "a\x85b.xlsx"):
        with pytest.raises(UploadError, match="control character") as refused:
            stored_filename(sent)
        assert refused.value.loc == ("body", "file", "filename")
    for sent in ("", " ", "..", "a/", "a\\.."):
        with pytest.raises(UploadError, match="names no file"):
            stored_filename(sent)


def test_correlation_cells_match_the_inputs_as_excel_matches_cells() -> None:
    request = SimulationRequest(
        workbook_id="w", outputs=["Model!B5"],
        inputs={"Model!D1": "normal(1, 1)", "'Cash Flow'!B2": "normal(2, 1)"},
        correlation={"cells": ["model!d1", "Cash Flow!b2"], "matrix": [[1, 0.3], [0.3, 1]]})
    assert request.correlation is not None
    assert request.correlation.cells == ["Model!D1", "'Cash Flow'!B2"]  # the inputs' spelling


def test_an_input_on_any_formula_cell_is_refused_where_the_summary_has_its_areas() -> None:
    listed = {**WORKBOOK, "formula_areas": ["Model!B11:E15", "Model!B17:B18"]}
    for cell in ("Model!B11", "model!e15", "Model!C13", "Model!B18"):
        with pytest.raises(HTTPException) as refused:
            Runnable.of(listed).check(SimulationRequest.model_validate(
                {"workbook_id": "w", "inputs": {cell: "normal(1,1)"}}))
        assert refused.value.detail[0]["loc"] == ["body", "inputs", cell]
        assert "holds a formula" in refused.value.detail[0]["msg"]
    for cell in ("Model!B10", "Model!F11", "Model!B16", "Model!A11"):
        Runnable.of(listed).check(SimulationRequest.model_validate(
            {"workbook_id": "w", "inputs": {cell: "normal(1,1)"}}))
    # a summary from before the areas lists some formula cells only: the rest is the runner's
    assert checked(inputs={"Model!B11": "normal(1,1)"}) is None


def test_an_output_past_its_sheets_content_is_refused_naming_where_it_ends() -> None:
    sized = {**WORKBOOK, "sheet_sizes": [[20, 6], [None, None]]}  # It's X: without sizes
    for cell in ("Model!B21", "model!g1", "Model!$XFD$1"):
        with pytest.raises(HTTPException) as refused:
            Runnable.of(sized).check(SimulationRequest.model_validate(
                {"workbook_id": "w", "outputs": [cell]}))
        [error] = refused.value.detail
        assert error["loc"] == ["body", "outputs", cell]
        assert "is an empty cell (the sheet's content ends at row 20, column F)" in error["msg"]
    for outputs in (["Model!F20", "Model!A1"], ["'It''s X'!Z999"]):
        Runnable.of(sized).check(SimulationRequest.model_validate(
            {"workbook_id": "w", "outputs": outputs}))
    empty = {**WORKBOOK, "sheet_sizes": [[0, 0], [1, 1]]}
    with pytest.raises(HTTPException) as refused:
        Runnable.of(empty).check(SimulationRequest.model_validate(
            {"workbook_id": "w", "outputs": ["Model!A1"]}))
    assert "(the sheet holds nothing)" in refused.value.detail[0]["msg"]
