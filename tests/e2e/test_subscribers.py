"""Event subscribers end to end: cursor paging and filters, a stream paused and resumed from
Last-Event-ID without gaps or repeats, readers of two tenants woken together, a reader too far
behind cut off with the cursor to catch up from, an aggregate's audit trail, `riskstream audit
verify` on the live log, and the catalogue."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from app.ops import cli
from tests.conftest import EXAMPLE
from tests.e2e.conftest import Service
from tests.e2e.flow import ENDED, poll, start, upload_example
from tests.e2e.sse import Frame, all_events, frames

STREAM = "/v1/events/stream"


async def settled(client: httpx.AsyncClient, at_least: int = 0) -> list[str]:
    """The tenant's event ids once there are ``at_least`` and no new one has come for a second
    and a half (or two minutes have passed: the caller's assertion says what is missing)."""
    previous: list[str] = []
    deadline = asyncio.get_running_loop().time() + 120
    while True:
        current = [e["id"] for e in (await client.get("/v1/events",
                                                      params={"limit": 1000})).json()["events"]]
        if current == previous and (len(current) >= at_least
                                    or asyncio.get_running_loop().time() > deadline):
            return current
        previous = current
        await asyncio.sleep(1.5)


async def test_a_paused_stream_resumes_from_last_event_id_without_gaps(
        own_tenant: httpx.AsyncClient) -> None:
    before = await settled(own_tenant)
    first: list[Frame] = []
    async with own_tenant.stream("GET", STREAM) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        upload = asyncio.create_task(upload_example(own_tenant))
        async for frame in frames(response):
            if frame.event != "heartbeat":
                first.append(frame)
            if len(first) == 2:
                break  # the reader goes away mid-stream
    workbook = await upload
    run = await start(own_tenant, {"workbook_id": workbook["workbook_id"],
                                   "outputs": ["Model!B17"], "iterations": 2000})
    await poll(own_tenant, f"/v1/simulations/{run.json()['simulation_id']}", ENDED)
    expected = (await settled(own_tenant))[len(before):]

    resumed: list[Frame] = []
    async with own_tenant.stream("GET", STREAM, headers={"Last-Event-ID": first[-1].id or ""}
                                 ) as response:
        async for frame in frames(response):
            if frame.event == "heartbeat" and len(first) + len(resumed) >= len(expected):
                break  # idle, and everything has come: anything extra would have been sent
            if frame.event != "heartbeat":
                resumed.append(frame)
    streamed = [f.data["id"] for f in first + resumed]
    assert streamed == expected
    assert all(f.event == f.data["type"] for f in first + resumed)


async def newest(client: httpx.AsyncClient) -> str:
    """The cursor after the tenant's newest event the feed holds now."""
    cursor = ""
    while True:
        page = (await client.get("/v1/events", params={"limit": 1000, "cursor": cursor})).json()
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return str(cursor)


async def test_readers_woken_together_see_their_own_tenants_events_alike(
        own_tenant: httpx.AsyncClient, enterprise: httpx.AsyncClient) -> None:
    """Several readers of two tenants, woken by the same notices and sharing reads: each
    reader gets its own tenant's events only, and readers of one tenant get the same ones."""

    async def read(client: httpx.AsyncClient, opened: asyncio.Event, workbook: asyncio.Future[str]
                   ) -> list[dict[str, object]]:
        """The reader's events up to the parsing of ``workbook`` (known once it is uploaded),
        from the tenant's newest event when the test began: readers opened one after another
        at "now" would differ by whatever of the tenant's earlier work (its creation, another
        test's run) the projector applied in between."""
        got: list[dict[str, object]] = []
        async with client.stream("GET", STREAM, params={"cursor": start[client.tenant_id]}  # type: ignore[attr-defined]
                                 ) as response:
            opened.set()
            async for frame in frames(response):  # a heartbeat a second when idle
                if frame.event != "heartbeat":
                    got.append(frame.data)
                parsed = [n for n, e in enumerate(got) if workbook.done() and (
                    e["type"], e["key"]) == ("workbook.parsed", workbook.result())]
                if parsed:
                    return got[:parsed[0] + 1]
        raise AssertionError("the stream ended early")

    clients = {c.tenant_id: c for c in (own_tenant, enterprise)}  # type: ignore[attr-defined]
    start = {tenant: await newest(client) for tenant, client in clients.items()}
    uploaded = {tenant: asyncio.get_running_loop().create_future() for tenant in clients}
    readers = []
    for tenant, client in clients.items():
        for _ in range(3):
            opened = asyncio.Event()
            readers.append((tenant, asyncio.create_task(read(client, opened, uploaded[tenant]))))
            await opened.wait()
    async with asyncio.timeout(90):
        workbooks = await asyncio.gather(*(upload_example(c) for c in clients.values()))
        for tenant, workbook in zip(clients, workbooks, strict=True):
            uploaded[tenant].set_result(workbook["workbook_id"])
        seen = {tenant: [await task for t, task in readers if t == tenant] for tenant in clients}
    for tenant, streams in seen.items():
        assert {e["tenant_id"] for stream in streams for e in stream} == {tenant}
        ids = [[e["id"] for e in stream] for stream in streams]
        assert len(ids[0]) >= 2 and all(i == ids[0] for i in ids)


async def test_pages_filters_and_a_reader_too_far_behind(own_tenant: httpx.AsyncClient) -> None:
    workbook = await upload_example(own_tenant)
    for _ in range(25):  # two events each, uploaded and parsed
        response = await own_tenant.post("/v1/workbooks", files={"file": (
            EXAMPLE.name, EXAMPLE.read_bytes(), "application/octet-stream")})
        assert response.status_code == 202
    everything = await settled(own_tenant, at_least=52)  # parsing 26 uploads takes a while
    assert len(everything) > 50 and len(set(everything)) == len(everything)
    assert [e["id"] for e in await all_events(own_tenant)] == everything

    parsed = await all_events(own_tenant, type="workbook.parsed")
    assert len(parsed) == 26 and {e["type"] for e in parsed} == {"workbook.parsed"}
    trail = await all_events(own_tenant, aggregate=workbook["workbook_id"])
    assert [e["type"] for e in trail] == ["workbook.uploaded", "workbook.parsed"]

    async with own_tenant.stream("GET", STREAM, params={"cursor": "c1."}) as response:
        got = [f async for f in frames(response)]
    assert [f.event for f in got] == ["cutoff"]
    assert "more than 50 events behind" in got[0].data["reason"]
    catch_up = (await own_tenant.get("/v1/events", params={"cursor": got[0].data["cursor"],
                                                           "limit": 1000})).json()
    assert [e["id"] for e in catch_up["events"]] == everything

    bad = await own_tenant.get("/v1/events", params={"cursor": "c1.@@"})
    assert bad.status_code == 422 and "cursor" in bad.text
    bad = await own_tenant.get(STREAM, headers={"Last-Event-ID": "42"})
    assert bad.status_code == 422 and "Last-Event-ID" in bad.text


async def test_the_audit_trail_of_a_simulation_and_the_catalogue(
        own_tenant: httpx.AsyncClient) -> None:
    workbook = await upload_example(own_tenant)
    run = await start(own_tenant, {"workbook_id": workbook["workbook_id"],
                                   "outputs": ["Model!B17"], "iterations": 1000})
    simulation_id = run.json()["simulation_id"]
    await poll(own_tenant, f"/v1/simulations/{simulation_id}", ENDED)
    await settled(own_tenant)
    trail = (await own_tenant.get("/v1/audit/events",
                                  params={"aggregate": simulation_id})).json()["events"]
    kinds = [t["what"] for t in trail]
    for kind in ("simulation.requested", "simulation.accepted", "simulation.started",
                 "simulation.completed", "usage.recorded", "simulation.released"):
        assert kind in kinds
    ids = {t["event_id"]: t for t in trail}
    requested = next(t for t in trail if t["what"] == "simulation.requested")
    assert {t["correlation_id"] for t in trail} == {requested["event_id"]}
    for t in trail:
        assert t["caused_by"] is None or t["caused_by"] in ids
        assert len(t["log"]["chain_hash"]) == 64 and t["when"]
    missing = await own_tenant.get("/v1/audit/events")
    assert missing.status_code == 422 and "aggregate" in missing.text

    catalogue = (await own_tenant.get("/v1/events/catalogue")).json()
    completed = next(e for e in catalogue["events"] if e["type"] == "simulation.completed")
    assert completed["schema"]["type"] == "object" and completed["example"]["data"]


def test_audit_verify_passes_on_the_live_log(service: Service, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RISKSTREAM_TOPIC_PREFIX", service.settings.topic_prefix)
    for extra in ([], ["--tenant", "nobody"]):
        assert cli.main(["audit", "verify", *extra]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["ok"] and report["first_break"] is None
    assert report["partitions"] == 0  # a tenant without events has no partition to check
