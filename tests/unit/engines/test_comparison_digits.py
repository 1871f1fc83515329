"""Excel's comparison operators tell numbers apart to 15 significant digits: a balance check
like =SUM(0.7,0.1,0.1,0.1)=1 holds, though the sum's last bit differs from 1."""

from __future__ import annotations

import numpy

from engines.operators import numbers_ordered
from tests.unit.engines.excel_sheet import assert_results, recalculated


def test_numbers_that_agree_to_fifteen_digits_are_equal_in_every_operator() -> None:
    got = recalculated({"C2": 0.3, "C4": 1}, {
        "C1": "=0.1+0.2", "C3": "=SUM(0.7,0.1,0.1,0.1)",
        "D1": "=C1=C2", "D2": "=C1<>C2", "D3": "=C1>C2", "D4": "=C1>=C2",
        "D5": '=IF(C3=1,"ok","check")', "D6": "=C3<C4", "D7": "=C3<=C4",
        "D8": "=1.2-1.1=0.1",  # 0.0999999999999999 to 15 digits: not 0.1
        "D9": "=C1<0.30000000000001",  # differs in the 14th digit: ordered as it is
    })
    assert_results(got, {"D1": True, "D2": False, "D3": False, "D4": True, "D5": "ok",
                         "D6": False, "D7": True, "D8": False, "D9": True})


def test_per_trial_numbers_compare_entry_by_entry() -> None:
    a = numpy.array([[[0.1 + 0.2]], [[0.3]], [[0.29]], [[1e-300]]])
    assert numbers_ordered(numpy, "=", a, numpy.array([[[0.3]]])).ravel().tolist() == [
        True, True, False, False]
    assert numbers_ordered(numpy, "<", a, numpy.array([[[0.3]]])).ravel().tolist() == [
        False, False, True, True]
    assert numbers_ordered(numpy, ">=", numpy.array([0.0, -0.0]),
                           numpy.array([-0.0, 5e-324])).tolist() == [True, False]
