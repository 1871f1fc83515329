"""The workbench in Debian's headless Chromium: the time to the first chart of a 10,000-iteration
run of the example workbook.

Two figures per run: from the start of the run (the API's answer to the POST) to its histogram
drawn in the page, which holds the run, its end seen over server-sent events and the results'
drawing; and from opening the page of the completed run to its histogram drawn, the page alone.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from app.ops.admin import create_tenant
from app.ops.launcher import launched
from bench import scratch
from bench.spine import EXAMPLE
from infra.settings import Settings

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
REQUEST = {"inputs": {"Model!B2": {"distribution": "normal", "params": [10000, 1500]},
                      "Model!B4": {"distribution": "pert", "params": [27, 30, 36]}},
           "outputs": ["Model!B18"], "iterations": 10_000}
# set the page on the simulation, then answer once its histogram is drawn (a frame later)
OPEN_AND_WAIT = """
const [id, done] = arguments;
const start = performance.now();
window.riskstreamCharts = {};
window.location.hash = '#/simulations/' + id;
const look = () => window.riskstreamCharts.histogram ? done(performance.now() - start)
                                                     : requestAnimationFrame(look);
look();
"""


@contextmanager
def chromium() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1366,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


async def _tenant(settings: Settings, url: str) -> tuple[httpx.AsyncClient, str, str]:
    tenant = await create_tenant(settings, "bench-workbench", "enterprise")
    client = httpx.AsyncClient(base_url=url, timeout=120,
                               headers={"Authorization": f"Bearer {tenant['api_key']}"})
    upload = await client.post("/v1/workbooks", files={"file": (EXAMPLE.name,
                                                                EXAMPLE.read_bytes())})
    workbook_id = upload.json()["workbook_id"]
    while (await client.get(f"/v1/workbooks/{workbook_id}")).json().get("status") != "parsed":
        await asyncio.sleep(0.05)
    return client, workbook_id, str(tenant["api_key"])


def _sign_in(driver: Any, url: str, api_key: str) -> None:
    driver.get(f"{url}/#/signin")
    deadline = time.monotonic() + 30
    while not driver.find_elements("css selector", "input[name=api_key]"):
        if time.monotonic() > deadline:
            raise RuntimeError("the sign-in page did not show")
        time.sleep(0.1)
    driver.find_element("css selector", "input[name=api_key]").send_keys(api_key)
    driver.find_element("css selector", "form[aria-labelledby=with-key] button").click()
    while not driver.find_elements("css selector", "[data-testid=plan]"):
        if time.monotonic() > deadline:
            raise RuntimeError("signing in with the API key did not finish")
        time.sleep(0.1)


def measure(settings: Settings, url: str, runs: int) -> dict[str, Any]:
    loop = asyncio.new_event_loop()
    client, workbook_id, api_key = loop.run_until_complete(_tenant(settings, url))
    to_chart, page_only = [], []
    try:
        with chromium() as driver:
            _sign_in(driver, url, api_key)
            previous = None
            for seed in range(runs + 1):  # the first one warms the page and the runner up
                answer = loop.run_until_complete(client.post("/v1/simulations", json={
                    "workbook_id": workbook_id, **REQUEST, "seed": seed}))
                answer.raise_for_status()
                started = time.perf_counter()
                driver.execute_async_script(OPEN_AND_WAIT, answer.json()["simulation_id"])
                whole = time.perf_counter() - started
                if previous is not None:  # the page of the run before, completed by now
                    to_chart.append(whole * 1000)
                    page_only.append(float(driver.execute_async_script(OPEN_AND_WAIT, previous)))
                previous = answer.json()["simulation_id"]
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()
    return {
        "iterations": REQUEST["iterations"], "runs": runs,
        "start_to_chart_ms": {"p50": statistics.median(to_chart), "max": max(to_chart)},
        "page_to_chart_ms": {"p50": statistics.median(page_only), "max": max(page_only)},
    }


def run(runs: int = 5) -> dict[str, Any]:
    settings = scratch.own("bench-wb-")
    with tempfile.TemporaryDirectory() as logs, launched(settings, Path(logs)) as service:
        return measure(settings, service.url, runs)


def table(result: dict[str, Any]) -> str:
    whole, page = result["start_to_chart_ms"], result["page_to_chart_ms"]
    return (f"workbench, {result['iterations']:,} iterations, {result['runs']} runs: run start →"
            f" histogram drawn p50 {whole['p50']:.0f} ms (max {whole['max']:.0f} ms); completed"
            f" run's page opened → histogram drawn p50 {page['p50']:.0f} ms"
            f" (max {page['max']:.0f} ms)")
