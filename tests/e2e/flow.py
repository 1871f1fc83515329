"""Steps the end-to-end tests share: upload a workbook, start a simulation, wait for an end."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import EXAMPLE

ENDED = {"completed", "failed", "rejected", "cancelled"}


async def poll(client: httpx.AsyncClient, path: str, until: set[str], timeout_s: float = 60
               ) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        response = await client.get(path)
        if response.status_code == 200 and response.json()["status"] in until:
            return dict(response.json())
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{path} never reached {until}: {response.text[:500]}")
        await asyncio.sleep(0.1)


async def upload_example(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post("/v1/workbooks", files={"file": (
        EXAMPLE.name, EXAMPLE.read_bytes(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
    assert response.status_code == 202, response.text
    return await poll(client, f"/v1/workbooks/{response.json()['workbook_id']}",
                      {"parsed", "rejected"})


async def start(client: httpx.AsyncClient, body: dict[str, Any],
                headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.post("/v1/simulations", json=body, headers=headers or {})


async def upload_cells(client: httpx.AsyncClient, cells: dict[str, object],
                       filename: str = "model.xlsx") -> str:
    """The id of a one-sheet workbook ("Model") holding ``cells`` ({"A1": "=RiskNormal(0, 1)"}),
    uploaded and parsed."""
    from tests.unit.engines.excel_sheet import model_workbook

    uploaded = await client.post("/v1/workbooks",
                                 files={"file": (filename, model_workbook(**cells))})
    assert uploaded.status_code == 202, uploaded.text
    workbook = await poll(client, uploaded.json()["links"]["self"], {"parsed", "rejected"})
    assert workbook["status"] == "parsed", workbook
    return str(workbook["workbook_id"])


async def upload_compound(client: httpx.AsyncClient, frequency: str) -> str:
    """A workbook whose output adds ``RiskCompound(frequency, RiskNormal(0, 1))``: as heavy a
    run a trial as the frequency says (``RiskPoisson(6000)``: six thousand draws a trial)."""
    return await upload_cells(client, {"A1": f"=RiskCompound({frequency}, RiskNormal(0, 1))",
                                       "B1": "=RiskOutput()+A1"}, "heavy.xlsx")
