import pytest
from pydantic import ValidationError

from app.api.schemas import SimulationRequest
from streams.events.simulations import InputSpec


def errors(**body: object) -> str:
    with pytest.raises(ValidationError) as info:
        SimulationRequest(**{"workbook_id": "w", **body})  # type: ignore[arg-type]
    return str(info.value)


def test_inputs_accept_strings_and_objects_and_normalise_them() -> None:
    request = SimulationRequest(workbook_id="w", outputs=["Model!B5"], inputs={
        "Model!B2": "normal(100, 10)",
        "'My Sheet'!C3": {"distribution": "triang", "params": [1, 2, 5], "truncate": [1.5, None]},
    })
    specs = request.input_specs()
    assert specs["Model!B2"] == InputSpec(distribution="RiskNormal", params=[100.0, 10.0])
    assert specs["'My Sheet'!C3"].truncate == (1.5, None)
    assert specs["'My Sheet'!C3"].model_fields_set == {"distribution", "params", "truncate"}


def test_bad_input_is_refused_naming_the_cell_and_what_is_accepted() -> None:
    message = errors(inputs={"Model!B2": "normal(1,-2)"})
    assert "input Model!B2: RiskNormal: sd must be > 0" in message
    assert "not a cell reference" in errors(inputs={"B2": "normal(1,2)"})
    assert "expected a distribution call" in errors(inputs={"Model!B2": "42"})
    assert "iterations" in errors(iterations=0)
    assert "percentiles must be between 0 and 100" in errors(percentiles=[100])


def test_correlation_must_name_inputs_and_be_square() -> None:
    inputs = {"S!A1": "normal(0,1)", "S!A2": "normal(0,1)"}
    assert "not among the inputs" in errors(
        inputs=inputs, correlation={"cells": ["S!A1", "S!A9"], "matrix": [[1, 0], [0, 1]]})
    assert "must be 2×2" in errors(
        inputs=inputs, correlation={"cells": ["S!A1", "S!A2"], "matrix": [[1, 0]]})


def test_unknown_fields_are_refused_at_every_level() -> None:
    inputs = {"S!A1": "normal(0,1)", "S!A2": "normal(0,1)"}
    assert "correlation.note" in errors(inputs=inputs, correlation={
        "cells": ["S!A1", "S!A2"], "matrix": [[1, 0], [0, 1]], "note": "x"})
    assert "Extra inputs are not permitted" in errors(colour="red")
    assert "correlation.matrix" in errors(inputs=inputs, correlation={
        "cells": ["S!A1", "S!A2"], "matrix": "identity"})


def test_a_var_level_whose_complement_rounds_to_one_is_refused() -> None:
    """VaR is reported at the level and at 1 - level: 1e-320 was accepted and the run failed."""
    assert "1 - var_level must both be between 0 and 1" in errors(var_level=1e-320)
    assert "1 - var_level must both be between 0 and 1" in errors(var_level=1e-17)
    assert SimulationRequest(workbook_id="w", var_level=1e-15).var_level == 1e-15
    assert SimulationRequest(workbook_id="w", var_level=0.999).var_level == 0.999


def test_a_request_records_its_chunks_and_one_from_before_reads_the_chunks_then_used() -> None:
    request = SimulationRequest(workbook_id="w", outputs=["Model!B5"], iterations=10_000,
                                inputs={"Model!B2": "normal(100, 10)"})
    requested = request.requested("s", "0" * 64)
    assert requested.chunk_size == 10_000  # one chunk: the whole run stratified at once
    assert requested.spec().chunks == 1
    # recorded before requests named their chunks: its trials came from ten streams
    before = requested.model_copy(update={"chunk_size": None})
    assert before.spec().chunk_size == 1_000 and before.spec().chunks == 10
    large = SimulationRequest(workbook_id="w", outputs=["Model!B5"], iterations=1_000_000,
                              inputs={"Model!B2": "normal(100, 10)"}).requested("s", "0" * 64)
    assert large.chunk_size == 50_000 and large.spec().chunks == 20
