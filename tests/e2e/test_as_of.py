"""TODAY() and NOW() in a simulation read its ``as_of``: the request's own moment (wall-clock
time where it was given) or, by default, when it was requested; the run, its recorded request
and the recomputed trials of ``/sample`` agree, and a moment Excel's dates cannot hold is
refused naming the field. RiskSimtable reads the request's ``simulation_number``."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import httpx
import openpyxl

from engines.clock import serial
from tests.e2e.flow import ENDED, poll, start

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _dated_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Model"
    sheet["A1"] = "=RiskUniform(0, 1)"
    sheet["A2"] = "=TODAY()+A1"  # the day, and a draw within it
    sheet["A3"] = "=NOW()-TODAY()"  # the time of day
    sheet["A4"] = "=RiskSimtable({10,20,30})"  # a scenario per simulation number
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def _run(client: httpx.AsyncClient, workbook_id: str, **more: object) -> dict[str, object]:
    answer = await start(client, {"workbook_id": workbook_id,
                                  "outputs": ["Model!A2", "Model!A3", "Model!A4"],
                                  "iterations": 2000, "seed": 5, **more})
    assert answer.status_code == 202, answer.text
    done = await poll(client, answer.json()["links"]["self"], ENDED, 90)
    assert done["status"] == "completed", done
    return done


async def test_today_and_now_read_the_requests_moment(own_tenant: httpx.AsyncClient) -> None:
    uploaded = await own_tenant.post("/v1/workbooks", files={
        "file": ("dated.xlsx", _dated_workbook(), XLSX)})
    assert uploaded.status_code == 202, uploaded.text
    workbook = await poll(own_tenant, uploaded.json()["links"]["self"], {"parsed", "rejected"})
    assert workbook["status"] == "parsed", workbook

    given = await _run(own_tenant, workbook["workbook_id"], as_of="2030-06-15T18:00:00-05:00")
    assert given["request"]["as_of"] == "2030-06-15T18:00:00-05:00"
    day = serial(datetime(2030, 6, 15))  # the wall clock where it was given, not UTC's 16th
    outputs = given["results"]["outputs"]
    assert day <= outputs["Model!A2"]["min"] and outputs["Model!A2"]["max"] < day + 1
    assert outputs["Model!A3"]["min"] == outputs["Model!A3"]["max"] == 0.75
    sample = await own_tenant.get(f"/v1/simulations/{given['simulation_id']}/sample", params={
        "input": "Model!A1", "output": "Model!A2", "n": 2000})
    assert sample.status_code == 200, sample.text
    values = [v for v in sample.json()["output_values"] if v is not None]
    assert len(values) == 2000 and min(values) == outputs["Model!A2"]["min"]
    assert max(values) == outputs["Model!A2"]["max"]

    assert outputs["Model!A4"]["mean"] == 10  # simulation 1 by default
    second = await _run(own_tenant, workbook["workbook_id"], simulation_number=2)
    assert second["request"]["simulation_number"] == 2
    assert second["results"]["outputs"]["Model!A4"]["mean"] == 20

    before = datetime.now(UTC)
    default = await _run(own_tenant, workbook["workbook_id"])
    moment = datetime.fromisoformat(default["request"]["as_of"])
    assert before <= moment <= datetime.now(UTC)
    today = serial(moment.replace(hour=0, minute=0, second=0, microsecond=0))
    assert today <= default["results"]["outputs"]["Model!A2"]["min"]

    for field, bad, words in (("as_of", "1899-12-31T00:00:00+00:00", "years 1900 to 9999"),
                              ("as_of", "2030-06-15T18:00:00", "timezone"),
                              ("as_of", "soon", "datetime"),
                              ("as_of", 1700000000, "ISO 8601 date-time text"),
                              ("simulation_number", 0, "greater than or equal to 1")):
        refused = await start(own_tenant, {"workbook_id": workbook["workbook_id"],
                                           "outputs": ["Model!A2"], field: bad})
        assert refused.status_code == 422, refused.text
        assert any(e["loc"][-1] == field and words in e["msg"]
                   for e in refused.json()["errors"]), refused.text
