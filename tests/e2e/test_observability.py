"""Metrics and logs of the running service: the counters on ``/metrics`` of the API and of each
processor process move by what one flow did, the runner's queue depth counts the runs waiting
for its slots and its chunk histogram each chunk of a split run; every log line is JSON with its
context, and no personal data or secret is in any of them; ``riskstream status`` sees it all."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from openpyxl import Workbook
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from app.ops.heartbeats import instances
from app.ops.status import status
from app.ops.workers import BACKGROUND, PROCESSORS, PROJECTIONS
from engines.distributed import ChunkedRuns
from engines.service import simulation_spec
from infra import kafka
from projections.replay_source import replay_batches
from streams.catalogue import TOPICS
from tests.e2e.accounts import PASSWORD
from tests.e2e.conftest import Service
from tests.e2e.flow import ENDED, poll, start, upload_example
from tests.e2e.receiver import Receiver, wait_until
from tests.e2e.test_webhooks import register
from tests.integration.helpers import wait_for

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(url: str) -> Samples:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(url)
    assert response.status_code == 200, response.text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name`` over the samples whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


async def processor_ports(service: Service) -> dict[str, int]:
    """Each processor kind's metrics port, from its heartbeat (one instance each here)."""
    redis = Redis.from_url(service.settings.redis_url, decode_responses=True)
    try:
        alive = await instances(redis, service.settings)
    finally:
        await redis.aclose()
    return {name: running[0]["metrics_port"] for name, running in alive.items()
            if running and running[0].get("metrics_port")}


async def everything(service: Service) -> dict[str, Samples]:
    ports = await processor_ports(service)
    scraped = {name: await scrape(f"http://127.0.0.1:{port}/metrics")
               for name, port in ports.items()}
    scraped["api"] = await scrape(f"{service.url}/metrics")
    return scraped


async def messages_per_topic(service: Service) -> Counter[str]:
    """Every committed message of each topic, poison included."""
    counts: Counter[str] = Counter({topic: 0 for topic in TOPICS})
    prefix = f"{service.settings.topic_prefix}."
    async for tp, messages in replay_batches(service.settings, list(TOPICS)):
        counts[tp.topic.removeprefix(prefix)] += len(messages)
    return counts


# processor -> the topics whose every message it consumes
READERS = {"postgres-projector": TOPICS, "tenant-ledger": ("tenants",)}


async def settled(service: Service) -> tuple[dict[str, Samples], Counter[str]]:
    """The metrics once the projector and the ledger have consumed every message in the log."""
    async def caught_up() -> tuple[dict[str, Samples], Counter[str]] | None:
        log = await messages_per_topic(service)
        scraped = await everything(service)
        done = all(value(scraped.get(name, {}), "riskstream_events_applied_total",
                         processor=name, topic=t) == log[t]
                   for name, topics in READERS.items() for t in topics)
        return (scraped, log) if done else None

    found: tuple[dict[str, Samples], Counter[str]] = await wait_for(caught_up, timeout_s=60,
                                                                      every_s=0.5)
    return found


async def test_counters_move_by_what_a_flow_did(service: Service,
                                                own_tenant: httpx.AsyncClient) -> None:
    await wait_for(lambda: _all_ports(service), timeout_s=60)  # every kind serves metrics
    receiver = await Receiver(answer=lambda request, nth: (204, {})).start()
    await register(own_tenant, receiver, ["simulation.completed"])
    workbook = await upload_example(own_tenant)
    before, log_before = await settled(service)

    iterations = 3000
    response = await start(own_tenant, {"workbook_id": workbook["workbook_id"],
                                        "outputs": ["Model!B17"], "iterations": iterations})
    assert response.status_code == 202, response.text
    simulation = f"/v1/simulations/{response.json()['simulation_id']}"
    assert (await poll(own_tenant, simulation, ENDED))["status"] == "completed"
    await wait_until(lambda: bool(receiver.delivered()))
    after, log_after = await settled(service)

    def moved(process: str, name: str, **labels: str) -> float:
        return value(after[process], name, **labels) - value(before[process], name, **labels)

    api = {"method": "POST", "route": "/v1/simulations", "status": "202"}
    assert moved("api", "riskstream_http_requests_total", **api) == 1
    assert moved("api", "riskstream_http_request_duration_seconds_count", method="POST",
                 route="/v1/simulations") == 1
    assert moved("api", "riskstream_http_requests_total", method="GET",
                 route="/v1/simulations/{simulation_id}") >= 1
    ident = response.json()["simulation_id"]
    routes = {route for (_n, ls) in after["api"] for key, route in ls if key == "route"}
    raw = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}")  # an id where a template belongs
    assert not [r for r in routes if ident in r or raw.search(r)], "a raw path became a label"
    assert moved("api", "riskstream_business_simulations", plan="enterprise",
                 status="completed") == 1
    assert moved("api", "riskstream_business_trials", plan="enterprise") == iterations

    new = log_after - log_before
    for topic in TOPICS:  # the projector applied each new message once
        assert moved("postgres-projector", "riskstream_events_applied_total",
                     processor="postgres-projector", topic=topic) == new[topic], topic
    assert moved("tenant-ledger", "riskstream_events_applied_total", processor="tenant-ledger",
                 topic="tenants") == new["tenants"]
    assert moved("tenant-ledger", "riskstream_event_handle_seconds_count",
                 processor="tenant-ledger", type="simulation.requested") == 1
    assert moved("simulation-runner", "riskstream_trials_total", backend="numpy") == iterations
    assert moved("simulation-runner", "riskstream_run_duration_seconds_count",
                 outcome="completed") == 1
    assert value(after["simulation-runner"], "riskstream_active_runs") == 0
    for lane in ("small", "large"):
        assert ("riskstream_runner_queue_depth", frozenset({("lane", lane)})) \
            in after["simulation-runner"]
        assert value(after["simulation-runner"], "riskstream_runner_queue_depth", lane=lane) == 0
    assert moved("simulation-runner", "riskstream_chunk_compute_seconds_count") == 0  # whole
    assert moved("webhook-dispatcher", "riskstream_webhook_attempts_total",
                 result="delivered") == 1
    assert value(after["webhook-dispatcher"], "riskstream_webhook_backlog") == 0
    assert value(after["postgres-projector"], "riskstream_batch_duration_seconds_count") > 0
    lags = [v for (n, _ls), v in after["postgres-projector"].items()
            if n == "riskstream_consumer_lag"]
    assert lags and max(lags) <= 1  # caught up (1: a partition ending in a commit marker)
    await receiver.stop()


async def runner_metrics(service: Service) -> Samples:
    port = (await processor_ports(service))["simulation-runner"]
    return await scrape(f"http://127.0.0.1:{port}/metrics")


async def runner_at_rest(service: Service) -> Samples | None:
    """The runner's metrics once nothing runs or waits there."""
    samples = await runner_metrics(service)
    idle = value(samples, "riskstream_active_runs") == 0 \
        and value(samples, "riskstream_runner_queue_depth") == 0
    return samples if idle else None


def slow_workbook(formulas: int = 400) -> bytes:
    """A chain of ``formulas`` cells from one input: about a second per 100,000 trials, so a
    run of two million holds its slot for the whole test."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Model"
    sheet["A1"], sheet["B1"] = 10, "=A1"
    for row in range(2, formulas + 1):
        sheet[f"B{row}"] = f"=EXP(LN(ABS(B{row - 1})+1))*0.999+SQRT(ABS(A1))/{row}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_the_queue_depth_counts_the_runs_waiting_for_a_large_slot(
        service: Service, own_tenant: httpx.AsyncClient) -> None:
    width = service.settings.runner_threads  # the large lane's slots
    waiting = 3
    before = await wait_for(lambda: runner_at_rest(service), timeout_s=120, every_s=0.5)
    upload = await own_tenant.post("/v1/workbooks", files={"file": (
        "chain.xlsx", slow_workbook(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
    assert upload.status_code == 202, upload.text
    workbook = await poll(own_tenant, f"/v1/workbooks/{upload.json()['workbook_id']}",
                          {"parsed", "rejected"})
    assert workbook["status"] == "parsed", workbook
    body = {"workbook_id": workbook["workbook_id"], "outputs": ["Model!B400"],
            "inputs": {"Model!A1": "normal(10, 1)"}}
    # large runs (not small, not split): two million trials hold a slot, the others wait
    holding = [await start(own_tenant, {**body, "iterations": 2_000_000, "seed": n})
               for n in range(width)]
    ids = [answer.json()["simulation_id"] for answer in holding]
    for sim in ids:
        await poll(own_tenant, f"/v1/simulations/{sim}", {"running"})  # holds its slot
    queued = [await start(own_tenant, {**body, "iterations": 200_000, "seed": n})
              for n in range(waiting)]
    ids += [answer.json()["simulation_id"] for answer in queued]

    async def all_queued() -> Samples | None:
        samples = await runner_metrics(service)
        depth = value(samples, "riskstream_runner_queue_depth", lane="large")
        assert depth <= waiting, depth
        return samples if depth == waiting else None

    during = await wait_for(all_queued, timeout_s=60, every_s=0.1)
    assert value(during, "riskstream_runner_queue_depth", lane="small") == 0
    assert value(during, "riskstream_active_runs") == width + waiting  # waiting ones included
    for sim in reversed(ids):  # the waiting ones first: none starts when a slot frees
        cancel = await own_tenant.post(f"/v1/simulations/{sim}/cancel")
        assert cancel.status_code == 202, cancel.text
    ended = [await poll(own_tenant, f"/v1/simulations/{sim}", ENDED) for sim in ids]
    assert {e["status"] for e in ended} == {"cancelled"}, ended
    assert all(e["iterations_done"] == 0 for e in ended[width:])  # they never had a slot
    after = await wait_for(lambda: runner_at_rest(service), timeout_s=60, every_s=0.2)
    assert value(after, "riskstream_runner_queue_depth") \
        == value(before, "riskstream_runner_queue_depth") == 0


async def test_each_chunk_of_a_split_run_is_timed_once(service: Service,
                                                       own_tenant: httpx.AsyncClient) -> None:
    engine = ChunkedRuns()
    trials = engine.split_above + 1
    _seed, chunks = engine.split(simulation_spec({"inputs": {}, "iterations": trials}))
    before = await wait_for(lambda: runner_at_rest(service), timeout_s=120, every_s=0.5)
    workbook = await upload_example(own_tenant)
    response = await start(own_tenant, {"workbook_id": workbook["workbook_id"],
                                        "outputs": ["Model!B17"], "iterations": trials})
    assert response.status_code == 202, response.text
    sim = await poll(own_tenant, f"/v1/simulations/{response.json()['simulation_id']}", ENDED,
                     timeout_s=180)
    assert sim["status"] == "completed", sim
    after = await wait_for(lambda: runner_at_rest(service), timeout_s=60, every_s=0.2)

    def moved(name: str) -> float:
        return value(after, name) - value(before, name)

    assert moved("riskstream_chunk_compute_seconds_count") == len(chunks) > 1
    # the seconds billed for a split run are its chunks' seconds: each observed once
    assert moved("riskstream_chunk_compute_seconds_sum") == pytest.approx(
        sim["compute_seconds"], rel=1e-6)
    assert moved("riskstream_run_duration_seconds_count") == 1


async def _all_ports(service: Service) -> dict[str, int] | None:
    ports = await processor_ports(service)
    return ports if set(PROCESSORS) <= set(ports) else None


async def test_a_poison_message_counts_once_as_failed_in_each_processor(
        service: Service) -> None:
    readers = ("postgres-projector", "mongo-rollups", "redis-progress", "simulation-runner")
    before, _log = await settled(service)
    parked_before = (await status(service.settings))["dead_letters"]
    producer = kafka.producer(service.settings.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(service.settings.topic("simulations"),
                                     value=b'{"id": "not json', key=b"garbage")
    finally:
        await producer.stop()

    async def counted() -> dict[str, Samples] | None:
        after = await everything(service)
        moved = {name: value(after[name], "riskstream_events_failed_total", processor=name)
                 - value(before[name], "riskstream_events_failed_total", processor=name)
                 for name in readers}
        return after if all(n == 1 for n in moved.values()) else None

    await wait_for(counted, timeout_s=30, every_s=0.5)
    report = await wait_for(lambda: _parked_more(service, parked_before + len(readers)))
    assert report["dead_letters"] >= parked_before + len(readers)


async def _parked_more(service: Service, at_least: int) -> dict[str, Any] | None:
    report: dict[str, Any] = await status(service.settings)
    return report if report["dead_letters"] >= at_least else None


async def test_status_sees_every_dependency_processor_and_lag(service: Service) -> None:
    report: dict[str, Any] = await status(service.settings)
    assert all(d["ok"] for d in report["dependencies"].values()), report["dependencies"]
    assert all(report["processors"].values()), report["processors"]
    assert "postgres-projector" in report["lag"] and "tenant-ledger" in report["lag"]
    assert report["dead_letters"] is not None and report["ok"]


async def test_logs_are_json_lines_without_personal_data_or_secrets(
        service: Service, own_tenant: httpx.AsyncClient) -> None:
    email = f"grace-{uuid.uuid4().hex[:8]}@example.com"
    name = f"Grace Hopper {uuid.uuid4().hex[:6]}"
    created = await own_tenant.post("/v1/users", json={
        "email": email, "name": name, "role": "member", "password": PASSWORD})
    assert created.status_code == 201, created.text
    stranger = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    for who, password in ((email, "not the password"), (stranger, PASSWORD)):
        response = await own_tenant.post("/v1/auth/token",
                                         json={"email": who, "password": password})
        assert response.status_code == 401
    await own_tenant.get("/v1/simulations", headers={"X-Request-ID": "obs-check-1"})
    await asyncio.sleep(2)  # the sign-in events reach the processors

    settings = service.settings
    api_key = own_tenant.headers["Authorization"].removeprefix("Bearer ")
    secrets = [api_key, PASSWORD, settings.jwt_secret.get_secret_value()]
    secrets += [s.get_secret_value() for s in (settings.s3_secret_key,
                                               settings.stripe_webhook_secret) if s]
    secrets += [settings.stripe_api_key] if settings.stripe_api_key else []
    text = "\n".join(p.read_text() for p in service.logs.glob("*.log"))
    for forbidden in (email, stranger, name, *secrets):
        assert forbidden not in text, f"{forbidden[:6]}… is in the logs"

    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert all({"ts", "level", "logger", "process", "message"} <= set(line) for line in lines)
    assert {line["process"] for line in lines} >= {"api", "tenant-ledger", "postgres-projector"}
    [request] = [line for line in lines if line.get("correlation_id") == "obs-check-1"]
    assert request["message"].startswith("GET /v1/simulations 200")
    assert request["tenant_id"] == own_tenant.tenant_id  # type: ignore[attr-defined]


async def test_processors_yield_the_cpu_to_the_api(service: Service) -> None:
    """Background work runs processor_nice steps below the API, which the launcher started at
    this test's own priority; the views readers see (PROJECTIONS) projection_nice steps
    further, and the work a run does not wait for (BACKGROUND) background_nice steps further
    than the run's."""
    redis = Redis.from_url(service.settings.redis_url, decode_responses=True)

    async def every_kind() -> dict[str, list[dict[str, Any]]] | None:
        alive = await instances(redis, service.settings)
        return alive if set(alive) == set(PROCESSORS) else None

    try:
        alive = await wait_for(every_kind)
    finally:
        await redis.aclose()
    base = os.getpriority(os.PRIO_PROCESS, 0)
    settings = service.settings
    run_path = min(19, base + settings.processor_nice)
    views = min(19, base + settings.processor_nice + settings.projection_nice)
    trailing = min(19, base + settings.processor_nice + settings.background_nice)
    assert base < run_path < views < trailing
    niceness = {name: {os.getpriority(os.PRIO_PROCESS, each["pid"]) for each in beats}
                for name, beats in alive.items()}
    assert niceness == {name: {trailing if name in BACKGROUND else views
                               if name in PROJECTIONS else run_path} for name in PROCESSORS}
    assert "simulation-runner" not in BACKGROUND and "billing" in BACKGROUND
