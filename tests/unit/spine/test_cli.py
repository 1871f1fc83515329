"""The embedded engine through the `riskstream` command, on the example workbook."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from app.ops.cli import main, parser
from tests import workbook_bombs as bombs
from tests.conftest import EXAMPLE

GROWTH = sum(1.05 ** k for k in range(5))


def test_recalc_gives_every_formula_with_risk_functions_at_their_static_value(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recalc", str(EXAMPLE), "--json"]) == 0
    values = json.loads(capsys.readouterr().out)
    assert len(values) == 30
    price = (40 + 50 + 65) / 3  # RiskTriang(40,50,65) shows its mean
    assert values["Model!B3"] == pytest.approx(price, rel=1e-12)
    total_profit = 10_000 * GROWTH * (price - 30) - 5 * 120_000
    assert values["Model!B18"] == pytest.approx(total_profit, rel=1e-12)
    profits = [10_000 * 1.05 ** k * (price - 30) - 120_000 for k in range(5)]
    npv = sum(p / 1.1 ** (k + 1) for k, p in enumerate(profits)) - 250_000
    assert values["Model!B17"] == pytest.approx(npv, rel=1e-12)
    assert values["Model!B19"] == 0


def test_simulate_matches_the_closed_form_mean(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", str(EXAMPLE), "--output", "Model!B18", "--input",
                 "Model!B2=normal(10000,1500)", "--iterations", "50000", "--seed", "3", "--json"])
    assert code == 0
    outcome = json.loads(capsys.readouterr().out)
    stats = outcome["outputs"]["Model!B18"]
    expected = 10_000 * GROWTH * ((40 + 50 + 65) / 3 - 30) - 600_000
    assert abs(stats["mean"] - expected) < 4 * stats["std"] / math.sqrt(50_000)
    assert outcome["iterations"] == 50_000


def test_bad_arguments_exit_with_a_message_not_a_traceback(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(EXAMPLE), "--output", "Model!B17",
                 "--input", "Model!B17=normal(1,1)"]) == 2
    assert "holds a formula" in capsys.readouterr().err
    assert main(["simulate", str(EXAMPLE), "--output", "Model!B17",
                 "--input", "Model!B2"]) == 2
    assert "expected CELL=distribution" in capsys.readouterr().err
    assert main(["recalc", "/nonexistent.xlsx"]) == 2


def test_a_hostile_workbook_is_one_line_of_error_and_exit_code_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, data in (("corners", bombs.corners()), ("array", bombs.array_over_grid()),
                       ("formulas", bombs.many_formulas(200_001))):
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(data)
        for command in (["recalc", str(path)], ["simulate", str(path), "--output", "Sheet!A1"]):
            assert main(command) == 2
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and ": error: the workbook is over a limit" in err
    assert main(["recalc", str(EXAMPLE), "--plan", "free"]) == 0
    path.write_bytes(bombs.many_formulas(1_001))
    assert main(["recalc", str(path), "--plan", "free"]) == 2
    assert "(limit formulas = 1,000)" in capsys.readouterr().err


def test_the_operations_commands_take_their_arguments() -> None:
    backup = parser().parse_args(["backup", "--out", "/backups/today", "--wait", "5"])
    assert (backup.out, backup.wait) == ("/backups/today", 5.0)
    assert parser().parse_args(["restore", "/backups/today"]).folder == "/backups/today"
    assert parser().parse_args(["status", "--json"]).json
