"""A What-If data table (``{=TABLE(A1,)}``) keeps the values Excel saved, its first cell
included (it read #NAME? before): formulas that read the table see Excel's results."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl

from engines.recalc import recalc_workbook


def _with_data_table() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Model"
    sheet["A1"], sheet["B1"], sheet["D2"] = 2, "=A1*10", "=B1"
    sheet["C3"], sheet["C4"], sheet["D3"], sheet["D4"] = 1, 2, 10, 20  # inputs, Excel's results
    sheet["E1"] = "=D3+D4"
    saved = io.BytesIO()
    book.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved.getvalue())) as source, \
            zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            part = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":  # as Excel writes a data table
                part = re.sub(rb'<c r="D3"([^>]*)><v>10</v></c>',
                              rb'<c r="D3"\1><f t="dataTable" ref="D3:D4" dt2D="0" dtr="0"'
                              rb' r1="A1"/><v>10</v></c>', part)
                assert b"dataTable" in part
            target.writestr(item, part)
    return out.getvalue()


def test_a_data_table_reads_as_excel_saved_it() -> None:
    values = recalc_workbook(_with_data_table())
    assert values["Model!E1"] == 30.0
    assert values["Model!D2"] == 20.0
