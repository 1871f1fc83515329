"""Builds examples/project-npv.xlsx, the demo and benchmark model: a five-year product launch.

Units, price and unit cost are uncertain; the price carries an @RISK function in its cell, the
other two get distributions from the API request. Outputs: NPV (marked RiskOutput) and total
profit. Run: python examples/build_example.py
"""

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent


def build(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Model"
    rows = [
        ("Units sold, year 1", 10000),
        ("Price", "=RiskTriang(40,50,65)"),
        ("Unit cost", 30),
        ("Fixed costs per year", 120000),
        ("Annual growth", 0.05),
        ("Discount rate", 0.1),
        ("Investment", 250000),
    ]
    for i, (label, value) in enumerate(rows, start=2):
        ws.cell(i, 1, label)
        ws.cell(i, 2, value)
    ws["A10"], ws["B10"], ws["C10"], ws["D10"], ws["E10"], ws["F10"] = (
        "Year", "Units", "Revenue", "Costs", "Profit", "Margin")
    for year in range(1, 6):
        r = 10 + year
        ws.cell(r, 1, year)
        ws.cell(r, 2, f"=$B$2*(1+$B$6)^(A{r}-1)")
        ws.cell(r, 3, f"=B{r}*$B$3")
        ws.cell(r, 4, f"=B{r}*$B$4+$B$5")
        ws.cell(r, 5, f"=C{r}-D{r}")
        ws.cell(r, 6, f"=IF(C{r}=0,0,E{r}/C{r})")
    ws["A17"], ws["B17"] = "NPV", '=RiskOutput("NPV")+NPV(B7,E11:E15)-B8'
    ws["A18"], ws["B18"] = "Total profit", "=SUM(E11:E15)"
    ws["A19"], ws["B19"] = "Loss-making years", '=COUNTIF(E11:E15,"<0")'
    ws["A20"], ws["B20"] = "Worst margin", "=MIN(F11:F15)"
    wb.save(path)


if __name__ == "__main__":
    build(HERE / "project-npv.xlsx")
