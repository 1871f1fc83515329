"""Cold archive: the event log as Parquet files, one per tenant and month, with a manifest.

Layout: ``<root>/tenant=<id>/month=<YYYY-MM>/events.parquet`` (hive partitioning, so DuckDB,
Spark or ``pyarrow.dataset`` read it as one table) and ``<root>/_manifest.json`` (the leading
underscore keeps dataset readers off it) listing every file with its row count, time span,
sha256 and the chain links of its first and last events, so an archived month can be checked
against the chains ``riskstream audit verify`` checks. Rows hold the subscriber view of each
event (credentials redacted, personal data sealed) in log order, and the ``message`` bytes as
stored in Kafka: with them ``riskstream replay --archive`` rebuilds what retention dropped from
the log (so the archive must be guarded like the log). Archiving a month again rewrites the
same file; only whole months before the current one are archived by default, so a file never
misses events that arrive later.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pyarrow as pa
import pyarrow.parquet as pq

from streams.catalogue import upcast
from streams.envelope import Envelope
from streams.public import public_envelope

SCHEMA = pa.schema([
    ("event_id", pa.string()), ("type", pa.string()), ("version", pa.int32()),
    ("tenant_id", pa.string()), ("key", pa.string()),
    ("occurred_at", pa.timestamp("us", tz="UTC")), ("correlation_id", pa.string()),
    ("causation_id", pa.string()), ("data", pa.string()), ("topic", pa.string()),
    ("partition", pa.int32()), ("kafka_offset", pa.int64()), ("position", pa.int64()),
    ("chain_hash", pa.string()), ("message", pa.binary()),
])
_ROWS = """
SELECT event_id, type, (envelope->>'version')::int AS version, tenant_id, key, occurred_at,
       correlation_id, causation_id, envelope->'data' AS data, topic, partition, kafka_offset,
       position, chain_hash, message
FROM event_log
WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at < $3
ORDER BY seq
"""


def month_start(month: str) -> datetime:
    """The first instant of ``YYYY-MM`` (UTC); ValueError for anything else."""
    try:
        return datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"{month!r} is not a month; expected YYYY-MM, e.g. 2026-10") from None


def next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


async def months(pool: asyncpg.Pool, tenant_id: str | None, before: datetime
                 ) -> list[tuple[str, str]]:
    """(tenant, YYYY-MM) pairs with events before ``before``."""
    rows = await pool.fetch(
        "SELECT DISTINCT tenant_id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month"
        " FROM event_log WHERE occurred_at < $1 AND ($2::text IS NULL OR tenant_id=$2)"
        " ORDER BY 1, 2", before, tenant_id)
    return [(r["tenant_id"], r["month"]) for r in rows]


async def archive_month(pool: asyncpg.Pool, root: Path, tenant_id: str, month: str
                        ) -> dict[str, Any]:
    """Write one tenant's month; returns its manifest entry."""
    start = month_start(month)
    rows = await pool.fetch(_ROWS, tenant_id, start, next_month(start))
    columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    for row in rows:
        for name in SCHEMA.names:
            columns[name].append(row[name])
        # the body as the log holds it (personal data sealed), not as the views show it
        data = (public_envelope(upcast(Envelope.from_json(row["message"])))["data"]
                if row["message"] is not None else json.loads(row["data"]))
        columns["data"][-1] = json.dumps(data, sort_keys=True)
    path = root / f"tenant={tenant_id}" / f"month={month}" / "events.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns, schema=SCHEMA), path, compression="zstd")
    return {
        "tenant_id": tenant_id, "month": month, "path": str(path.relative_to(root)),
        "rows": len(rows), "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "first_occurred_at": rows[0]["occurred_at"].isoformat() if rows else None,
        "last_occurred_at": rows[-1]["occurred_at"].isoformat() if rows else None,
        "chain_links": [{"topic": r["topic"], "partition": r["partition"],
                         "position": r["position"], "chain_hash": r["chain_hash"]}
                        for r in ((rows[0], rows[-1]) if rows else ())],
    }


async def archive(pool: asyncpg.Pool, root: Path, *, tenant_id: str | None = None,
                  before: datetime | None = None) -> dict[str, Any]:
    """Archive every whole month before ``before`` (default: the current month) and rewrite
    the manifest, keeping entries of months archived earlier."""
    now = datetime.now(UTC)
    before = before or now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    manifest_path = root / "_manifest.json"
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    if manifest_path.exists():
        for entry in json.loads(manifest_path.read_text())["files"]:
            entries[(entry["tenant_id"], entry["month"])] = entry
    for tenant, month in await months(pool, tenant_id, before):
        entries[(tenant, month)] = await archive_month(pool, root, tenant, month)
    manifest = {"format": "riskstream-archive/1", "written_at": now.isoformat(),
                "partitioning": ["tenant", "month"], "columns": SCHEMA.names,
                "files": [entries[k] for k in sorted(entries)]}
    root.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return manifest
