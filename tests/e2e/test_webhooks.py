"""Webhooks end to end, to receivers on loopback: retries until success deliver each event
exactly once per webhook-id with valid signatures and attempts recorded; re-deliveries (one
message, a time range, after a secret rotation) keep the webhook-id and carry both signatures;
410 disables an endpoint until it is enabled again; an endpoint failing for the configured period
is disabled; a slow endpoint delays no other; unsafe URLs are refused; a replay of the views
equals the live ones and a dispatcher rebuilt from the log sends nothing again."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from infra import postgres
from infra.secretbox import is_sealed, secret_box
from projections.postgres import checksum
from projections.replay import replay_postgres
from streams.log import EventLog
from streams.processors.webhooks import WebhookDispatcher
from streams.webhooks.signing import verify
from tests.e2e.conftest import Service
from tests.e2e.flow import upload_example
from tests.e2e.receiver import Received, Receiver, wait_until
from tests.integration.helpers import events_of

TYPES = ["webhook.endpoint_registered", "workbook."]


def fail_twice(request: Received, nth: int) -> tuple[int, dict[str, str]]:
    return (503, {"retry-after": "0"}) if nth == 1 else (500, {}) if nth == 2 else (204, {})


async def register(client: httpx.AsyncClient, receiver: Receiver,
                   types: list[str] | None = None) -> dict[str, Any]:
    response = await client.post("/v1/webhooks", json={
        "url": receiver.url, "event_types": types or TYPES, "description": "e2e"})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def disabled(client: httpx.AsyncClient, endpoint_id: str) -> dict[str, Any]:
    """The endpoint once it is disabled (it may be in the views only a moment after its
    registration)."""
    for _ in range(150):
        state = (await client.get(f"/v1/webhooks/{endpoint_id}")).json()
        if state.get("status") == "disabled":
            return dict(state)
        await asyncio.sleep(0.1)
    raise TimeoutError(f"endpoint {endpoint_id} is still {state}")


async def attempts_of(client: httpx.AsyncClient, endpoint_id: str, count: int
                      ) -> list[dict[str, Any]]:
    for _ in range(200):
        listed = (await client.get(f"/v1/webhooks/{endpoint_id}/attempts")).json()["attempts"]
        if len(listed) >= count:
            return list(listed)
        await asyncio.sleep(0.1)
    raise TimeoutError(f"fewer than {count} attempts recorded: {listed}")


async def test_retries_deliver_each_event_once_signed_and_recorded(
        own_tenant: httpx.AsyncClient) -> None:
    receiver = await Receiver(fail_twice).start()
    endpoint = await register(own_tenant, receiver)
    secret, endpoint_id = endpoint["secret"], endpoint["endpoint_id"]
    assert secret.startswith("whsec_") and endpoint["status"] == "enabled"
    await wait_until(lambda: len(receiver.delivered()) == 1)  # its own registration
    workbook = await upload_example(own_tenant)
    await wait_until(lambda: len(receiver.delivered()) == 3)
    await asyncio.sleep(1.5)  # nothing more may arrive

    for request, _ in receiver.requests:
        verify(secret, request.headers, request.body)
        assert set(request.payload) == {"type", "timestamp", "data"}
    delivered = receiver.delivered()
    ids = [r.message_id for r in delivered]
    assert len(set(ids)) == len(ids) == 3
    assert Counter(r.message_id for r, _ in receiver.requests) == {i: 3 for i in ids}
    assert [r.payload["type"] for r in delivered] == [  # one aggregate: in log order
        "webhook.endpoint_registered", "workbook.uploaded", "workbook.parsed"]
    assert delivered[1].payload["data"]["key"] == workbook["workbook_id"]
    assert delivered[0].payload["data"]["data"]["secret"] == "[redacted]"

    attempts = await attempts_of(own_tenant, endpoint_id, 9)
    by_message = {i: sorted((a["attempt"], a["status_code"], a["outcome"])
                            for a in attempts if a["message_id"] == i) for i in ids}
    assert all(v == [(1, 503, "retrying"), (2, 500, "retrying"), (3, 204, "delivered")]
               for v in by_message.values())
    assert all(a["latency_ms"] >= 0 and a["event_type"] for a in attempts)

    rotated = (await own_tenant.post(f"/v1/webhooks/{endpoint_id}/rotate-secret")).json()
    again = await own_tenant.post(f"/v1/webhooks/{endpoint_id}/redeliver",
                                  json={"message_id": ids[2]})
    assert again.status_code == 202 and again.json()["messages"] == [ids[2]]
    await wait_until(lambda: len(receiver.delivered()) == 4)
    resent = receiver.delivered()[3]
    assert resent.message_id == ids[2] and resent.body == delivered[2].body
    assert len(resent.headers["webhook-signature"].split()) == 2
    for key in (secret, rotated["secret"]):
        verify(key, resent.headers, resent.body)
    missing = await own_tenant.post(f"/v1/webhooks/{endpoint_id}/redeliver",
                                    json={"message_id": "msg_nope"})
    assert missing.status_code == 404
    everything = await own_tenant.post(f"/v1/webhooks/{endpoint_id}/redeliver",
                                       json={"since": "2020-01-01T00:00:00Z"})
    assert everything.status_code == 202 and sorted(everything.json()["messages"]) == sorted(ids)
    await wait_until(lambda: len(receiver.delivered()) == 7)
    assert [r.message_id for r in receiver.delivered()[4:]] == ids
    neither = await own_tenant.post(f"/v1/webhooks/{endpoint_id}/redeliver", json={})
    assert neither.status_code == 422 and "message_id" in neither.text
    await receiver.stop()


async def test_410_disables_the_endpoint_until_it_is_enabled(
        own_tenant: httpx.AsyncClient) -> None:
    gone = [True]
    receiver = await Receiver(lambda request, nth: (410, {}) if gone[0] else (204, {})).start()
    endpoint = await register(own_tenant, receiver)
    endpoint_id = endpoint["endpoint_id"]
    await wait_until(lambda: len(receiver.requests) == 1)
    state = await disabled(own_tenant, endpoint_id)
    assert "410" in state["reason"]
    await upload_example(own_tenant)
    await asyncio.sleep(1)
    assert len(receiver.requests) == 1
    events = (await own_tenant.get("/v1/events",
                                   params={"type": "webhook.endpoint_disabled"})).json()
    assert [e["data"]["endpoint_id"] for e in events["events"]] == [endpoint_id]

    gone[0] = False
    assert (await own_tenant.post(f"/v1/webhooks/{endpoint_id}/enable")).status_code == 202
    workbook = await upload_example(own_tenant)
    await wait_until(lambda: len(receiver.delivered()) == 2)
    assert {r.payload["data"]["key"] for r in receiver.delivered()} == {workbook["workbook_id"]}
    again = await own_tenant.post(f"/v1/webhooks/{endpoint_id}/enable")
    assert again.status_code == 409 and "already enabled" in again.text
    await receiver.stop()


async def test_an_endpoint_failing_for_the_period_is_disabled(
        own_tenant: httpx.AsyncClient) -> None:
    receiver = await Receiver(lambda request, nth: (500, {})).start()
    endpoint = await register(own_tenant, receiver)
    state = await disabled(own_tenant, endpoint["endpoint_id"])
    assert "every attempt failed for 4 s" in state["reason"]
    attempts = await attempts_of(own_tenant, endpoint["endpoint_id"], 2)
    assert attempts[0]["outcome"] == "failed" and attempts[0]["status_code"] == 500
    await receiver.stop()


async def test_a_slow_endpoint_delays_no_other(own_tenant: httpx.AsyncClient) -> None:
    release = asyncio.Event()
    slow = await Receiver(lambda request, nth: (204, {}), hold=release).start()
    fast = await Receiver(lambda request, nth: (204, {})).start()
    for receiver in (slow, fast):
        await register(own_tenant, receiver, ["workbook."])
    await asyncio.sleep(1)  # both registrations reach the fan-out
    await upload_example(own_tenant)
    await wait_until(lambda: len(fast.delivered()) == 2)
    assert slow.delivered() == []  # still holding its first message
    release.set()
    await wait_until(lambda: len({r.message_id for r in slow.delivered()}) == 2)
    for receiver in (slow, fast):
        await receiver.stop()


async def test_unsafe_urls_and_unknown_types_are_refused(
        own_tenant: httpx.AsyncClient) -> None:
    cases = [({"url": "ftp://127.0.0.1:2121/x"}, "https:// or http://"),
             ({"url": "http://127.0.0.1:80/x"}, "allowed ports: 1024-65535"),
             ({"url": "http://127.0.0.1:9/x", "event_types": ["simulation.done"]},
              "no event type"),
             ({"url": "http://127.0.0.1:9/x", "event_types": ["webhook.attempted"]},
              "no event type")]
    for body, message in cases:
        response = await own_tenant.post("/v1/webhooks", json=body)
        assert response.status_code == 422 and message in response.text, response.text
    assert (await own_tenant.get("/v1/webhooks/ep_unknown")).status_code == 404


async def test_replay_equals_live_and_a_rebuilt_dispatcher_sends_nothing_again(
        service: Service, own_tenant: httpx.AsyncClient) -> None:
    receiver = await Receiver(fail_twice).start()
    registered = await register(own_tenant, receiver)
    endpoint_id = registered["endpoint_id"]
    await upload_example(own_tenant)
    await wait_until(lambda: len(receiver.delivered()) == 3)

    settings = service.settings
    live_pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    live, previous = await checksum(live_pool), None
    while live != previous:  # until the live views stop changing
        await asyncio.sleep(0.5)
        previous, live = live, await checksum(live_pool)
    await live_pool.close()
    rebuilt_schema = f"{settings.projection_schema}_subscribers"
    assert await replay_postgres(settings, rebuilt_schema) == live
    assert all(live[t] for t in ("event_log_rows", "webhook_endpoints", "webhook_messages",
                                 "webhook_attempts"))
    await postgres.drop_schema(settings.postgres_dsn, rebuilt_schema)

    sent = len(receiver.requests)
    stop = asyncio.Event()
    log = EventLog(settings)
    async with httpx.AsyncClient() as client:
        # it joins the service's dispatchers: the group's partitions are folded again from
        # offset 0, by whichever instance each goes to, and what is due is served
        dispatcher = WebhookDispatcher(settings, log, client)
        second = asyncio.create_task(dispatcher.run(stop))
        await wait_until(lambda: bool(dispatcher.partitions) and all(
            part.live for part in dispatcher.partitions.values()))
        await asyncio.sleep(1)
        held = [part.state.endpoints[endpoint_id] for part in dispatcher.partitions.values()
                if endpoint_id in part.state.endpoints]
        stop.set()
        await second
    await log.close()
    assert len(receiver.requests) == sent
    assert all(endpoint.pending == {} for endpoint in held)
    # the log keeps the signing secret sealed: not the secret, and it opens to it under the
    # service's key (infra.secretbox)
    kept = [e.data["secret"] for e in await events_of(settings, "webhooks")
            if e.type == "webhook.endpoint_registered" and e.key == endpoint_id]
    assert len(kept) == 1 and is_sealed(kept[0]) and registered["secret"] not in kept[0]
    assert secret_box(settings).open(kept[0], f"webhook:{endpoint_id}") == registered["secret"]
    await receiver.stop()
