"""LINEST, LOGEST, TREND and GROWTH against the values Excel cached in formulas-test.xlsx
(sheet STATISTICAL; the cell is named beside each case), and LINEST's statistics against the
closed forms of simple linear regression."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engines.errors import ExcelError
from tests.unit.engines.excel_sheet import grid, sheet_model

E = ExcelError
Y, X = "{2;3;4;21;2}", "{2,1;2,2;5,3;2,4;4,1}"  # STATISTICAL!R113's known values
DATA: dict[str, object] = {"A1": 4, "B1": 0.1, "C1": 0.2, "D1": 0.3, "E1": 5, "G1": "x"}
DATA |= {"A2": 0.3, "B2": 5, "A3": 2, "B3": 4}


def test_linest_against_excel() -> None:
    spills = {
        "A5:B5": "=LINEST(A1:C1)",  # R58
        "A6:B6": "=LINEST(C1:E1,A1:C1,0,0)",  # AG58:AH58
        "A7": "=LINEST(B1:D1,D1:E1,0,0)",  # T58
        "A8": "=LINEST(C1:E1,E1:G1,0,0)",  # U58
        "A9:B9": "=LOGEST(A1:C1,C1:E1,0,0)",  # R59:S59
        "A10:B10": "=LOGEST(C1:E1,A1:C1,0,0)",  # AG59
    }
    values = sheet_model(DATA, spills).recalc()
    assert grid(values, "A5:B5")[0] == pytest.approx([-1.9000000000000001, 5.233333333333333])
    assert grid(values, "A6:B6")[0] == pytest.approx([0.11401869158878508, 0.0])
    assert values["S!A7"] is E.REF
    assert values["S!A8"] is E.VALUE
    assert grid(values, "A9:B9")[0] == pytest.approx([0.7141390943648429, 1.0])
    assert values["S!A10"] == pytest.approx(0.678037889157633, rel=1e-12)


def test_trend_and_growth_against_excel() -> None:
    spills = {
        "A5": f"=TREND({Y},{X},A1:B1)",  # R113
        "A6:A7": f"=TREND({Y},{X},A2:B3)",  # U113:U114 (F113:G114 holds 0.3, 5 / 2, 4)
        "B5": f"=TREND({Y},{X},A1:C1)",  # S113
        "C5": f"=GROWTH({Y},{X},A1:B1)",  # R51
        "C6:C7": f"=GROWTH({Y},{X},A2:B3)",  # U51:U52
        "D5": f"=GROWTH({Y},{X},F1:G2)",  # V51
    }
    values = sheet_model(DATA, spills).recalc()
    assert values["S!A5"] == pytest.approx(-6.594117647058825, rel=1e-12)
    assert values["S!A6"] == pytest.approx(26.45882352941176, rel=1e-12)
    assert values["S!B5"] is E.REF
    assert values["S!C5"] == pytest.approx(0.7854753011891914, rel=1e-12)
    assert values["S!C6"] == pytest.approx(43.96648204914201, rel=1e-12)
    assert values["S!D5"] is E.VALUE


def test_linest_statistics_match_simple_regression() -> None:
    xs, ys = [1.0, 2.0, 4.0, 7.0], [2.0, 3.5, 3.0, 9.0]
    cells = {f"A{i}": x for i, x in enumerate(xs, 1)} | {f"B{i}": y for i, y in enumerate(ys, 1)}
    values = sheet_model(cells, {"D1:F5": "=LINEST(B1:B4,A1:A4,TRUE,TRUE)"}).recalc()
    x, y, n = np.array(xs), np.array(ys), len(xs)
    sxx, sxy = ((x - x.mean()) ** 2).sum(), ((x - x.mean()) * (y - y.mean())).sum()
    slope = sxy / sxx
    intercept = y.mean() - slope * x.mean()
    ss_resid = ((y - intercept - slope * x) ** 2).sum()
    ss_reg = slope**2 * sxx
    se_y = math.sqrt(ss_resid / (n - 2))
    expected = [
        [slope, intercept, E.NA],
        [se_y / math.sqrt(sxx), se_y * math.sqrt(1 / n + x.mean() ** 2 / sxx), E.NA],
        [ss_reg / (ss_reg + ss_resid), se_y, E.NA],
        [ss_reg / (ss_resid / (n - 2)), n - 2, E.NA],
        [ss_reg, ss_resid, E.NA],
    ]
    for row, want in zip(grid(values, "D1:F5"), expected, strict=True):
        assert row[:2] == pytest.approx(want[:2], rel=1e-12)
        assert row[2] is E.NA


def test_linest_without_constant_has_no_intercept_error() -> None:
    cells = {"A1": 1.0, "A2": 2.0, "A3": 3.0, "B1": 2.0, "B2": 4.1, "B3": 5.9}
    values = sheet_model(cells, {"D1:E2": "=LINEST(B1:B3,A1:A3,FALSE,TRUE)"}).recalc()
    slope = (2.0 + 8.2 + 17.7) / 14.0
    assert values["S!D1"] == pytest.approx(slope, rel=1e-12)
    assert values["S!E1"] == 0.0
    assert values["S!E2"] is E.NA
