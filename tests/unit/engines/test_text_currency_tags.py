"""TEXT with format codes that tag a currency symbol with a locale, ``[$€-407]``: Microsoft's
"Number format codes" page writes the symbol between "[$" and "-", then the locale; the
symbol is shown, the locale is not, and colours and conditions keep their meaning."""

from __future__ import annotations

from engines.functions.textformat import format_text, format_value
from tests.unit.engines.excel_sheet import assert_results, recalculated


def test_text_shows_the_tagged_currency_symbol() -> None:
    formulas = {"A1": '=TEXT(1234.5,"[$$-409]#,##0.00")', "A2": '=TEXT(1234.5,"[$€-407]#,##0.00")',
                "A3": '=TEXT(1234.5,"[$£-809]#,##0")', "A4": '=TEXT(1234.5,"[$USD] #,##0")',
                "A5": '=TEXT(1234.5,"[$€-x-euro2] #,##0.00")',
                "A6": '=TEXT(-1234.5,"[$$-409]#,##0.00")'}
    assert_results(recalculated({}, formulas), {
        "A1": "$1,234.50", "A2": "€1,234.50", "A3": "£1,235", "A4": "USD 1,235",
        "A5": "€ 1,234.50", "A6": "-$1,234.50"})


def test_a_locale_alone_colours_and_conditions_keep_their_meaning() -> None:
    cases = {(45356, "[$-409]mmm-yy"): "Mar-24", (1234.5, "[$-409]#,##0.00"): "1,234.50",
             (-5, "[Red][$$-409]#,##0;[Blue]([$$-409]#,##0)"): "($5)",
             (150, "[>=100][$$-409]0;0"): "$150", (50, "[>=100][$$-409]0;0"): "50",
             (45356, "[$USD] dd/mm/yyyy"): "USD 05/03/2024", (1, '"[$x]"0'): "[$x]1"}
    assert {case: format_value(*case) for case in cases} == cases
    assert format_text("ab", "[$$-409]@") == "$ab"
