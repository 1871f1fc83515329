"""Complex-number functions against the values Excel cached in formulas-test.xlsx (sheet
ENGINEERING; the cell is named beside each case), and the text format Excel writes."""

from __future__ import annotations

import pytest

from engines.errors import ExcelError
from engines.functions.complexnum import complex_text, parse_complex
from tests.unit.engines.excel_sheet import sheet_model

E = ExcelError
DATA = {"A1": "7+25j", "A2": "13+5j", "A3": "3.1+2j", "A4": "-3+2i", "A5": "-13+25j", "A7": "yvj"}
DATA |= {"A8": True, "B1": 13, "B2": 25, "B3": "3.6"}
CASES = [
    ('=COMPLEX(B1,B2,"j")', "13+25j"),  # R15
    ('=COMPLEX(99,-1,"j")', "99-j"),  # U15
    ('=COMPLEX(-1,A6,"j")', "-1"),  # V15
    ('=COMPLEX(A6,B3,"j")', "3.6j"),  # W15
    ('=COMPLEX(B3,A8,"j")', E.VALUE),  # X15
    ("=IMABS(A1)", 25.96150997149434),  # R29
    ("=IMABS(A6)", 0.0),  # W29
    ("=IMABS(A7)", E.NUM),  # X29
    ("=IMABS(A8)", E.VALUE),  # Y29
    ("=IMAGINARY(A4)", 2.0),  # U30
    ("=IMREAL(A5)", -13.0),  # V45
    ("=IMARGUMENT(A4)", 2.5535900500422257),  # U31
    ("=IMARGUMENT(A6)", E.DIV0),  # W31
    ("=IMCONJUGATE(A4)", "-3-2i"),  # U32
    ("=IMCONJUGATE(A6)", "0"),  # W32
    ("=IMCOS(A1)", "27142327967.109-23653126953.379j"),  # R33
    ("=IMCOSH(A3)", "-4.62817714333229+10.0717884285999j"),  # T34
    ("=IMCOT(A1)", "3.82126757337684E-22-j"),  # R35
    ("=IMCOT(A2)", "0.0000692442674613868-1.00005873951153j"),  # S35
    ("=IMCOT(A6)", E.NUM),  # W35
    ("=IMCSCH(A2)", "1.28233995888454E-06+4.33496947416312E-06j"),  # S37
    ("=IMDIV(A1,A2)", "1.11340206185567+1.49484536082474j"),  # R38
    ("=IMDIV(A3,A4)", E.NUM),  # T38
    ("=IMDIV(A5,A6)", E.NUM),  # V38
    ("=IMEXP(A4)", "-0.0207187310022429+0.045271253156093i"),  # U39
    ("=IMLN(A1)", "3.25661505545615+1.29778762370819j"),  # R40
    ("=IMLOG10(A4)", "0.556971676153418+1.10901006777639i"),  # U41
    ("=IMLOG2(A3)", "1.88329758086464+0.826615412942814j"),  # T42
    ("=IMPOWER(A5,2.3)", "7.21342528017647-2161.67878229695j"),  # V43
    ("=IMPOWER(A6,2.3)", "0"),  # W43
    ("=IMPRODUCT(A1,A2,A3)", "-825.4+1048j"),  # R44
    ("=IMPRODUCT(A1:A3)", "-825.4+1048j"),  # AG44
    ("=IMPRODUCT(A4,A3)", E.VALUE),  # T44
    ("=IMSEC(A3)", "-0.26560479396574+0.0106559588386141j"),  # T46
    ("=IMSECH(A1)", "0.00180771853884451+0.000241377759972715j"),  # R47
    ("=IMSIN(A4)", "-0.53092108624852-3.59056458998578i"),  # U48
    ("=IMSINH(A5)", "-219260.699081529-29277.093349686j"),  # V49
    ("=IMSQRT(A2)", "3.66935881845753+0.681317942367629j"),  # S50
    ("=IMSUB(A1,A2)", "-6+20j"),  # R51
    ("=IMSUB(A3,A4)", E.NUM),  # T51
    ("=IMSUM(A1:A2,A3)", "23.1+32j"),  # R52
    ("=IMSUM(A2:A3,A4)", E.VALUE),  # S52
    ("=IMSUM(A5:A6,A7)", E.NUM),  # V52
    ("=IMTAN(A2)", "0.0000692361330972509+0.999941259144671j"),  # S53
    ("=IMABS(A1:A2)", E.VALUE),  # AG29
]


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    cells: dict[str, object] = dict(DATA)
    cells |= {f"C{i}": formula for i, (formula, _) in enumerate(CASES, start=1)}
    return sheet_model(cells).recalc()


@pytest.mark.parametrize(
    ("index", "case"), list(enumerate(CASES, start=1)), ids=[c[0] for c in CASES]
)
def test_matches_excel(results: dict[str, object], index: int, case: tuple[str, object]) -> None:
    expected = case[1]
    actual = results[f"S!C{index}"]
    if isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-12)
    else:
        assert actual == expected


def test_array_formula_over_a_range_is_value_error() -> None:
    """Analysis ToolPak functions do not map over a range (ENGINEERING!AH29)."""
    model = sheet_model(DATA, spills={"D1:D2": "=IMABS(A1:A2)"})
    assert model.recalc()["S!D1"] is E.VALUE


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("i", (1j, 1)),
        ("-j", (-1j, 2)),
        ("12i", (12j, 1)),
        ("1e5-3i", (100000 - 3j, 1)),
        ("3.6", (3.6 + 0j, 0)),
        ("1+2", None),
        ("i3", None),
    ],
)
def test_parse(text: str, parsed: tuple[complex, int] | None) -> None:
    assert parse_complex(text) == parsed


def test_format_keeps_fifteen_digits_and_drops_a_unit_coefficient() -> None:
    assert complex_text(complex(1 / 3, -1.0), "i") == "0.333333333333333-i"
    assert complex_text(complex(0.0, 2.5e-7), "j") == "2.5E-07j"
    assert complex_text(complex(0.0, 0.0), "i") == "0"
