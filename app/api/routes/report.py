"""``GET /v1/simulations/{id}/report.xlsx``: a completed run's results as an Excel workbook with
Excel's own charts, for analysts who carry results on in Excel.

A summary sheet (the run and every output's main statistics), then one sheet per output: its
statistics and percentiles, its histogram and CDF as tables each drawn by a native chart, and
its sensitivity drawn as a tornado.
"""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.worksheet.worksheet import Worksheet

from app.api.auth import Ctx, Tenant
from app.api.routes.trials import completed
from app.api.sheetview import SheetViewFailed, sandboxed
from infra.sandbox import SandboxFailure

router = APIRouter(prefix="/v1/simulations", tags=["simulations"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATISTICS = ("count", "error_count", "mean", "std", "min", "max", "median", "skewness",
              "kurtosis")


def _number(value: Any) -> Any:
    """A cell value Excel takes: a number, text, or empty."""
    return value if value is None or isinstance(value, (int, float, str)) else str(value)


def _summary(sheet: Worksheet, row: dict[str, Any]) -> None:
    results = row["results"]
    sheet.append(["RiskStream simulation", row["simulation_id"]])
    for name, value in (("Workbook", row["workbook_id"]), ("Iterations", results["iterations"]),
                        ("Seed", results["seed"]), ("Sampling", row["request"].get("sampling")),
                        ("Finished", str(row["finished_at"] or ""))):
        sheet.append([name, _number(value)])
    sheet.append([])
    sheet.append(["Output", *STATISTICS])
    for name, out in results["outputs"].items():
        sheet.append([name, *(_number(out.get(k)) for k in STATISTICS)])
    sheet.column_dimensions["A"].width = 24


def _output_sheet(sheet: Worksheet, name: str, out: dict[str, Any],
                  sensitivity: dict[str, Any] | None) -> None:
    sheet.append(["Output", name])
    sheet.append([])
    sheet.append(["Statistic", "Value"])
    for key in STATISTICS:
        sheet.append([key, _number(out.get(key))])
    for p in out.get("percentiles", []):
        sheet.append([f"P{p['p']:g}", _number(p["value"])])
    sheet.column_dimensions["A"].width = 18
    hist, cdf = out.get("histogram"), out.get("cdf")
    if hist:  # columns D:F, the bins; a column chart over them
        sheet["D1"], sheet["E1"], sheet["F1"] = "Bin from", "Bin to", "Trials"
        for i, count in enumerate(hist["counts"]):
            sheet.cell(i + 2, 4, hist["edges"][i])
            sheet.cell(i + 2, 5, hist["edges"][i + 1])
            sheet.cell(i + 2, 6, count)
        chart = BarChart()
        chart.title, chart.gapWidth, chart.legend = f"Distribution of {name}", 0, None
        chart.y_axis.title, chart.x_axis.title = "Trials", "Bin from"
        last = len(hist["counts"]) + 1
        chart.add_data(Reference(sheet, min_col=6, min_row=1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=4, min_row=2, max_row=last))
        sheet.add_chart(chart, "K2")
    if cdf:  # columns H:I, the CDF's points; a line through them
        sheet["H1"], sheet["I1"] = "Value", "P(X <= value)"
        for i, (x, p) in enumerate(zip(cdf["x"], cdf["p"], strict=True)):
            sheet.cell(i + 2, 8, x)
            sheet.cell(i + 2, 9, p)
        line = ScatterChart()
        line.title, line.style, line.legend = f"Cumulative distribution of {name}", 13, None
        line.x_axis.title, line.y_axis.title = "Value", "P(X <= value)"
        last = len(cdf["x"]) + 1
        series = Series(Reference(sheet, min_col=9, min_row=2, max_row=last),
                        Reference(sheet, min_col=8, min_row=2, max_row=last), title="CDF")
        series.marker.symbol = "none"
        line.series.append(series)
        sheet.add_chart(line, "K20")
    inputs = (sensitivity or {}).get("inputs") or []
    if inputs:  # below the statistics: the tornado's table and its bars
        top = sheet.max_row + 2
        sheet.cell(top, 1, "Input")
        sheet.cell(top, 2, "Rank correlation")
        sheet.cell(top, 3, "Contribution to variance")
        ordered = sorted(inputs, key=lambda i: abs(i.get("spearman") or 0))
        for k, entry in enumerate(ordered, start=1):
            sheet.cell(top + k, 1, entry["input"])
            sheet.cell(top + k, 2, _number(entry.get("spearman")))
            sheet.cell(top + k, 3, _number(entry.get("contribution")))
        tornado = BarChart()
        tornado.type, tornado.title, tornado.legend = "bar", f"Tornado of {name}", None
        tornado.x_axis.title = "Input"
        tornado.add_data(Reference(sheet, min_col=2, min_row=top, max_row=top + len(ordered)),
                         titles_from_data=True)
        tornado.set_categories(Reference(sheet, min_col=1, min_row=top + 1,
                                         max_row=top + len(ordered)))
        sheet.add_chart(tornado, "K38")


def report(row: dict[str, Any]) -> bytes:
    """The .xlsx report of a completed simulation's view row."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    _summary(summary, row)
    results = row["results"]
    for i, (name, out) in enumerate(results["outputs"].items(), start=1):
        _output_sheet(book.create_sheet(f"Output {i}"), name, out,
                      results.get("sensitivity", {}).get(name))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@router.get("/{simulation_id}/report.xlsx", response_class=Response,
            summary="A completed simulation's results as an Excel report with native charts",
            responses={200: {"content": {XLSX: {}}, "description": "the report"},
                       409: {"description": "the simulation has not completed, or its results"
                                            " were not kept"},
                       422: {"description": "the report needs more memory or time to build"
                                            " than the service allows"}})
async def xlsx_report(simulation_id: str, ctx: Ctx, tenant: Tenant) -> Response:
    row = await completed(ctx, tenant, simulation_id)
    try:  # built in a sandboxed child: a report of a thousand outputs is seconds of CPU that
        # froze the worker's every request
        built = await sandboxed(ctx.settings).run(tenant.tenant_id, report, row)
    except (SandboxFailure, SheetViewFailed) as exc:
        raise HTTPException(422, f"the report of simulation {simulation_id} cannot be built"
                            f" here: building it {exc}") from None
    return Response(built, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="riskstream-{simulation_id}.xlsx"'})
