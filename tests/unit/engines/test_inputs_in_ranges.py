"""Request inputs are seen wherever the workbook reads them, ranges included."""

from __future__ import annotations

import io

import numpy as np
from openpyxl import Workbook

from engines.compiler import compile_model
from engines.workbook import load_workbook


def _workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"], ws["A3"] = 1, 2, 3
    ws["B1"] = "=SUM(A1:A3)"
    ws["B2"] = "=A1+A2+A3"
    ws["B3"] = "=NPV(0.1,A1:A3)"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_an_input_inside_a_range_varies_per_trial() -> None:
    model = compile_model(load_workbook(_workbook()), inputs=["S!A1", "S!A3"],
                          outputs=["S!B1", "S!B2", "S!B3"])
    a1 = np.array([10.0, 20.0, 30.0])
    a3 = np.array([0.5, 1.5, 2.5])
    out = model.evaluate(3, {"S!A1": a1, "S!A3": a3})
    np.testing.assert_allclose(out["S!B1"][0], a1 + 2 + a3)
    np.testing.assert_allclose(out["S!B2"][0], a1 + 2 + a3)
    npv = a1 / 1.1 + 2 / 1.1**2 + a3 / 1.1**3
    np.testing.assert_allclose(out["S!B3"][0], npv, rtol=1e-12)
    assert not out["S!B1"][1].any()
