"""A run's results are one event of the log: results of hundreds of outputs are recorded (the
broker's default of 1 MiB a record lost them, billed), and results too large for an event end
the run as failed, saying why, billed nothing, with the runner going on to the next run."""

from __future__ import annotations

import httpx

from tests.e2e.flow import ENDED, poll, start, upload_cells, upload_example


async def _outputs_workbook(client: httpx.AsyncClient, outputs: int) -> str:
    """A driver and ``outputs`` cells marked RiskOutput, each results of ~4 KB."""
    return await upload_cells(client, {"A1": "=RiskNormal(0, 1)", **{
        f"B{row}": f"=RiskOutput()+A1*{row}" for row in range(1, outputs + 1)}},
        "outputs.xlsx")


async def _run(client: httpx.AsyncClient, workbook_id: str) -> dict[str, object]:
    response = await start(client, {"workbook_id": workbook_id, "iterations": 200, "seed": 1})
    assert response.status_code == 202, response.text
    return await poll(client, f"/v1/simulations/{response.json()['simulation_id']}", ENDED,
                      timeout_s=120)


async def test_results_of_hundreds_of_outputs_are_recorded(own_tenant: httpx.AsyncClient
                                                           ) -> None:
    sim = await _run(own_tenant, await _outputs_workbook(own_tenant, 400))  # ~1.7 MB
    assert sim["status"] == "completed", sim
    assert len(sim["results"]["outputs"]) == 400  # type: ignore[index]


async def test_results_too_large_for_an_event_fail_the_run_alone(
        own_tenant: httpx.AsyncClient, enterprise: httpx.AsyncClient) -> None:
    sim = await _run(own_tenant, await _outputs_workbook(own_tenant, 2_100))  # ~8.7 MB
    assert sim["status"] == "failed", sim
    assert "too large to record" in str(sim["reason"]) and "2100 outputs" in str(sim["reason"])
    usage = (await own_tenant.get("/v1/usage")).json()
    assert usage["totals"]["iterations"] == 0, usage  # nothing billed for it
    # the runner goes on: another tenant's run after it completes
    example = await upload_example(enterprise)
    after = await start(enterprise, {"workbook_id": example["workbook_id"], "iterations": 1_000,
                                     "inputs": {"Model!B2": "normal(10000, 1500)"},
                                     "outputs": ["Model!B18"]})
    done = await poll(enterprise, f"/v1/simulations/{after.json()['simulation_id']}", ENDED)
    assert done["status"] == "completed", done
