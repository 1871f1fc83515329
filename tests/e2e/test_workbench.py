"""The workbench in a real browser: Debian's headless Chromium driven by Selenium through
Debian's chromedriver, against the API and processors of this test session, which serve the
built page (web/dist) at ``/``. Screenshots of each page go to docs/screenshots/; axe-core
(web/node_modules/axe-core, from npm) checks each page for serious accessibility violations.

Also the API routes the page reads: the workbook list and its cursor, a sheet's cells, and cell
references to sheet names with spaces, quoted or not."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select

from tests.conftest import EXAMPLE, ROOT
from tests.e2e.accounts import PASSWORD, new_user
from tests.e2e.conftest import Service
from tests.e2e.flow import ENDED, poll, start, upload_example
from tests.e2e.receiver import Receiver, wait_until

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "docs" / "screenshots"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER, AXE) if not p.exists()]
    if missing or not (ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail(f"the workbench tests need {missing or 'web/dist'}: `make test` (through"
                    " infra/stack/stack.sh provision) installs Chromium and builds web/")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1366,900", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=DriverService(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: Any, check: Callable[[], Any], what: str, timeout_s: float = 30) -> Any:
    """``check()``'s first truthy value; fails naming ``what`` and the page's error, if any."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = check()
        except Exception:  # noqa: BLE001 — an element not there yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            shown = driver.execute_script("return document.querySelector('main').innerText")
            raise TimeoutError(f"{what} not seen in {timeout_s} s; the page says:"
                               f" {shown[:600]!r}")
        time.sleep(0.1)


def css(driver: Any, selector: str) -> Any:
    return driver.find_element("css selector", selector)


def click(driver: Any, element: Any) -> None:
    """Click ``element`` once it is scrolled to the middle of its scrolling box, clear of the
    grid's sticky headers."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})",
                          element)
    element.click()


def text_of(driver: Any, selector: str) -> str:
    return str(css(driver, selector).text)


def shoot(driver: Any, name: str) -> None:
    """The whole page, as tall as it is (up to 2,400 pixels), at a laptop's width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1366, min(2400, max(900, height + 140)))
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(1366, 900)


def serious_violations(driver: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    driver.execute_script(AXE.read_text())
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations),"
        " e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
    return [f"{v['id']} ({v['impact']}): {v['help']} at"
            f" {[n['target'] for n in v['nodes']][:3]}"
            for v in found if v["impact"] in ("serious", "critical")]


def check_page(driver: Any, name: str) -> None:
    shoot(driver, name)
    assert serious_violations(driver) == [], name


def chart_option(driver: Any, name: str) -> dict[str, Any]:
    """What the named ECharts chart draws, as the page holds it."""
    return dict(driver.execute_script(
        f"return JSON.parse(JSON.stringify(window.riskstreamCharts[{name!r}].getOption()))"))


def set_value(driver: Any, element: Any, value: str) -> None:
    element.clear()
    element.send_keys(value)
    driver.execute_script("arguments[0].dispatchEvent(new Event('change', {bubbles: true}))",
                          element)


def drag_left_delimiter(driver: Any, pixels: int) -> None:
    """Drag the histogram's left delimiter with the mouse, as an analyst would."""
    box = css(driver, "[data-testid=histogram]")
    click(driver, css(driver, "input[name=left]"))  # brings the chart into view
    x = driver.execute_script(
        "const c = window.riskstreamCharts.histogram;"
        " const left = Number(document.querySelector('input[name=left]').value);"
        " return c.convertToPixel({gridIndex: 0}, [left, 0])[0];")
    (ActionChains(driver).move_to_element_with_offset(box, int(x - box.size["width"] / 2), 0)
     .click_and_hold().move_by_offset(pixels // 2, 0).move_by_offset(pixels - pixels // 2, 0)
     .release().perform())


DROP_FILE = """
const [zone, name, text] = arguments;
const data = new DataTransfer();
data.items.add(new File([text], name, {type: 'application/octet-stream'}));
for (const type of ['dragover', 'drop'])
  zone.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true, cancelable: true}));
"""


async def test_an_analyst_uploads_marks_runs_and_reads_the_charts(
        service: Service, own_tenant: httpx.AsyncClient, browser: Any) -> None:
    user = await new_user(own_tenant, "member")
    driver = browser
    driver.get(f"{service.url}/#/signin")
    wait(driver, lambda: css(driver, "input[name=email]"), "the sign-in form")
    check_page(driver, "sign-in")

    # a wrong password: the API's own words
    css(driver, "input[name=email]").send_keys(user["email"])
    css(driver, "input[name=password]").send_keys("not the password")
    css(driver, "form[aria-labelledby=with-password] button").click()
    assert "the email or password is wrong" in wait(
        driver, lambda: text_of(driver, "[data-testid=error]"), "the sign-in refusal")
    css(driver, "input[name=password]").clear()
    css(driver, "input[name=password]").send_keys(PASSWORD)
    css(driver, "form[aria-labelledby=with-password] button").click()
    assert wait(driver, lambda: text_of(driver, "[data-testid=plan]"), "the plan") == \
        "Plan: enterprise"

    # the upload limit is shown before anything is sent; a wrong file gets the API's message
    limit = wait(driver, lambda: "Files up to" in text_of(driver, "[data-testid=upload-limit]")
                 and text_of(driver, "[data-testid=upload-limit]"), "the upload limit")
    listing = (await own_tenant.get("/v1/workbooks")).json()
    assert listing["upload_limit"]["applies"] in limit
    refused = await own_tenant.post("/v1/workbooks", files={"file": (
        "notes.xlsx", b"these are notes, not a workbook", XLSX)})
    assert refused.status_code == 415
    driver.execute_script(DROP_FILE, css(driver, "[data-testid=dropzone]"), "notes.xlsx",
                          "these are notes, not a workbook")
    shown = wait(driver, lambda: text_of(driver, "[data-testid=error]"), "the refusal")
    assert refused.json()["detail"] in shown and shown.startswith("415")
    shoot(driver, "upload-refused")

    # the example workbook: parse status, then what the parser found
    css(driver, "input[type=file]").send_keys(str(EXAMPLE))
    wait(driver, lambda: css(driver, "[data-testid=parse-summary]"), "the parse summary", 60)
    assert text_of(driver, "[data-testid=formula-count]") == "30"
    assert text_of(driver, "[data-testid=risk-inputs]") == "Model!B3 RiskTriang"
    assert text_of(driver, "[data-testid=risk-outputs]") == "Model!B17"
    assert "Model (20×6)" in text_of(driver, "[data-testid=sheets]")
    wait(driver, lambda: driver.find_elements("css selector", "[data-workbook]"), "the list")
    check_page(driver, "workbooks")

    # the model view: a window of the sheet, and the API's words for one too large
    css(driver, "[data-testid=open-model]").click()
    wait(driver, lambda: css(driver, "button[data-cell='Model!B2']"), "the sheet grid")
    assert "risk" in css(driver, "button[data-cell='Model!B3']").get_attribute("class")
    set_value(driver, css(driver, "input[name=range]"), "A10:C12")
    css(driver, "input[name=range]").submit()
    wait(driver, lambda: [th.text for th in driver.find_elements(
        "css selector", "[data-testid=sheet-grid] tbody th")] == ["10", "11", "12"], "A10:C12")
    set_value(driver, css(driver, "input[name=range]"), "A1:Z1000")
    css(driver, "input[name=range]").submit()
    assert "A1:Z1000 holds 26000 cells; ask for at most 20000 at a time" in wait(
        driver, lambda: text_of(driver, "[data-testid=error]"), "the window's refusal")
    set_value(driver, css(driver, "input[name=range]"), "A1:F20")
    css(driver, "input[name=range]").submit()

    # B2 marked as a normal input, B4 as a PERT one, correlated; B18 as an output
    wait(driver, lambda: css(driver, "button[data-cell='Model!B2']"), "the whole sheet")
    click(driver, css(driver, "button[data-cell='Model!B2']"))
    wait(driver, lambda: driver.execute_script("return !!window.riskstreamCharts.density"),
         "the density preview")
    set_value(driver, css(driver, "input[name=sd]"), "1500")
    driver.find_element("xpath", "//button[text()='Mark as input']").click()
    click(driver, css(driver, "button[data-cell='Model!B4']"))
    Select(css(driver, "select[name=distribution]")).select_by_value("pert")
    driver.find_element("xpath", "//button[text()='Mark as input']").click()
    set_value(driver, css(driver, "input[aria-label='Correlation of Model!B2 and Model!B4']"),
              "0.3")
    click(driver, css(driver, "button[data-cell='Model!B18']"))
    driver.find_element("xpath", "//button[text()='Mark as output']").click()
    assert "marked-in" in css(driver, "button[data-cell='Model!B2']").get_attribute("class")
    assert "marked-out" in css(driver, "button[data-cell='Model!B18']").get_attribute("class")
    assert text_of(driver, "[data-testid=marked-inputs]").splitlines() == [
        "Model!B2 normal(10000, 1500)", "Model!B4 pert(27, 30, 36)"]
    check_page(driver, "model")

    # run 10,000 iterations and watch the bar reach 100 %
    set_value(driver, css(driver, "input[name=seed]"), "2026")
    css(driver, "[data-testid=start]").click()
    wait(driver, lambda: "#/simulations/" in driver.current_url, "the simulation page")
    simulation_id = driver.current_url.rsplit("/", 1)[1]
    wait(driver, lambda: css(driver, "[data-testid=progress]").get_attribute("aria-valuenow")
         == "100", "the progress bar at 100 %", 90)
    wait(driver, lambda: driver.execute_script("return !!window.riskstreamCharts.tornado"),
         "the charts")
    sim = await poll(own_tenant, f"/v1/simulations/{simulation_id}", ENDED)
    assert sim["status"] == "completed" and sim["iterations_done"] == 10_000
    assert sim["request"]["inputs"] == {
        "Model!B2": {"distribution": "normal", "params": [10000, 1500]},
        "Model!B4": {"distribution": "pert", "params": [27, 30, 36]}}
    assert sim["request"]["correlation"] == {"cells": ["Model!B2", "Model!B4"],
                                             "matrix": [[1, 0.3], [0.3, 1]]}
    npv = sim["results"]["outputs"]["Model!B18"]

    bins = chart_option(driver, "histogram")["series"][0]["data"]
    assert [b[2] for b in bins] == npv["histogram"]["counts"]
    assert [b[0] for b in bins] + [bins[-1][1]] == npv["histogram"]["edges"]
    assert sum(b[2] for b in bins) == 10_000
    bars = chart_option(driver, "tornado")
    expected = sorted(sim["results"]["sensitivity"]["Model!B18"]["inputs"],
                      key=lambda i: abs(i["spearman"]))
    assert bars["yAxis"][0]["data"] == [i["input"] for i in expected]
    assert bars["series"][0]["data"] == [i["spearman"] for i in expected]
    assert set(bars["yAxis"][0]["data"]) == {"Model!B2", "Model!B3", "Model!B4"}

    # the delimiters start at the 5th and 95th percentiles; dragged, they move; typed at the
    # median, half is below
    assert text_of(driver, "[data-testid=p-between]") == "90.0 %"
    assert text_of(driver, "[data-testid=p-left]") == "5.0 %"
    drag_left_delimiter(driver, 80)
    assert float(text_of(driver, "[data-testid=p-left]").rstrip(" %")) > 5
    set_value(driver, css(driver, "input[name=left]"), str(npv["median"]))
    assert text_of(driver, "[data-testid=p-left]") == "50.0 %"

    # the scatter: the run's first trials, the most influential input against the output; the
    # convergence of the mean and the 95th percentile over all its trials ends at the results'
    wait(driver, lambda: driver.execute_script("return !!window.riskstreamCharts.convergence"),
         "the scatter and the convergence", 60)
    drawn = chart_option(driver, "scatter")
    assert drawn["xAxis"][0]["name"] == expected[-1]["input"]
    sample = (await own_tenant.get(f"/v1/simulations/{simulation_id}/sample", params={
        "input": expected[-1]["input"], "output": "Model!B18", "n": 2_000})).json()
    assert drawn["series"][0]["data"] == [
        [x, y] for x, y in zip(sample["input_values"], sample["output_values"], strict=True)
        if y is not None]
    mean, p95 = chart_option(driver, "convergence")["series"]
    assert mean["data"][-1] == [10_000, pytest.approx(npv["mean"], rel=1e-9)]
    assert p95["data"][-1][1] == pytest.approx(
        next(p["value"] for p in npv["percentiles"] if p["p"] == 95), rel=1e-3)
    # a chart saved as PNG: the SVG drawn at twice its size
    png = driver.execute_async_script(
        "window.riskstreamPng('histogram').then(arguments[0], (e) => arguments[0](String(e)))")
    assert png.startswith("data:image/png;base64,"), png[:200]
    raw = base64.b64decode(png.split(",", 1)[1])
    width = driver.execute_script("return window.riskstreamCharts.histogram.getWidth()")
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(raw[16:20], "big") == 2 * width
    check_page(driver, "results")

    trail = wait(driver, lambda: css(driver, "[data-testid=audit]"), "the audit trail")
    assert "simulation.completed" in trail.get_attribute("textContent")

    # a second run with another seed, its CDF drawn over the first one's
    driver.get(f"{service.url}/#/workbooks/{sim['workbook_id']}")
    set_value(driver, wait(driver, lambda: css(driver, "input[name=seed]"), "the form"), "7")
    css(driver, "[data-testid=start]").click()
    Select(wait(driver, lambda: css(driver, "select[name=compare]"), "the runs to compare",
                60)).select_by_value(simulation_id)
    lines = wait(driver, lambda: len(chart_option(driver, "cdf")["series"]) == 2
                 and chart_option(driver, "cdf")["series"], "the two CDFs")
    assert [p[0] for p in lines[1]["data"]] == npv["cdf"]["x"]
    bars = chart_option(driver, "histogram")["series"]
    assert len(bars) == 2 and [b[0] for b in bars[1]["data"]] == npv["histogram"]["edges"][:-1]
    shoot(driver, "compare")

    # a long run, cancelled from the page while the bar moves
    driver.get(f"{service.url}/#/workbooks/{sim['workbook_id']}")
    set_value(driver, wait(driver, lambda: css(driver, "input[name=iterations]"), "the form"),
              "10000000")  # 100 chunks: seconds, even on a fast machine
    css(driver, "[data-testid=start]").click()
    wait(driver, lambda: "#/simulations/" in driver.current_url, "the long run's page")
    long_run = driver.current_url.rsplit("/", 1)[1]
    wait(driver, lambda: 0 < float(css(driver, "[data-testid=progress]").get_attribute(
        "aria-valuenow")) < 100, "the bar on its way", 120)
    css(driver, "[data-testid=cancel]").click()
    assert wait(driver, lambda: css(driver, ".page-head [data-status]").text == "cancelled",
                "the cancelled run", 60)
    assert (await own_tenant.get(f"/v1/simulations/{long_run}")).json()["status"] == "cancelled"

    driver.get(f"{service.url}/#/history")
    row = wait(driver, lambda: css(driver, f"tr[data-simulation='{simulation_id}']"),
               "the simulation in the history")
    assert "completed" in row.text and "10,000 / 10,000" in row.text
    check_page(driver, "history")

    # the account as a member: usage, and billing and keys refused in the API's words
    driver.get(f"{service.url}/#/account")
    usage = wait(driver, lambda: "This month" in text_of(driver, "[data-testid=usage-title]")
                 and text_of(driver, "[data-testid=usage-title]"), "the usage")
    used = (await own_tenant.get("/v1/usage", params={"granularity": "month"})).json()["totals"]
    assert f"This month {used['simulations']} {used['iterations']:,} " in usage
    assert "this needs the admin role; the credential's role is member" in wait(
        driver, lambda: text_of(driver, "[data-testid=billing-title] [data-testid=error]"),
        "the billing refusal")

    # signed out, then in again with an API key: a wrong one is refused in the API's words
    driver.find_element("xpath", "//button[text()='Sign out']").click()
    key = css(driver, "input[name=api_key]")
    key.send_keys("rsk_not_a_key")
    css(driver, "form[aria-labelledby=with-key] button").click()
    assert "the API key is unknown or revoked" in wait(
        driver, lambda: text_of(driver, "[data-testid=error]"), "the key's refusal")
    key.clear()
    key.send_keys(own_tenant.headers["Authorization"].removeprefix("Bearer "))
    css(driver, "form[aria-labelledby=with-key] button").click()
    assert wait(driver, lambda: text_of(driver, "[data-testid=plan]"), "the plan") == \
        "Plan: enterprise"
    used = (await own_tenant.get("/v1/usage", params={"granularity": "month"})).json()["totals"]
    assert text_of(driver, "[data-testid=usage]") == (
        f"This month: {used['simulations']:,} simulations, {used['iterations']:,} iterations")

    # as the tenant's admin: billing, and a new API key shown once
    driver.get(f"{service.url}/#/account")
    wait(driver, lambda: "Total" in text_of(driver, "[data-testid=billing-title]"), "the bill")
    css(driver, "input[name=key_name]").send_keys("workbench test")
    css(driver, "[data-testid=keys-title] button[type=submit]").click()
    issued = wait(driver, lambda: text_of(driver, "[data-testid=shown-once]"), "the new key")
    assert issued.startswith("rsk_")
    check = httpx.get(f"{service.url}/v1/workbooks", headers={"Authorization": f"Bearer {issued}"})
    assert check.status_code == 200

    # a webhook endpoint added on the page, and its delivery attempts once a run has ended
    receiver = await Receiver(lambda request, nth: (204, {})).start()
    try:
        css(driver, "input[name=webhook_url]").send_keys(receiver.url)
        css(driver, "[data-testid=webhooks-title] button[type=submit]").click()
        endpoint = wait(driver, lambda: css(driver, "tr[data-endpoint]"), "the new endpoint")
        assert receiver.url in endpoint.text
        await start(own_tenant, {"workbook_id": sim["workbook_id"], "iterations": 1_000,
                                 "inputs": sim["request"]["inputs"], "outputs": ["Model!B18"]})
        await wait_until(lambda: any(r.payload["type"] == "simulation.completed"
                                     for r in receiver.delivered()), 60)
    finally:
        await receiver.stop()
    endpoint_id = endpoint.get_attribute("data-endpoint")
    tried: list[dict[str, Any]] = []
    for _ in range(100):  # the attempts' view follows the deliveries
        tried = (await own_tenant.get(f"/v1/webhooks/{endpoint_id}/attempts")).json()["attempts"]
        if len(tried) >= len(receiver.delivered()):
            break
        await asyncio.sleep(0.1)
    css(driver, f"tr[data-endpoint='{endpoint_id}']"
                " button[aria-label^='Attempts']").click()
    rows = wait(driver, lambda: driver.find_elements(
        "css selector", "[data-testid=webhook-attempts] tr[data-attempt]"), "the attempts")
    shown = [r.get_attribute("data-attempt") for r in rows]
    after = [a["attempt_id"] for a in
             (await own_tenant.get(f"/v1/webhooks/{endpoint_id}/attempts")).json()["attempts"]]
    # newest first, and attempts may still come (a retry to the stopped receiver): the page
    # shows the attempts listed before it, and the list after it has only newer ones above
    assert shown[len(shown) - len(tried):] == [a["attempt_id"] for a in tried]
    assert after[len(after) - len(shown):] == shown
    assert "simulation.completed" in text_of(driver, "[data-testid=webhook-attempts]")
    check_page(driver, "account")


async def test_workbooks_are_listed_newest_first_a_page_at_a_time(
        own_tenant: httpx.AsyncClient) -> None:
    uploaded = [(await upload_example(own_tenant))["workbook_id"] for _ in range(3)]
    first = (await own_tenant.get("/v1/workbooks", params={"limit": 2})).json()
    assert [w["workbook_id"] for w in first["workbooks"]] == uploaded[::-1][:2]
    assert first["has_more"] and first["workbooks"][0]["formula_count"] == 30
    rest = (await own_tenant.get("/v1/workbooks", params={
        "limit": 2, "cursor": first["next_cursor"]})).json()
    assert [w["workbook_id"] for w in rest["workbooks"]] == [uploaded[0]]
    assert rest["next_cursor"] is None and not rest["has_more"]
    assert (await own_tenant.get("/v1/workbooks", params={"status": "rejected"})
            ).json()["workbooks"] == []

    bad = await own_tenant.get("/v1/workbooks", params={"cursor": "w1.bm90IGEgY3Vyc29y"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["loc"] == ["query", "cursor"]


async def test_a_sheet_reads_as_values_and_formulas(own_tenant: httpx.AsyncClient) -> None:
    workbook_id = (await upload_example(own_tenant))["workbook_id"]
    sheet = (await own_tenant.get(f"/v1/workbooks/{workbook_id}/sheets/Model")).json()
    cells = {c["cell"]: c for c in sheet["cells"]}
    assert (sheet["rows"], sheet["columns"], sheet["range"]) == (20, 6, "A1:F20")
    assert cells["B2"] == {"cell": "B2", "row": 2, "column": 2, "value": 10000, "formula": None}
    assert cells["B11"]["formula"] == "=$B$2*(1+$B$6)^(A11-1)"
    assert cells["B11"]["value"] == 10000
    assert cells["B3"]["value"] == pytest.approx((40 + 50 + 65) / 3)  # RiskTriang's mean
    window = (await own_tenant.get(f"/v1/workbooks/{workbook_id}/sheets/Model",
                                   params={"range": "A10:B11"})).json()
    assert [c["cell"] for c in window["cells"]] == ["A10", "B10", "A11", "B11"]
    assert window["truncated"]

    missing = await own_tenant.get(f"/v1/workbooks/{workbook_id}/sheets/Nope")
    assert missing.status_code == 404 and "['Model']" in missing.json()["detail"]
    too_big = await own_tenant.get(f"/v1/workbooks/{workbook_id}/sheets/Model",
                                   params={"range": "A1:Z1000"})
    assert too_big.status_code == 422 and too_big.json()["errors"][0]["loc"] == [
        "query", "range"]


def _cash_flow_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Cash Flow"
    sheet["A1"], sheet["B1"] = "Revenue", 100
    sheet["A2"], sheet["B2"] = "Profit", "=B1*0.2"
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


async def test_sheet_names_with_spaces_are_taken_quoted_or_not(
        own_tenant: httpx.AsyncClient) -> None:
    answer = await own_tenant.post("/v1/workbooks", files={"file": (
        "cash-flow.xlsx", _cash_flow_workbook(), XLSX)})
    workbook = await poll(own_tenant, f"/v1/workbooks/{answer.json()['workbook_id']}",
                          {"parsed", "rejected"})
    assert workbook["summary"]["candidate_outputs"] == ["Cash Flow!B2"]
    for inputs, outputs in ((["Cash Flow!B1"], ["'Cash Flow'!B2"]),
                            (["'Cash Flow'!B1"], ["Cash Flow!B2"])):
        response = await start(own_tenant, {
            "workbook_id": workbook["workbook_id"], "iterations": 1000, "seed": 1,
            "inputs": {inputs[0]: "uniform(50, 150)"}, "outputs": outputs})
        assert response.status_code == 202, response.text
        sim = await poll(own_tenant, f"/v1/simulations/{response.json()['simulation_id']}",
                         ENDED)
        assert sim["status"] == "completed", json.dumps(sim)[:500]
        # outputs are named as the parser lists cells, inputs as the request named them
        results = sim["results"]
        assert list(results["outputs"]) == ["Cash Flow!B2"]
        assert results["outputs"]["Cash Flow!B2"]["mean"] == pytest.approx(20, rel=0.01)
        assert [i["input"] for i in results["sensitivity"]["Cash Flow!B2"]["inputs"]] == inputs
    sheet = await own_tenant.get(f"/v1/workbooks/{workbook['workbook_id']}/sheets/Cash Flow")
    assert sheet.status_code == 200 and len(sheet.json()["cells"]) == 4


def test_the_page_is_served_at_the_root_and_the_api_keeps_its_404s(service: Service) -> None:
    page = httpx.get(f"{service.url}/")
    assert page.status_code == 200 and "RiskStream workbench" in page.text
    assert "https://" not in page.text  # nothing fetched from elsewhere at run time
    unknown = httpx.post(f"{service.url}/v1/no-such-route")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
