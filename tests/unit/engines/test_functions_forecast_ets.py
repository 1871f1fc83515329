"""FORECAST.ETS and its family against Excel.

Cases marked with a cell are the values Excel cached in
``shared/workbooks/excel/formulas-test.xlsx`` (sheet STATISTICAL, rows 38-41): the values
{3,3,1,2,3,2,1,3,2,1} on the timeline {3,7,5,6,7,8,1,3,4,9}, whose duplicate dates 3 and 7
are aggregated and whose missing date 2 is completed, a series 1,2,3,2,1,2,3,2,1 of period 4.
The others follow Microsoft's documentation of the functions (argument ranges and errors).
"""

from __future__ import annotations

import pytest

from engines.errors import ExcelError
from tests.unit.engines.excel_sheet import sheet_model

E = ExcelError
DATA = "{3,3,1,2,3,2,1,3,2,1},{3,7,5,6,7,8,1,3,4,9}"
CELLS: dict[str, object] = {"H1": None, "I1": "29/02/1900", "J1": True, "K1": "=NA()"}
CASES = [
    # R38, S38, T38, U38: seasonality 4, AVERAGE or MAX of the duplicates
    (f"=_xlfn.FORECAST.ETS(10,{DATA},4)", 2.0),
    (f"=_xlfn.FORECAST.ETS(0.1,{DATA},4,1,4)", 0.09999999999999964),
    (f"=_xlfn.FORECAST.ETS(0.7,{DATA},4,1)", 0.6999999999999993),
    (f"=_xlfn.FORECAST.ETS(100,{DATA},4,1)", 2.0),
    # V38, W38: a target at or before one step ahead of the first date
    (f"=_xlfn.FORECAST.ETS(-1,{DATA},4,1)", E.NUM),
    (f"=_xlfn.FORECAST.ETS(H1,{DATA},4,1)", E.NUM),
    # X38, Y38: a date as text, TRUE as 1
    (f"=_xlfn.FORECAST.ETS(I1,{DATA},4,1)", 2.0),
    (f"=_xlfn.FORECAST.ETS(J1,{DATA},4,1)", 1.0),
    (f"=_xlfn.FORECAST.ETS(K1,{DATA},4,1)", E.NA),
    # R39 … Y39: the series repeats exactly, so the interval is 0 at any valid level
    (f"=_xlfn.FORECAST.ETS.CONFINT(50,{DATA},10,4,1,)", E.NUM),
    (f"=_xlfn.FORECAST.ETS.CONFINT(50,{DATA},0.1,4,1,)", 0.0),
    (f"=_xlfn.FORECAST.ETS.CONFINT(50,{DATA},0.7,4,1,)", 0.0),
    (f"=_xlfn.FORECAST.ETS.CONFINT(50,{DATA},-1,4,1,)", E.NUM),
    (f"=_xlfn.FORECAST.ETS.CONFINT(50,{DATA},H1,4,1,)", 0.0),
    (f"=_xlfn.FORECAST.ETS.CONFINT(50,{DATA},J1,4,1,)", E.NUM),
    # R40 … Y40: nine points show no season; data completion is 0 or 1
    (f"=_xlfn.FORECAST.ETS.SEASONALITY({DATA},1)", 0.0),
    (f"=_xlfn.FORECAST.ETS.SEASONALITY({DATA},2)", E.NUM),
    (f"=_xlfn.FORECAST.ETS.SEASONALITY({DATA},0)", 0.0),
    (f"=_xlfn.FORECAST.ETS.SEASONALITY({DATA},-1)", E.NUM),
    (f"=_xlfn.FORECAST.ETS.SEASONALITY({DATA},J1)", 0.0),
    # R41 … Y41: MASE, SMAPE, MAE and RMSE of an exact fit, the step, bad statistic types
    (f"=_xlfn.FORECAST.ETS.STAT({DATA},4,4,1,)", 0.0),
    (f"=_xlfn.FORECAST.ETS.STAT({DATA},5,4,1,)", 0.0),
    (f"=_xlfn.FORECAST.ETS.STAT({DATA},6,4,1,)", 0.0),
    (f"=_xlfn.FORECAST.ETS.STAT({DATA},7,4,1,)", 0.0),
    (f"=_xlfn.FORECAST.ETS.STAT({DATA},8,4,1,)", 1.0),
    (f"=_xlfn.FORECAST.ETS.STAT({DATA},H1,4,1,)", E.NUM),
    (f"=_xlfn.FORECAST.ETS.STAT({DATA},I1,4,1,)", E.NUM),
    # documented: timeline and values of different sizes are #N/A
    ("=_xlfn.FORECAST.ETS(10,{1,2,3},{1,2,3,4})", E.NA),
    # documented: a timeline without a constant step is #NUM!
    ("=_xlfn.FORECAST.ETS(10,{1,2,3,4},{1,2,3.5,4})", E.NUM),
    # documented: seasonality above 8,760 is #NUM!
    ("=_xlfn.FORECAST.ETS(10,{1,2,3,4},{1,2,3,4},8761)", E.NUM),
]


@pytest.mark.parametrize(("formula", "expected"), CASES)
def test_forecast_ets_family(formula: str, expected: object) -> None:
    value = sheet_model({**CELLS, "A1": formula}).recalc()["S!A1"]
    if isinstance(expected, float):
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-12)
    else:
        assert value == expected


def test_forecast_ets_over_an_array_of_targets() -> None:
    """STATISTICAL!AH38:AW38: one forecast per target, #N/A past the targets given."""
    targets = {"C1": 10, "D1": 0.1, "E1": 0.7, "F1": 100, "G1": -1}
    formula = f"=_xlfn.FORECAST.ETS(C1:G1,{DATA},4,1,)"
    model = sheet_model(targets, spills={"A2:F2": formula})
    values = model.recalc()
    shown = [values[f"S!{c}2"] for c in "ABCDEF"]
    assert shown[:4] == pytest.approx([2.0, 0.09999999999999964, 0.6999999999999993, 2.0])
    assert shown[4:] == [E.NUM, E.NA]
