"""The helpers every kernel module builds on."""

from __future__ import annotations

from typing import Any

import numpy as np

from engines.errors import ExcelError
from engines.kernels.spec import Arg
from engines.kernels.support import (
    evaluate_constant,
    kernel,
    on_host,
    special,
    trunc,
    with_errors,
)


def test_trunc_goes_towards_zero() -> None:
    assert trunc(np, np.array([2.7, -2.7])).tolist() == [2.0, -2.0]


def test_first_matching_rule_sets_the_error() -> None:
    values, codes = with_errors(
        np,
        np.array([1.0, 2.0, 3.0]),
        (np.array([True, False, False]), ExcelError.DIV0),
        (np.array([True, True, False]), ExcelError.NUM),
    )
    assert codes.tolist() == [ExcelError.DIV0, ExcelError.NUM, 0]
    assert values.tolist() == [1.0, 2.0, 3.0]


def test_special_functions_come_from_scipy_on_numpy() -> None:
    assert special(np, "ndtr")(np.array(0.0)) == 0.5


def test_host_kernels_run_unchanged_on_numpy() -> None:
    @on_host
    def doubled(xp: Any, values: Any) -> Any:
        return xp.asarray(values) * 2.0

    assert doubled(np, np.array([1.5])).tolist() == [3.0]


def _half_of_first(xp: Any, values: Any, scale: Any = 1.0) -> Any:
    return xp.asarray(values)[0] * scale / 2.0


def test_constant_calls_fill_defaults_and_skip_missing_cells() -> None:
    halves = kernel(_half_of_first, (Arg.VALUES, Arg.NUM), (1.0,))
    assert evaluate_constant(halves, [None, 4.0]) != evaluate_constant(halves, [4.0])
    assert evaluate_constant(halves, [4.0]) == 2.0
    assert evaluate_constant(halves, [4.0], 3.0) == 6.0


def test_constant_calls_report_the_kernels_error() -> None:
    halves = kernel(_half_of_first, (Arg.VALUES,), nan_error=ExcelError.DIV0)
    assert evaluate_constant(halves, [None]) is ExcelError.DIV0
