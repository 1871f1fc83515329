"""Hostile workbooks are refused while their package streams, in bounded time and memory, and
references reaching past the content cost what the content costs."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from engines.compiler import compile_model
from engines.limits import WorkbookError, WorkbookLimits, WorkbookTooLarge
from engines.package import check_package
from engines.recalc import recalc_workbook
from engines.workbook import DEFAULT_LIMITS, load_workbook
from tests import workbook_bombs as bombs
from tests.unit.engines.excel_sheet import model_workbook

GRID = 1048576 * 16384
MB = 1024 * 1024


HANG_S = 60.0
"""A ceiling against a hang, not a speed goal: each of these takes a few seconds under
``tracemalloc`` on a slow machine. Where a read stops is asserted by what each refusal counted
(the formula, the byte, the cell at which it stopped), which no machine's speed moves; speed is
measured by ``make bench``."""


def bounded(run: Callable[[], Any], megabytes: int) -> Any:
    """``run()``, asserting it allocated at most ``megabytes`` at its peak and ended within
    ``HANG_S``; what it raised is raised."""
    tracemalloc.start()
    began = time.perf_counter()
    try:
        return run()
    finally:
        took = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < megabytes * MB, f"peak {peak / MB:.0f} MB"
        assert took < HANG_S, f"took {took:.1f} s"


def refusal(data: bytes, limits: WorkbookLimits = DEFAULT_LIMITS) -> WorkbookTooLarge:
    with pytest.raises(WorkbookTooLarge) as refused:
        bounded(lambda: load_workbook(data, limits), megabytes=32)
    return refused.value


@pytest.fixture(scope="module")
def gigabyte_sheet() -> Iterator[bytes]:
    yield bombs.inflating_rows(int(1.2 * bombs.GB))


def test_a_sheet_inflating_to_a_gigabyte_is_refused_by_its_ratio_before_it_inflates(
        gigabyte_sheet: bytes) -> None:
    assert len(gigabyte_sheet) < 4 * MB
    refused = refusal(gigabyte_sheet)
    assert refused.limit == "compression_ratio" and refused.value == 200
    assert refused.observed > 200
    assert "compression ratio of sheet 'Sheet'" in str(refused)


def test_inflated_bytes_are_counted_as_they_stream() -> None:
    media = bombs.inflating_media(int(0.6 * bombs.GB))
    refused = refusal(media, WorkbookLimits(compression_ratio=None))
    assert refused.as_dict() == {"name": "uncompressed_bytes", "value": 500 * MB,
                                 "observed": refused.observed}
    assert 500 * MB < refused.observed < 501 * MB  # stopped at the limit, not at the end


def test_content_at_both_ends_of_the_grid_is_refused_for_the_area_it_spans() -> None:
    refused = refusal(bombs.corners())
    assert (refused.limit, refused.observed) == ("area_cells", GRID)
    assert "(limit area_cells = 10,000,000)" in str(refused)


def test_without_that_limit_the_two_cells_load_as_two_cells() -> None:
    workbook = bounded(lambda: load_workbook(bombs.corners(), WorkbookLimits(area_cells=None)),
                       megabytes=32)
    assert set(workbook.cells) == {("Sheet", 1, 1), ("Sheet", 1048576, 16384)}
    assert workbook.dimensions == {"Sheet": (1048576, 16384)}


@pytest.mark.parametrize("bomb", [bombs.array_over_grid, bombs.merged_grid])
def test_ranges_openpyxl_fills_with_cells_count_as_cells(bomb: Callable[[], bytes]) -> None:
    refused = refusal(bomb())
    assert refused.limit == "cells" and refused.observed >= GRID - 1


def test_a_million_formulas_are_refused_at_the_first_past_the_limit() -> None:
    million = bombs.many_formulas(1_000_000)
    refused = refusal(million)
    assert refused.as_dict() == {"name": "formulas", "value": 200_000, "observed": 200_001}
    free = refusal(million, WorkbookLimits(formulas=1_000))
    assert str(free) == ("the workbook is over a limit: the number of formulas reached 1,001"
                         " (limit formulas = 1,000)")


def test_cells_and_sizes_are_limits_too() -> None:
    data = bombs.many_formulas(3)
    assert refusal(data, WorkbookLimits(cells=2)).limit == "cells"
    assert refusal(data, WorkbookLimits(file_bytes=100)).observed == len(data)
    assert refusal(data, WorkbookLimits(entries=3)).as_dict() == {
        "name": "entries", "value": 3, "observed": 5}
    check_package(data, WorkbookLimits(cells=3, formulas=3))
    rows = "".join(f'<row r="{r}" ht="20" customHeight="1" x14ac:dyDescent="0.25"/>'
                   for r in range(1, 2_001))  # each a row openpyxl keeps an object for
    formatted = bombs.xlsx_bytes({"Sheet": bombs.sheet_xml([rows])})
    assert refusal(formatted, WorkbookLimits(cells=1_000)).limit == "cells"
    linked = bombs.xlsx_bytes({"Sheet": bombs.sheet_xml(
        [], '<hyperlinks><hyperlink ref="A1:A1048576" r:id="rId1"/></hyperlinks>')})
    assert refusal(linked).observed == 1048576


def test_xml_may_not_declare_entities() -> None:
    with pytest.raises(WorkbookError, match="may not declare a DTD"):
        check_package(bombs.entity_expansion(), WorkbookLimits())


def test_parts_are_read_for_what_they_hold_not_for_their_names() -> None:
    grid = bombs.sheet_xml(['<row r="1"><c r="A1"><f t="array" ref="A1:XFD1048576">1</f></c>'
                            "</row>"])
    disguised = bombs.xlsx_bytes({"Sheet": bombs.sheet_xml([])}, {"xl/media/a.png": grid})
    assert refusal(disguised).limit == "cells"
    legacy = bombs.xlsx_bytes({"Sheet": bombs.sheet_xml([])},
                              {"xl/drawings/vmlDrawing1.vml": [b"<xml><br></xml>"]})
    check_package(legacy, WorkbookLimits())  # not well-formed, and not ours to judge


def test_a_refusal_survives_pickling_whole() -> None:
    import pickle

    refused = WorkbookTooLarge("cells", 10, 11, "sheet 'S'")
    copy = pickle.loads(pickle.dumps(refused))
    assert (copy.as_dict(), str(copy)) == (refused.as_dict(), str(refused))


def test_limits_come_from_json_with_defaults_for_what_is_missing() -> None:
    limits = WorkbookLimits.from_mapping({"cells": 5, "formulas": None, "later": 1})
    assert (limits.cells, limits.formulas, limits.area_cells) == (5, None, 10_000_000)
    assert WorkbookLimits.from_mapping(None) == WorkbookLimits()
    with pytest.raises(ValueError, match="whole number"):
        WorkbookLimits.from_mapping({"cells": "many"})


def test_references_past_the_content_read_only_the_content_with_excel_results() -> None:
    values = bounded(lambda: recalc_workbook(bombs.whole_sheet_reads()), megabytes=40)
    total = 300 * 301 / 2
    assert values == {
        "Out!A1": total,  # SUM('Data'!$1:$1048576)
        "Out!B1": 1048576.0,  # ROWS of it: the size named, not the size read
        "Out!C1": 1048576.0 - 100,  # COUNTBLANK('Data'!A:A)
        "Out!D1": 2 * total,  # {=SUM('Data'!A1:XFD1048576*2)}
        "Out!E1": -1.0,  # {=SUM(A2:A1048576-A1:A1048575)}: both clipped alike, still aligned
        "Out!F1": 0.0,  # INDEX('Data'!A:A,5000): an empty cell past the content
        "Out!G1": 1048576.0,  # ROWS(OFFSET('Data'!A:A,0,1))
        "Out!H1": 100.0,  # MATCH(MAX(C:C),C:C,0)
    }


def test_a_request_input_past_all_content_is_still_read_by_a_whole_column() -> None:
    data = bombs.xlsx_bytes({"S": bombs.sheet_xml(
        ['<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>SUM(A:A)</f></c></row>'])})
    model = compile_model(load_workbook(data), inputs=["S!A5000"], outputs=["S!B1"])
    values, errors = model.evaluate(3, {"S!A5000": np.array([1.0, 2.0, 3.0])})["S!B1"]
    assert values.tolist() == [2.0, 3.0, 4.0] and not errors.any()


def test_a_formula_longer_than_excel_allows_is_refused_naming_its_cell() -> None:
    table = ",".join(str(i) for i in range(5000))  # a 24,000-character formula
    with pytest.raises(WorkbookTooLarge, match=r"sheet 'Model', cell B3 .*formula_length = 8,192"):
        load_workbook(model_workbook(A1=1, B3=f"=RiskSimtable({{{table}}})"))
