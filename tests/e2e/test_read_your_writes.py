"""The id an accepted command hands out is found at once: with the PostgreSQL projector frozen
(SIGSTOP), so that the views cannot show what is new, a new workbook reads as uploaded (a run
of it is 409 retry, not 404) and a new simulation's links answer as a requested simulation
(read, newest in the list, progress stream, cancel), the workbook is listed first and a new
webhook endpoint is found and takes commands, to its own tenant only; thawed, the views take
over with the same documents, the cancel took effect, and a deleted endpoint is gone."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tests.conftest import EXAMPLE
from tests.e2e.conftest import Service
from tests.e2e.faults import processor_pids
from tests.e2e.flow import ENDED, poll, start, upload_example
from tests.integration.helpers import wait_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@contextmanager
def frozen(pids: list[int]) -> Iterator[None]:
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


async def test_a_new_simulation_is_found_before_the_views_show_it(
        service: Service, enterprise: httpx.AsyncClient, free: httpx.AsyncClient) -> None:
    workbook = await upload_example(enterprise)
    projectors = (await processor_pids(service.settings))["postgres-projector"]
    assert projectors
    with frozen(projectors):
        uploaded = await enterprise.post("/v1/workbooks", files={"file": (
            "again.xlsx", EXAMPLE.read_bytes(), XLSX)})
        assert uploaded.status_code == 202, uploaded.text
        new_workbook = await enterprise.get(uploaded.json()["links"]["self"])
        assert new_workbook.status_code == 200, new_workbook.text
        assert new_workbook.json()["status"] == "uploaded"
        assert new_workbook.json()["filename"] == "again.xlsx"
        size = len(EXAMPLE.read_bytes())  # one name for it, in the answer and the view
        assert uploaded.json()["size_bytes"] == new_workbook.json()["size_bytes"] == size
        too_soon = await start(enterprise, {"workbook_id": uploaded.json()["workbook_id"],
                                            "outputs": ["Model!B17"]})
        assert too_soon.status_code == 409 and too_soon.headers["retry-after"] == "1"
        assert (await free.get(uploaded.json()["links"]["self"])).status_code == 404
        new_id = uploaded.json()["workbook_id"]
        for status in ("", "uploaded"):  # listed first, as the views will list it
            page = (await enterprise.get("/v1/workbooks", params={
                "limit": 1, **({"status": status} if status else {})})).json()
            assert [(w["workbook_id"], w["status"]) for w in page["workbooks"]] == [
                (new_id, "uploaded")]
        more = [(await enterprise.post("/v1/workbooks", files={"file": (
            f"more{i}.xlsx", EXAMPLE.read_bytes(), XLSX)})).json()["workbook_id"]
            for i in range(3)]
        seen, cursor = [], None
        for _ in range(6):  # a page at a time, as a client pages: each new upload once
            page = (await enterprise.get("/v1/workbooks", params={
                "limit": 1, **({"cursor": cursor} if cursor else {})})).json()
            seen += [w["workbook_id"] for w in page["workbooks"]]
            cursor = page["next_cursor"]
        assert seen[:4] == [*reversed(more), new_id]  # newest first, none skipped
        page = (await enterprise.get("/v1/workbooks", params={"limit": 1})).json()
        assert page["has_more"] is True  # the parsed workbook follows on the next page
        following = (await enterprise.get("/v1/workbooks", params={
            "limit": 200, "cursor": page["next_cursor"]})).json()["workbooks"]
        later = [w["workbook_id"] for w in following]
        assert later[:3] == [more[1], more[0], new_id] and workbook["workbook_id"] in later
        assert more[2] not in later  # the first page's
        assert new_id not in {w["workbook_id"] for w in (await enterprise.get(
            "/v1/workbooks", params={"status": "parsed"})).json()["workbooks"]}
        assert new_id not in {w["workbook_id"] for w in (await free.get(
            "/v1/workbooks")).json()["workbooks"]}

        response = await start(enterprise, {
            "workbook_id": workbook["workbook_id"], "inputs": {"Model!B2": "normal(10000, 1500)"},
            "outputs": ["Model!B17"], "iterations": 2_000_000, "seed": 3})
        assert response.status_code == 202, response.text
        answer = response.json()
        sim_id = answer["simulation_id"]

        for status in ("", "requested"):  # listed first, as the views will list it
            listed = (await enterprise.get("/v1/simulations", params={
                "limit": 500, **({"status": status} if status else {})})).json()["simulations"]
            assert (listed[0]["simulation_id"], listed[0]["status"]) == (sim_id, "requested")
        running = await enterprise.get("/v1/simulations", params={"status": "running"})
        assert sim_id not in {s["simulation_id"] for s in running.json()["simulations"]}
        assert sim_id not in {s["simulation_id"] for s in (await free.get(
            "/v1/simulations")).json()["simulations"]}

        shown = await enterprise.get(answer["links"]["self"])
        assert shown.status_code == 200, shown.text
        sim = shown.json()
        assert (sim["simulation_id"], sim["status"], sim["workbook_id"], sim["iterations"]) == (
            sim_id, "requested", workbook["workbook_id"], 2_000_000)
        assert sim["request"]["simulation_id"] == sim_id
        assert sim["request"]["inputs"]["Model!B2"]["params"] == [10000, 1500]

        async with enterprise.stream("GET", answer["links"]["events"]) as events:
            assert events.status_code == 200

        assert (await free.get(answer["links"]["self"])).status_code == 404  # another tenant's
        assert (await free.post(f"/v1/simulations/{sim_id}/cancel")).status_code == 404
        assert (await enterprise.get(f"/v1/simulations/{sim_id}x")).status_code == 404

        cancelled = await enterprise.post(f"/v1/simulations/{sim_id}/cancel")
        assert cancelled.status_code == 202, cancelled.text

        hook = await enterprise.post("/v1/webhooks", json={
            "url": "http://127.0.0.1:9999/hook", "event_types": ["simulation."]})
        assert hook.status_code == 201, hook.text
        endpoint = f"/v1/webhooks/{hook.json()['endpoint_id']}"
        shown_hook = await enterprise.get(endpoint)
        assert shown_hook.status_code == 200 and shown_hook.json()["status"] == "enabled"
        assert "secret" not in shown_hook.json()
        assert (await enterprise.post(f"{endpoint}/rotate-secret")).status_code == 200
        assert (await enterprise.get(f"{endpoint}/attempts")).status_code == 200
        assert (await free.get(endpoint)).status_code == 404

    parsed = await poll(enterprise, uploaded.json()["links"]["self"], {"parsed"})
    assert set(parsed) == set(new_workbook.json())
    assert parsed["uploaded_at"] == new_workbook.json()["uploaded_at"]
    listed = (await enterprise.get("/v1/workbooks", params={"limit": 200})).json()["workbooks"]
    assert [w["workbook_id"] for w in listed].count(new_id) == 1  # the views' row alone
    assert next(w for w in listed if w["workbook_id"] == new_id)["status"] == "parsed"
    async def rotated() -> dict[str, Any] | None:  # the views' document, once applied
        found = (await enterprise.get(endpoint)).json()
        return found if found.get("rotated_at") else None

    assert set(await wait_for(rotated)) == set(shown_hook.json())
    assert (await enterprise.delete(endpoint)).status_code == 202
    gone = await wait_for(lambda: _status(enterprise, endpoint, 404))
    assert gone  # deleted, though the note of its registration is still kept
    ended = await poll(enterprise, f"/v1/simulations/{sim_id}", ENDED, timeout_s=90)
    assert ended["status"] == "cancelled", ended
    assert set(ended) == set(sim)  # the same document as the views'
    assert ended["request"] == sim["request"]
    assert ended["requested_at"] == sim["requested_at"]


async def _status(client: httpx.AsyncClient, path: str, status: int) -> bool:
    return (await client.get(path)).status_code == status
