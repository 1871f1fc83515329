"""A workbook parsed under its plan's limits stays viewable after the plan shrinks: its sheet
view and a run's sample read it as the runner does (they answered 500, the workbook past the
new plan's formula limit)."""

from __future__ import annotations

import httpx

from tests.e2e.accounts import new_tenant
from tests.e2e.flow import ENDED, poll, start, upload_cells
from tests.integration.helpers import wait_for


async def test_a_workbook_past_the_new_plans_limits_is_still_shown(
        operator: httpx.AsyncClient) -> None:
    admin = await new_tenant(operator, "pro")
    workbook_id = await upload_cells(admin, {  # 1,500 formulas: past the free plan's 1,000
        "A1": "=RiskNormal(100, 10)", "B1": "=RiskOutput()+A1501",
        **{f"A{row}": f"=A{row - 1}+1" for row in range(2, 1_502)}}, "chain.xlsx")
    response = await start(admin, {"workbook_id": workbook_id, "iterations": 500})
    sim = await poll(admin, f"/v1/simulations/{response.json()['simulation_id']}", ENDED)
    assert sim["status"] == "completed", sim
    tenant_id = admin.tenant_id  # type: ignore[attr-defined]
    assert (await operator.put(f"/v1/tenants/{tenant_id}/plan", json={"plan": "free"})
            ).status_code == 202

    async def free() -> bool:
        return (await admin.get("/v1/billing")).json()["plan"] == "free"

    await wait_for(free)
    view = await admin.get(f"/v1/workbooks/{workbook_id}/sheets/Model",
                           params={"range": "A1500:B1501"})
    assert view.status_code == 200, view.text
    assert {c["cell"]: c["value"] for c in view.json()["cells"]}["A1501"] == 1600
    sample = await admin.get(f"/v1/simulations/{sim['simulation_id']}/sample",
                             params={"input": "Model!A1", "output": "Model!B1", "n": 10})
    assert sample.status_code == 200, sample.text
    assert len(sample.json()["output_values"]) == 10
