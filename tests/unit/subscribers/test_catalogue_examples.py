"""The published catalogue covers every event type; its schemas are the models' and every
example fits its model, so a wrong example fails here."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from streams.catalogue import CATALOGUE
from streams.catalogue_examples import EXAMPLES, describe
from streams.events import EVENTS, TenantPlanChanged


def test_every_type_has_an_example_that_its_model_accepts() -> None:
    assert set(EXAMPLES) == set(CATALOGUE)
    entries = describe()
    assert [e["type"] for e in entries] == list(CATALOGUE)
    for entry in entries:
        assert entry["version"] == CATALOGUE[entry["type"]].version
        EVENTS[entry["type"]].model_validate(entry["example"]["data"])


def test_schemas_are_generated_from_the_models() -> None:
    entries = {e["type"]: e for e in describe()}
    requested = entries["simulation.requested"]["schema"]
    assert requested["title"] == "simulation.requested"
    assert requested["additionalProperties"] is False
    assert {"simulation_id", "iterations", "backend"} <= set(requested["required"])
    assert requested["properties"]["backend"]["enum"] == ["numpy", "cupy"]
    completed = entries["simulation.completed"]["schema"]
    assert completed["additionalProperties"] is True  # the engine's outcome travels whole


@pytest.mark.parametrize("overrides", [{"max_iterations": 50_000_000},
                                       {"concurrent_simulations": -1}, {"gpu": 1}])
def test_an_example_with_an_override_the_ledger_refuses_fails(overrides: dict[str, int]
                                                               ) -> None:
    wrong = {**EXAMPLES["tenant.plan_changed"], "overrides": overrides}
    with pytest.raises(ValidationError, match="limit"):
        TenantPlanChanged.model_validate(wrong)


def test_an_example_missing_a_field_or_with_an_unknown_one_fails() -> None:
    example = EXAMPLES["simulation.progressed"]
    model = EVENTS["simulation.progressed"]
    with pytest.raises(ValidationError, match="iterations_total"):
        model.model_validate({k: v for k, v in example.items() if k != "iterations_total"})
    with pytest.raises(ValidationError, match="extra"):
        model.model_validate({**example, "step": 3})
