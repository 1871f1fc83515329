"""The demo ``make up`` runs: upload the example workbook through the REST API, simulate it,
follow its progress and print the results."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "project-npv.xlsx"
DEMO_REQUEST = {
    "inputs": {"Model!B2": "normal(10000, 1500)", "Model!B4": "pert(26, 30, 38)"},
    "outputs": ["Model!B17", "Model!B18"],
    "iterations": 10_000,
    "seed": 2026,
}


def _wait(client: httpx.Client, path: str, done: set[str], timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get(path)
        if response.status_code == 200 and response.json()["status"] in done:
            return dict(response.json())
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not reach {sorted(done)}: {response.text[:300]}")
        time.sleep(0.2)


def run_demo(base_url: str, api_key: str, timeout_s: float = 120.0) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        with EXAMPLE.open("rb") as f:
            upload = client.post("/v1/workbooks", files={"file": (EXAMPLE.name, f)})
        upload.raise_for_status()
        workbook_id = upload.json()["workbook_id"]
        _wait(client, f"/v1/workbooks/{workbook_id}", {"parsed", "rejected"}, timeout_s)
        started = client.post("/v1/simulations", json={"workbook_id": workbook_id,
                                                       **DEMO_REQUEST})
        started.raise_for_status()
        simulation_id = started.json()["simulation_id"]
        return _wait(client, f"/v1/simulations/{simulation_id}",
                     {"completed", "failed", "rejected", "cancelled"}, timeout_s)
