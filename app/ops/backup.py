"""Backup and restore: ``riskstream backup --out DIR`` and ``riskstream restore DIR``.

The views are rebuilt from the log, so a backup holds only what the log cannot give back:

- ``keys.sql``: a ``pg_dump`` of the tables kept outside every projection schema: the data
  subjects' keys (``privacy.subject_keys``: without them no sealed e-mail or name reads again),
  the audit chain checkpoints (``audit.chain_checkpoints``) and the API's idempotency keys
  (``api.idempotency_keys``). API keys and credentials are not here: they are events
  (``api_key.issued``, ``user.created`` with its password hash) and come back with the views.
- ``events/``: the event log as a cold archive (:mod:`projections.archive`), every month up
  to the backup, so a replay rebuilds the views even when Kafka no longer holds the messages;
- ``blobs/``: every object of the blob store (workbooks, chunk results), by content address;
- ``manifest.json``: each file's size and sha256, the log's end offsets and the counts.

A restore checks every checksum first, puts the blobs back, merges the kept rows of this
deployment (its topic prefix, its tenants) into the database, destroys again the keys of every
subject erased since the backup (so a restore never brings erased data back), then replays the
PostgreSQL, MongoDB and Redis views from the archive and the log, and claims the e-mail
addresses of the users they hold (``accounts.email_claims``) anew. Run it with the processors
stopped.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import subprocess
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from aiokafka import TopicPartition

from infra import kafka, postgres
from infra.blobstore import content_path, open_blob_store
from infra.settings import Settings
from projections import replay
from projections.archive import archive, month_start, next_month
from projections.replay_source import ReplayStart, replay_batches
from projections.tenancy_queries import Directory
from streams.catalogue import TOPICS
from streams.email_claims import EmailClaims
from streams.envelope import Envelope
from streams.events import SubjectErased
from streams.personal import key_id
from streams.reading import assign_all, records_in

FORMAT = "riskstream-backup/1"
T = TypeVar("T")
# table -> the column that tells one deployment's rows: its topic prefix, or its tenants
KEPT = {
    "privacy.subject_keys": "log_prefix",
    "audit.chain_checkpoints": "log_prefix",
    "api.idempotency_keys": "tenant_id",
}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


async def log_end(settings: Settings) -> dict[TopicPartition, int]:
    """Every partition's end offset."""
    consumer = kafka.consumer(settings.kafka_bootstrap, None)
    await consumer.start()
    try:
        parts = await assign_all(consumer, [settings.topic(t) for t in TOPICS])
        return dict(await consumer.end_offsets(parts))
    finally:
        await consumer.stop()


async def _projected_through(settings: Settings, pool: asyncpg.Pool,
                             end: dict[TopicPartition, int], wait_s: float) -> None:
    """Wait until the PostgreSQL projector has applied the log up to ``end`` (the archive is
    written from its event_log); ValueError naming the partitions behind if it does not."""
    behind: set[TopicPartition] = set()
    for _ in range(max(1, int(wait_s * 5))):
        rows = await pool.fetch("SELECT topic, partition, next_offset FROM projection_checkpoints")
        done = {TopicPartition(r["topic"], r["partition"]): r["next_offset"] for r in rows}
        behind = {tp for tp, offset in end.items() if done.get(tp, 0) < offset}
        # what is left may be transactions' commit markers only, not messages
        if behind:
            held = await records_in(settings, {tp: (done.get(tp, 0), end[tp]) for tp in behind})
            behind = {tp for tp, count in held.items() if count}
        if not behind:
            return
        await asyncio.sleep(0.2)
    named = sorted(f"{tp.topic}/{tp.partition}" for tp in behind)
    raise ValueError(f"the PostgreSQL projector has not applied the log up to now on"
                     f" {', '.join(named[:5])}: start the processors and back up again")


def pg_dump(settings: Settings, out: Path) -> None:
    tables = [arg for table in KEPT for arg in ("--table", table)]
    done = subprocess.run([str(settings.pg_bin / "pg_dump"), "--data-only", "--no-owner",
                           "--no-privileges", *tables, "--file", str(out),
                           "--dbname", settings.postgres_dsn], capture_output=True, text=True)
    if done.returncode != 0:
        raise ValueError(f"pg_dump failed: {done.stderr.strip()[-500:]}")


def _copy_blobs(settings: Settings, folder: Path) -> tuple[int, int]:
    store = open_blob_store(settings)
    count = size = 0
    for sha256 in store.digests():
        path = folder / content_path(sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = store.get(sha256)  # checked against its digest as it is read
        path.write_bytes(data)
        count, size = count + 1, size + len(data)
    return count, size


async def backup(settings: Settings, out: Path, wait_s: float = 60.0) -> dict[str, Any]:
    """Write a backup of this deployment into the new or empty folder ``out``; returns the
    manifest (also written as ``out/manifest.json``)."""
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} is not empty; back up into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    end = await log_end(settings)
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        await _projected_through(settings, pool, end, wait_s)
        await asyncio.to_thread(pg_dump, settings, out / "keys.sql")
        events = await archive(pool, out / "events",
                               before=next_month(month_start(started.strftime("%Y-%m"))))
    finally:
        await pool.close()
    blobs, blob_bytes = await asyncio.to_thread(_copy_blobs, settings, out / "blobs")
    files = [{"path": str(p.relative_to(out)), "bytes": p.stat().st_size, "sha256": _sha256(p)}
             for p in sorted(out.rglob("*")) if p.is_file()]
    manifest = {
        "format": FORMAT, "topic_prefix": settings.topic_prefix,
        "started_at": started.isoformat(), "written_at": datetime.now(UTC).isoformat(),
        "log_end": {f"{tp.topic}/{tp.partition}": o for tp, o in sorted(end.items())},
        "events": sum(f["rows"] for f in events["files"]),
        "blobs": blobs, "blob_bytes": blob_bytes, "files": files}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def verify(folder: Path) -> dict[str, Any]:
    """The backup's manifest, once every file it lists is there with its checksum."""
    path = folder / "manifest.json"
    if not path.exists():
        raise ValueError(f"{folder} holds no backup (no manifest.json)")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path} is not a {FORMAT} manifest")
    for entry in manifest["files"]:
        file = folder / entry["path"]
        if not file.is_file() or _sha256(file) != entry["sha256"]:
            raise ValueError(f"{file} is missing or does not match its checksum in the manifest")
    return manifest


def copy_blocks(dump: str) -> dict[str, tuple[list[str], bytes]]:
    """The ``COPY table (columns) FROM stdin`` blocks of a plain pg_dump: table -> (columns,
    rows in COPY's text format)."""
    blocks: dict[str, tuple[list[str], bytes]] = {}
    lines = iter(dump.splitlines(keepends=True))
    for line in lines:
        if not line.startswith("COPY ") or not line.rstrip().endswith("FROM stdin;"):
            continue
        head = line[len("COPY "):line.index(" FROM stdin;")]
        table, _, columns = head.partition(" (")
        rows = []
        for row in lines:
            if row.rstrip("\n") == "\\.":
                break
            rows.append(row)
        # pg_dump quotes names that are keywords ("position"); the COPY below quotes them again
        names = [c.strip().strip('"').replace('""', '"') for c in columns.rstrip(")").split(",")]
        blocks[table] = (names, "".join(rows).encode())
    return blocks


async def _merge(conn: asyncpg.Connection, table: str, columns: list[str], rows: bytes,
                 ours: list[str]) -> int:
    """Insert the dumped rows of this deployment (``KEPT[table]`` in ``ours``) that ``table``
    lacks; returns how many."""
    async with conn.transaction():
        await conn.execute(f"CREATE TEMP TABLE restoring (LIKE {table}) ON COMMIT DROP")
        await conn.copy_to_table("restoring", source=io.BytesIO(rows), columns=columns,
                                 format="text")
        result = await conn.execute(
            f"INSERT INTO {table} SELECT * FROM restoring WHERE {KEPT[table]} = ANY($1::text[])"
            " ON CONFLICT DO NOTHING", ours)
    return int(result.rsplit(" ", 1)[-1])


async def _erasures(settings: Settings, events: Path) -> list[tuple[str, str]]:
    """(subject, key id) of every ``subject.erased`` in the archive and the log."""
    erased = []
    async for _tp, messages in replay_batches(settings, ["tenants"], archive=events):
        for _offset, value in messages:
            event = Envelope.from_json(value)
            if event.type == SubjectErased.type:
                erasure = event.body(SubjectErased)
                erased.append((erasure.subject, erasure.key_id))
    return erased


async def _restore_kept(settings: Settings, folder: Path, tables: list[str]) -> dict[str, int]:
    """Merge the kept rows of this deployment in ``tables`` back (rows there already stay)."""
    blocks = copy_blocks((folder / "keys.sql").read_text())
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        tenants = [r["tenant_id"] for r in await pool.fetch("SELECT tenant_id FROM tenants")]
        restored = {}
        async with pool.acquire() as conn:
            for table in tables:
                columns, rows = blocks.get(table, ([], b""))
                ours = tenants if KEPT[table] == "tenant_id" else [settings.topic_prefix]
                restored[table] = await _merge(conn, table, columns, rows, ours) if rows else 0
        return restored
    finally:
        await pool.close()


async def _erase_again(settings: Settings, events: Path) -> int:
    """Destroy the restored key of every subject erased since the backup: a key whose id an
    erasure names must open nothing any more. Returns how many were destroyed."""
    erased = await _erasures(settings, events)
    conn = await asyncpg.connect(settings.postgres_dsn)
    try:
        destroyed = 0
        for subject, erased_key in erased:
            key = await conn.fetchval("SELECT key FROM privacy.subject_keys WHERE log_prefix=$1"
                                      " AND subject=$2", settings.topic_prefix, subject)
            if key is not None and key_id(key) == erased_key:
                await conn.execute("DELETE FROM privacy.subject_keys WHERE log_prefix=$1 AND"
                                   " subject=$2", settings.topic_prefix, subject)
                destroyed += 1
        return destroyed
    finally:
        await conn.close()


async def _claim_emails(settings: Settings) -> int:
    """Claim anew the e-mail addresses of the users the rebuilt views hold; returns how many."""
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        await EmailClaims(pool, settings.topic_prefix).adopt(Directory(pool).live_users,
                                                             again=True)
        return int(await pool.fetchval("SELECT count(*) FROM accounts.email_claims"
                                       " WHERE log_prefix=$1", settings.topic_prefix))
    finally:
        await pool.close()


def _put_blobs(settings: Settings, folder: Path) -> int:
    store = open_blob_store(settings)
    count = 0
    for path in sorted(folder.glob("??/*")):
        stored = store.put(path.read_bytes())
        if stored.sha256 != path.name:
            raise ValueError(f"{path} does not hold the blob its name says")
        count += 1
    return count


async def restore(settings: Settings, folder: Path) -> dict[str, Any]:
    """Restore the backup in ``folder`` into the stores ``settings`` name and rebuild every
    view; returns what was restored, the views' checksums and how long each step took."""
    timings: dict[str, float] = {}
    began = time.monotonic()

    async def timed(step: str, work: Awaitable[T]) -> T:
        start = time.monotonic()
        result = await work
        timings[step] = round(time.monotonic() - start, 3)
        return result

    manifest = await timed("verify", asyncio.to_thread(verify, folder))
    if manifest["topic_prefix"] != settings.topic_prefix:
        raise ValueError(f"the backup is of the log {manifest['topic_prefix']!r}, not of"
                         f" {settings.topic_prefix!r} (RISKSTREAM_TOPIC_PREFIX)")
    blobs = await timed("blobs", asyncio.to_thread(_put_blobs, settings, folder / "blobs"))
    events = folder / "events"
    # the keys before the replay, so that it reveals what they seal
    kept = await timed("keys", _restore_kept(settings, folder, ["privacy.subject_keys",
                                                                "audit.chain_checkpoints"]))
    kept["erased_since_backup"] = await timed("erasures", _erase_again(settings, events))
    # the three stores are independent: rebuilt side by side, the restore takes the longest
    checksums, rollups, progress = await asyncio.gather(
        timed("replay_postgres", replay.replay_postgres(settings, archive=events)),
        timed("replay_mongo", replay.replay_mongo(settings, archive=events)),
        timed("replay_redis", replay.replay_redis(settings, archive=events,
                                                  start=ReplayStart(offset=0))))
    # after the views: the idempotency keys kept are those of the tenants the log holds
    kept.update(await timed("idempotency", _restore_kept(settings, folder,
                                                         ["api.idempotency_keys"])))
    claims = await timed("email_claims", _claim_emails(settings))
    return {"events": manifest["events"], "blobs": blobs, "kept_rows": kept, "email_claims": claims,
            "postgres_checksums": checksums, "rollups": rollups, "progress_keys": progress,
            "seconds": round(time.monotonic() - began, 3), "timings_s": timings}
