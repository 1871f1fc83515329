"""What a replay reads: the cold archive for what the log no longer holds, then the log from
where the archive ends, partition by partition, with no gap and no duplicate.

The archive (:mod:`projections.archive`) keeps each message's bytes with its topic, partition,
offset and 1-based position in the partition. A partition's archived messages must be
positions 1…n without a hole (an archive of every tenant, up to some month); the log is then
read from the offset after the n-th. If Kafka's retention already dropped messages past that
point, the replay refuses rather than build views with a hole in them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.dataset as ds
from aiokafka import TopicPartition

from infra import kafka
from infra.settings import Settings
from streams.envelope import Envelope
from streams.reading import assign_all, at_end

Messages = list[tuple[int, bytes]]  # (offset, bytes) of one partition, in offset order
BATCH = 1000


@dataclass(frozen=True)
class ReplayStart:
    """Where a partial replay begins: at an offset of every partition, or at a time."""

    offset: int | None = None
    time: datetime | None = None

    def admits(self, offset: int, value: bytes) -> bool:
        if self.offset is not None:
            return offset >= self.offset
        assert self.time is not None
        return Envelope.from_json(value).occurred_at >= self.time


def parse_start(text: str) -> ReplayStart:
    """``--from``: a whole number is an offset; anything else an ISO 8601 date or time (UTC
    unless it says otherwise)."""
    if text.isdigit():
        return ReplayStart(offset=int(text))
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--from {text!r} is neither an offset (a whole number >= 0) nor an"
                         " ISO 8601 time such as 2026-11-01 or 2026-11-01T12:00:00Z") from None
    return ReplayStart(time=when if when.tzinfo else when.replace(tzinfo=UTC))


def archived(root: Path, topics: Sequence[str]) -> dict[tuple[str, int], Messages]:
    """The archive's messages of ``topics`` (logical names) by partition, checked to be each
    partition's first messages without a hole."""
    if not (root / "_manifest.json").exists():
        raise ValueError(f"{root} holds no archive (no _manifest.json); write one with"
                         " `riskstream archive --out DIR`")
    if not any(root.rglob("*.parquet")):  # an archive of no month yet: nothing to read
        return {}
    table = ds.dataset(root, format="parquet", partitioning="hive").to_table(
        columns=["topic", "partition", "kafka_offset", "position", "message"],
        filter=ds.field("topic").isin(list(topics)))
    rows: dict[tuple[str, int], list[tuple[int, int, bytes | None]]] = defaultdict(list)
    for r in table.to_pylist():
        rows[(r["topic"], r["partition"])].append((r["position"], r["kafka_offset"], r["message"]))
    held: dict[tuple[str, int], Messages] = {}
    for (topic, partition), found in rows.items():
        found.sort()
        for expected, (position, _offset, message) in enumerate(found, start=1):
            if position != expected:
                raise ValueError(
                    f"the archive misses position {expected} of {topic}/{partition}: archive"
                    " every tenant (without --tenant), month by month from the first")
            if message is None:
                raise ValueError(f"the archive of {topic}/{partition} has no message bytes at"
                                 f" position {position}: archive that month again")
        held[(topic, partition)] = [(offset, message) for _p, offset, message in found
                                    if message is not None]
    return held


async def replay_batches(settings: Settings, topics: Sequence[str], *,
                         archive: Path | None = None, start: ReplayStart | None = None
                         ) -> AsyncIterator[tuple[TopicPartition, Messages]]:
    """Every message of ``topics`` (logical names), archived ones first, then the log up to its
    end as it is when called; with ``start``, only the messages from there on. Each partition
    comes once at least, empty if need be, so a reader learns every partition."""
    held = archived(archive, topics) if archive is not None else {}
    consumer = kafka.consumer(settings.kafka_bootstrap, None)
    await consumer.start()
    try:
        parts = await assign_all(consumer, [settings.topic(t) for t in topics])
        first = await consumer.beginning_offsets(parts)
        end = await consumer.end_offsets(parts)
        for tp in parts:
            old = held.get((tp.topic.removeprefix(f"{settings.topic_prefix}."), tp.partition), [])
            resume = old[-1][0] + 1 if old else 0
            if first[tp] > resume:
                raise ValueError(
                    f"the log of {tp.topic}/{tp.partition} starts at offset {first[tp]}, so"
                    f" offsets {resume}–{first[tp] - 1} are gone: read them from an archive"
                    " (--archive DIR)")
            wanted = [m for m in old if start is None or start.admits(*m)]
            for i in range(0, max(len(wanted), 1), BATCH):
                yield tp, wanted[i:i + BATCH]
            consumer.seek(tp, resume)
        while not await at_end(consumer, end):
            for tp, records in (await consumer.getmany(timeout_ms=500, max_records=BATCH)
                                ).items():
                fresh = [(m.offset, m.value) for m in records if m.offset < end[tp]
                         and (start is None or start.admits(m.offset, m.value))]
                if fresh:
                    yield tp, fresh
    finally:
        await consumer.stop()
