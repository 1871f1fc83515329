"""Replay from the cold archive on real Kafka, PostgreSQL and MongoDB: a prefix of the log (last
month's events) is archived, then Kafka drops it (delete-records, as retention would); a replay
reading the archive and the log's tail equals the full replay taken before, with no gap and no
duplicate, and a replay without the archive refuses; `audit verify` passes with the archive.
``--from`` re-applies a suffix only."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete

from app.ops.archiving import archive_log
from app.ops.auditing import verify_log
from app.ops.cli import main
from infra import postgres
from infra.settings import Settings
from projections.mongo import ROLLUPS, database
from projections.postgres import PostgresProjector, checksum
from projections.replay import replay_mongo, replay_postgres
from projections.replay_source import ReplayStart, archived, parse_start
from streams.catalogue import TOPICS, new_event
from streams.envelope import Envelope
from streams.events import SimulationAccepted
from streams.log import EventLog, ensure_topics
from tests.integration.helpers import body
from tests.integration.test_postgres_projection import story


async def drop_below(settings: Settings, offsets: dict[tuple[str, int], int]) -> None:
    """Delete every message before ``offsets`` from the log, as Kafka's retention does."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.delete_records({TopicPartition(settings.topic(t), p): RecordsToDelete(o)
                                    for (t, p), o in offsets.items()})
    finally:
        await admin.close()


async def rollups(settings: Settings, name: str) -> dict[str, Any]:
    docs = await database(settings.mongo_url, name)[ROLLUPS].find().to_list()
    return {d["_id"]: d for d in docs}


def this_month(tenant: str) -> list[Envelope]:
    """A second tenant's simulation, with ids of its own (``story`` reuses its ids)."""
    sim = f"{tenant}-sim"
    return [
        new_event("tenant.created", tenant, tenant, {"name": tenant, "plan": "pro"}),
        new_event("simulation.accepted", tenant, sim, body(SimulationAccepted, simulation_id=sim)),
        new_event("simulation.completed", tenant, sim, {
            "iterations_run": 10, "compute_seconds": 0.25, "backend": "numpy", "outputs": {}}),
        new_event("usage.recorded", tenant, sim, {
            "simulation_id": sim, "iterations": 10, "compute_seconds": 0.25, "backend": "numpy"}),
    ]


async def test_replay_reads_the_archive_for_what_the_log_dropped(settings: Settings,
                                                                 tmp_path: Path) -> None:
    await ensure_topics(settings)
    last_month = datetime.now(UTC).replace(day=1, hour=12) - timedelta(days=10)
    old = [replace(e, occurred_at=last_month) for e in story("acme")]
    log = EventLog(settings)
    await log.append(old)
    await log.append(this_month("globex"))
    await log.close()
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    await PostgresProjector(settings, pool).run(asyncio.Event(), until_end=True)
    live = await checksum(pool)
    await pool.close()

    manifest = await archive_log(settings, tmp_path, through=last_month.strftime("%Y-%m"))
    assert sum(f["rows"] for f in manifest["files"]) == len(old)
    full = await replay_postgres(settings, f"{settings.projection_schema}_full")
    assert full == live
    await replay_mongo(settings, f"{settings.mongo_db}_full")

    held = archived(tmp_path, list(TOPICS))
    await drop_below(settings, {k: m[-1][0] + 1 for k, m in held.items()})
    with pytest.raises(ValueError, match="are gone"):
        await replay_postgres(settings, f"{settings.projection_schema}_holed")

    cold = await replay_postgres(settings, f"{settings.projection_schema}_cold", archive=tmp_path)
    assert cold == full
    with pytest.raises(ValueError, match="are gone"):
        await verify_log(settings)
    assert (await verify_log(settings, archive=tmp_path))["ok"]
    await replay_mongo(settings, f"{settings.mongo_db}_cold", archive=tmp_path)
    assert await rollups(settings, f"{settings.mongo_db}_cold") == \
        await rollups(settings, f"{settings.mongo_db}_full")

    # --from a time: this month's events only, from the log's tail
    await replay_mongo(settings, f"{settings.mongo_db}_part", archive=tmp_path,
                       start=parse_start(datetime.now(UTC).strftime("%Y-%m-01")))
    part = await rollups(settings, f"{settings.mongo_db}_part")
    assert {d["tenant_id"] for d in part.values()} == {"globex"}

    for suffix in ("full", "holed", "cold"):
        await postgres.drop_schema(settings.postgres_dsn, f"{settings.projection_schema}_{suffix}")
    for suffix in ("full", "cold", "part"):
        client = database(settings.mongo_url, settings.mongo_db).client
        await client.drop_database(f"{settings.mongo_db}_{suffix}")
    await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)


def test_from_reads_an_offset_or_a_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_start("42") == ReplayStart(offset=42)
    assert parse_start("2026-11-01") == ReplayStart(time=datetime(2026, 11, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="neither an offset"):
        parse_start("yesterday")
    assert main(["replay", "mongo", "--from", "yesterday"]) == 2
    assert "neither an offset" in capsys.readouterr().err
    assert main(["replay", "postgres", "--from", "0"]) == 2
    assert "applies to mongo and redis" in capsys.readouterr().err
