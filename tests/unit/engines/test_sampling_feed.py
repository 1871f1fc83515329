"""Distribution calls found in cells, resolved with their property functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from engines.formula import ast
from engines.sampling.distributions import Truncation
from engines.sampling.errors import DistributionError
from engines.sampling.feed import from_risk_input, hook


@dataclass(frozen=True)
class CallId:
    cell: str
    index: int


@dataclass
class Call:
    """The shape of the compiler's RiskInput that the feed reads."""

    id: CallId
    distribution: str
    properties: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    static_args: tuple[Any, ...] | None = None
    name: str | None = None


def test_property_functions_become_truncation_and_shift() -> None:
    call = Call(
        CallId("S!A1", 1),
        "RiskNormal",
        {
            "RiskTruncatep": (ast.Number(0.05), ast.Unary("%", ast.Number(95.0))),
            "RiskShift": (ast.Unary("-", ast.Number(2.0)),),
        },
        static_args=(0.0, 1.0),
    )
    item = from_risk_input(call)
    assert item.label == "S!A1[2]"
    assert item.truncate == Truncation(0.05, 0.95, "percentile")
    assert item.shift == -2.0 and item.distribution is not None


def test_open_truncation_sides_and_names() -> None:
    call = Call(
        CallId("S!A1", 0),
        "RiskGamma",
        {"RiskTruncate2": (ast.Missing(), ast.Number(9))},
        name="Cost",
    )
    item = from_risk_input(call)
    assert item.label == "Cost" and item.truncate == Truncation(None, 9.0, "shifted")
    assert item.distribution is None


def test_cell_dependent_arguments_are_sampled_through_the_hook() -> None:
    item = from_risk_input(Call(CallId("S!B2", 0), "RiskDiscrete"))
    seen: list[Any] = []
    sample = hook(np, item, np.array([0.1, 0.9]), seen.append)
    values = sample([np.array([[1.0, 2.0]]), np.array([[1.0, 1.0], [1.0, 1.0]])])
    assert values.tolist() == [1.0, 2.0] and seen[0] is values
    with pytest.raises(DistributionError, match="S!B2: RiskDiscrete table arguments must be"):
        sample([np.array([[1.0, 2.0], [1.0, 3.0]]), np.array([[1.0, 1.0]])])


def test_errors_name_the_cell() -> None:
    with pytest.raises(DistributionError, match="S!C3: RiskTruncate arguments must be numbers"):
        from_risk_input(
            Call(
                CallId("S!C3", 0),
                "RiskNormal",
                {"RiskTruncate": (ast.Ref(None, 1, 1, 1, 1),)},
                (0.0, 1.0),
            )
        )
    with pytest.raises(DistributionError, match="S!C3: RiskNormal: sd must be > 0"):
        from_risk_input(Call(CallId("S!C3", 0), "RiskNormal", static_args=(0.0, -1.0)))
