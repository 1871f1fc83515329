"""Complex numbers, Bessel functions, hypothesis tests and regression vary by trial: each
trial's result is what that trial's inputs give on their own."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
from scipy import special, stats

from engines.compiler import compile_model
from engines.risk import RiskInputId
from engines.workbook import load_workbook

CELLS = {
    "B1": "=IMABS(IMPRODUCT(COMPLEX(A1,A2),COMPLEX(A3,A4)))",
    "B2": "=T.TEST(A1:A2,A3:A4,2,2)",
    "B3": "=BESSELJ(A1*10,2)",
    "B4": "=INDEX(LINEST(A2:A4,A1:A3),1)",
    "B5": "=IMREAL(IMSUM(A1:A2))",
    "B6": "=INDEX(MODE.MULT(A1:A4,A3),1)",
}
OUTPUTS = [f"S!B{row}" for row in range(1, 7)]
RISKS = [RiskInputId(f"S!A{row}", 0) for row in range(1, 5)]


def test_results_follow_each_trials_inputs() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "S"
    for row in range(1, 5):
        ws[f"A{row}"] = "=RiskUniform(0.5,3)"
    for ref, formula in CELLS.items():
        ws[ref] = formula
    buffer = io.BytesIO()
    wb.save(buffer)
    model = compile_model(load_workbook(buffer.getvalue()), outputs=OUTPUTS)
    n = 40
    a = np.random.default_rng(7).uniform(0.5, 3.0, size=(4, n))
    out = model.evaluate(n, {}, {risk: a[i] for i, risk in enumerate(RISKS)})
    values = {address: out[address][0].reshape(-1) for address in OUTPUTS}
    for address in OUTPUTS:
        assert not out[address][1].any()
    np.testing.assert_allclose(values["S!B1"], np.hypot(a[0], a[1]) * np.hypot(a[2], a[3]))
    expected_t = stats.ttest_ind(a[0:2], a[2:4], axis=0).pvalue
    np.testing.assert_allclose(values["S!B2"], expected_t, rtol=1e-9)
    slope = [np.polyfit(a[0:3, t], a[1:4, t], 1)[0] for t in range(n)]
    np.testing.assert_allclose(values["S!B4"], slope, rtol=1e-9)
    np.testing.assert_allclose(values["S!B5"], a[0] + a[1])
    np.testing.assert_array_equal(values["S!B6"], a[2])  # the one value given twice
    # Excel's approximations of J are good to about 1e-8 (absolute near its zeros)
    np.testing.assert_allclose(values["S!B3"], special.jv(2, a[0] * 10), rtol=1e-6, atol=1e-8)
