"""The PostgreSQL projector on real Kafka and PostgreSQL: exactly-once application, and a
replay from offset 0 into an empty schema that equals the live views."""

from __future__ import annotations

import asyncio

from aiokafka import TopicPartition

from infra import postgres
from infra.settings import Settings
from projections.postgres import PostgresProjector, checksum
from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.events import SimulationRequested
from streams.log import EventLog, ensure_topics
from tests.integration.helpers import body, caused


def story(tenant: str, ids: str = "") -> list[Envelope]:
    """A tenant, a workbook and two simulations: one completes (and is billed), one is refused
    (``ids`` makes the key, workbook and simulation ids differ between stories)."""
    created = new_event("tenant.created", tenant, tenant, {"name": "Acme", "plan": "basic"})
    upload = new_event("workbook.uploaded", tenant, f"wb1{ids}", {
        "filename": "m.xlsx", "sha256": "ab" * 32, "size": 10, "uri": "file:///x"})
    parsed = caused(upload, "workbook.parsed", {"sheets": [{"name": "S"}], "formula_count": 3})
    key = caused(created, "api_key.issued", {"key_id": f"k1{ids}", "key_hash": f"{ids:f>64}",
                                             "name": "ci", "role": "admin"})
    events = [created, key, upload, parsed]
    for sim, accepted in ((f"s1{ids}", True), (f"s2{ids}", False)):
        requested = new_event("simulation.requested", tenant, tenant, body(
            SimulationRequested, simulation_id=sim, workbook_id=f"wb1{ids}", iterations=500))
        events.append(requested)
        if not accepted:
            events.append(new_event("simulation.rejected", tenant, sim, {
                **requested.data, "reason": "concurrent_simulations limit is 1; current use 1",
                "refusal": {"limit": "concurrent_simulations", "value": 1, "current": 1,
                            "resets_at": None}}))
            continue
        acc = new_event("simulation.accepted", tenant, sim, requested.data)
        started = caused(acc, "simulation.started", {"iterations": 500, "backend": "numpy"})
        progressed = caused(acc, "simulation.progressed", {
            "iterations_done": 250, "iterations_total": 500, "fraction": 0.5,
            "eta_seconds": None})
        completed = caused(acc, "simulation.completed", {
            "iterations_run": 500, "compute_seconds": 0.5, "backend": "numpy",
            "outputs": {"S!B1": {"mean": 1.5}}})
        usage = new_event("usage.recorded", tenant, sim, {
            "simulation_id": sim, "iterations": 500, "compute_seconds": 0.5, "backend": "numpy"})
        reported = caused(usage, "billing.usage_reported", {
            "usage_event_id": usage.id, "simulation_id": sim, "customer_id": "cus_1",
            "meters": {"riskstream_iterations": 500}, "meter_event_ids": ["x"]})
        events += [acc, started, progressed, completed, usage, reported]
    return events


async def test_views_apply_each_event_once_and_a_replay_equals_the_live_views(
        settings: Settings) -> None:
    await ensure_topics(settings)
    log = EventLog(settings)
    await log.append(story("acme"))
    await log.close()

    live_schema = settings.projection_schema
    pool = await postgres.create_pool(settings.postgres_dsn, live_schema)
    projector = PostgresProjector(settings, pool)
    await projector.run(asyncio.Event(), until_end=True)
    live = await checksum(pool)

    sim = await pool.fetchrow("SELECT * FROM simulations WHERE simulation_id='s1'")
    assert sim["status"] == "completed" and sim["iterations_done"] == 500
    assert sim["workbook_id"] == "wb1" and sim["compute_seconds"] == 0.5
    refused = await pool.fetchrow("SELECT * FROM simulations WHERE simulation_id='s2'")
    assert refused["status"] == "rejected" and "concurrent_simulations" in refused["reason"]
    usage = await pool.fetchrow("SELECT * FROM usage_records")
    assert usage["iterations"] == 500 and usage["reported_at"] is not None
    wb = await pool.fetchrow("SELECT status, summary FROM workbooks")
    assert wb["status"] == "parsed"

    # deliver every partition's messages again: the checkpoint makes it a no-op
    from tests.integration.helpers import raw_messages

    for topic in ("tenants", "workbooks", "simulations", "billing"):
        by_partition: dict[int, list[tuple[int, bytes]]] = {}
        for partition, offset, value in await raw_messages(settings, topic):
            by_partition.setdefault(partition, []).append((offset, value))
        for partition, messages in by_partition.items():
            tp = TopicPartition(settings.topic(topic), partition)
            assert await projector.apply_batch(tp, messages) == 0
    assert await checksum(pool) == live

    from projections.replay import replay_postgres

    rebuilt = await replay_postgres(settings, f"{live_schema}_replay")
    assert rebuilt == live
    story_tables = ("tenants", "api_keys", "workbooks", "simulations", "usage_records",
                    "event_log_rows")
    assert all(rebuilt[t] for t in story_tables)
    await pool.close()
    await postgres.drop_schema(settings.postgres_dsn, f"{live_schema}_replay")
    await postgres.drop_schema(settings.postgres_dsn, live_schema)
