"""The cold archive on real Kafka and PostgreSQL: one Parquet file per tenant and month, read
back as one hive-partitioned dataset equal to the log, with a manifest whose sha256 and counts
match, credentials redacted, and archiving again rewriting the same bytes."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from app.ops.archiving import archive_log
from infra import postgres
from infra.settings import Settings
from projections.archive import month_start
from projections.postgres import PostgresProjector
from streams.log import EventLog, ensure_topics
from tests.integration.test_postgres_projection import story


async def test_archive_by_tenant_and_month_reads_back_as_the_log(settings: Settings,
                                                                 tmp_path: Path) -> None:
    await ensure_topics(settings)
    log = EventLog(settings)
    events = story("acme") + story("globex")
    await log.append(events)
    await log.close()
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    await PostgresProjector(settings, pool).run(asyncio.Event(), until_end=True)
    await pool.close()

    month = datetime.now(UTC).strftime("%Y-%m")
    manifest = await archive_log(settings, tmp_path, through=month)
    assert [(f["tenant_id"], f["month"]) for f in manifest["files"]] == [
        ("acme", month), ("globex", month)]
    for entry in manifest["files"]:
        data = (tmp_path / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["rows"] == len(events) // 2 and len(entry["chain_links"]) == 2
    assert json.loads((tmp_path / "_manifest.json").read_text()) == manifest

    table = ds.dataset(tmp_path, format="parquet", partitioning="hive").to_table()
    assert sorted(table.column("event_id").to_pylist()) == sorted(e.id for e in events)
    assert set(table.column("tenant").to_pylist()) == {"acme", "globex"}
    rows = table.to_pylist()
    completed = next(r for r in rows if r["type"] == "simulation.completed")
    assert json.loads(completed["data"])["outputs"] == {"S!B1": {"mean": 1.5}}
    issued = next(r for r in rows if r["type"] == "api_key.issued")
    assert json.loads(issued["data"])["key_hash"] == "[redacted]"

    again = await archive_log(settings, tmp_path, tenant_id="acme", through=month)
    assert [f["sha256"] for f in again["files"]] == [f["sha256"] for f in manifest["files"]]
    assert (await archive_log(settings, tmp_path / "none", through="2001-01"))["files"] == []
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        month_start("2026-13")
    await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)



async def test_an_archive_of_no_month_reads_as_nothing(settings: Settings, tmp_path: Path
                                                       ) -> None:
    from projections.replay_source import archived

    empty = tmp_path / "empty"
    await archive_log(settings, empty, through="2000-01")  # no month of events that early
    assert (empty / "_manifest.json").exists()
    assert archived(empty, ["tenants", "simulations"]) == {}  # a replay finds nothing to read
