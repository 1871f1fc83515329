"""Hypothesis tests, counting probabilities and MODE.MULT against the values Excel cached in
formulas-test.xlsx (sheet STATISTICAL; the cell is named beside each case)."""

from __future__ import annotations

import numpy as np
import pytest

from engines.errors import ExcelError
from engines.kernels.stattests import KERNELS
from tests.unit.engines.excel_sheet import grid, sheet_model

E = ExcelError
# STATISTICAL!C106:D107, E104:E107, F106:G107 and D107:G107, laid out on one sheet
DATA: dict[str, object] = {"A1": 10, "B1": 0.1, "A2": 10, "B2": 3.2}
DATA |= {f"C{r}": 0.7 for r in range(1, 5)}
DATA |= {"D1": 100, "E1": 4, "D2": 2, "E2": 4, "F1": 3.2, "G1": 0.7, "H1": 2, "I1": 4}
DATA |= {"J1": "13/01/1900", "K1": True}
TESTS = [
    ("=T.TEST(A1:B2,C1:C4,1,1)", 0.06596981193605113),  # R107
    ("=T.TEST(A1:B2,C1:C4,2,2)", 0.08547090523883295),  # R108
    ("=T.TEST(A1:B2,C1:C4,2,1)", 0.13193962387210226),  # R110
    ("=T.TEST(A1:B2,D1:E2,1,3)", 0.21843312589632996),  # AG109
    ("=T.TEST(F1:G1,G1:I1,1,1)", E.NA),  # S107
    ("=T.TEST(F1:G1,G1:I1,2,2)", 0.866634072152544),  # S108
    ("=T.TEST(F1:G1,G1:I1,1,3)", 0.4364188915262061),  # S109
    ("=T.TEST(G1:H1,I1:J1,2,2)", E.DIV0),  # T108
    ("=T.TEST(G1:H1,I1:J1,3,2)", E.NUM),
    ("=Z.TEST(F1:G1,G1,3)", 0.2778448951413972),  # S121
    ("=Z.TEST(F1:G1,H1,0)", E.NUM),  # U121
    ("=Z.TEST(I1:K1,J1,2)", E.DIV0),  # V121
    ("=Z.TEST(H1:K1,K1)", 0.02275013194817919),  # W121
    ("=F.TEST(F1:G1,G1:I1)", 0.7979982021244996),  # S34 (3.2,0.7 against 0.7,2,4)
    ("=F.TEST(A1:B2,C1:C4)", E.DIV0),  # R34
    ("=F.TEST(A1:B2,D1:E2)", 0.0036510706026020258),  # AG34
    ("=CHISQ.TEST(A1:B2,C1:C4)", 9.66041305483331e-58),  # R17
    ("=CHISQ.TEST(A1:B2,D1:E2)", 2.925470139064717e-27),  # AG17
    ("=CHISQ.TEST(F1:G1,G1:I1)", E.NA),  # S17
    ("=CHISQ.TEST(F1,G1)", E.NA),  # U17
    ("=PROB({1,2,3,4,5},{0.1,0.2,0.3,0.3,0.1},0,5)", 1.0000000000000002),  # S86
    ("=PROB({1,2,3,4,5},{0.1,0.2,0.3,0.2,0.1},0.7)", E.NUM),  # T86
    ("=PROB({1,2,3,4,5},{0.1,0.2,0.3,0.4},4)", E.NA),  # V86
    ("=PROB({1,2,3,1,5},{0.1,0.2,0.3,0.3,0.1},K1)", 0.4),  # Y86
    ("=BINOM.DIST.RANGE(5,0.1,0.2,FALSE)", 0.59049),  # S11
    ("=BINOM.DIST.RANGE(4,0.7,0.4,1)", 0.08370000000000002),  # V11
    ("=BINOM.DIST.RANGE(0,0,0,0)", 1.0),  # R11
    ("=BINOM.DIST.RANGE(60,60,0,1)", E.NUM),  # X11
    ("=PERMUT(10,2.3)", 90.0),  # T82
    ("=PERMUT(0,1)", E.NUM),  # S82
    ("=PERMUTATIONA(10,2.3)", 100.0),  # T83
    ("=PERMUTATIONA(-1,10)", E.NUM),  # U83
]


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    cells = dict(DATA) | {f"M{i}": f for i, (f, _) in enumerate(TESTS, start=1)}
    return sheet_model(cells).recalc()


@pytest.mark.parametrize(
    ("index", "case"), list(enumerate(TESTS, start=1)), ids=[c[0] for c in TESTS]
)
def test_matches_excel(results: dict[str, object], index: int, case: tuple[str, object]) -> None:
    expected, actual = case[1], results[f"S!M{index}"]
    if isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-300)
    else:
        assert actual is expected


def test_mode_mult_lists_modes_in_order_of_appearance() -> None:
    """STATISTICAL!AI69:AI70: -0.1 then 0.3; a single mode is one value, which Excel repeats
    down the range."""
    cells = {"A1": -0.1, "A2": None, "A3": 0.1, "A4": 0.3, "A5": 0.3, "A6": -0.1}
    spills = {"B1:B2": "=MODE.MULT(A1:A6)", "C1:C2": "=MODE.MULT(A3:A5)"}
    values = sheet_model(cells, spills).recalc()
    assert grid(values, "B1:C2") == [[-0.1, 0.3], [0.3, 0.3]]


def test_mode_mult_without_repeats_is_na() -> None:
    """STATISTICAL!W69."""
    values = sheet_model({"A1": -0.1, "A2": 2}, {"B1": "=MODE.MULT(A1:A2)"}).recalc()
    assert values["S!B1"] is E.NA


def test_t_test_vectorises_over_trials() -> None:
    """Each trial's samples give that trial's probability (closed form: a paired t test of
    differences 1 and 3 has t = 2, one degree of freedom, one tail p = 1/2 - atan(2)/pi)."""
    first = np.array([[2.0, 5.0], [4.0, 5.0]])
    second = np.array([[1.0, 5.0], [1.0, 5.0]])
    values, codes = KERNELS["T.TEST"].fn(np, first, second, np.array(1.0), np.array(1.0))
    assert values[0] == pytest.approx(0.5 - np.arctan(2.0) / np.pi, rel=1e-12)
    assert codes.tolist() == [0, int(E.DIV0)]


def test_z_test_with_known_sigma() -> None:
    """Closed form: mean 2 of (1, 3), x 1, sigma 2 gives z = 1/sqrt(2)."""
    from scipy.stats import norm

    values, codes = KERNELS["Z.TEST"].fn(np, np.array([[1.0], [3.0]]), np.array(1.0), np.array(2.0))
    assert values[0] == pytest.approx(norm.sf(1.0 / np.sqrt(2.0)), rel=1e-12)
    assert codes[0] == 0


def test_errors_inside_the_ranges_in_excels_order() -> None:
    """STATISTICAL!Y107/Y108 (T.TEST's paired type reads pair by pair, the others range by
    range), AD107/AD108 and AD34 (a #NULL! gives way to a later error)."""
    cells: dict[str, object] = {"A1": True, "B1": "#VALUE!", "C1": "#N/A", "D1": "#DIV/0!"}
    cells |= {"A2": "#NULL!", "B2": "#NUM!", "C2": "#REF!", "D2": 1.0}
    cells |= {
        "F1": "=T.TEST(A1:B1,C1:D1,1,1)",
        "F2": "=T.TEST(A1:B1,C1:D1,2,2)",
        "F3": "=T.TEST(A2:B2,C2:D2,1,1)",
        "F4": "=T.TEST(A2:B2,C2:D2,2,2)",
        "F5": "=F.TEST(A2:B2,C2:D2)",
        "F6": "=CHISQ.TEST(A2:B2,C2:D2)",
    }
    values = sheet_model(cells).recalc()
    expected = [E.NA, E.VALUE, E.NUM, E.NUM, E.NUM, E.NUM]
    assert [values[f"S!F{row}"] for row in range(1, 7)] == expected
