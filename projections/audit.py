"""Tamper evidence: re-read the Kafka log, recompute each partition's hash chain and compare it
with the chain heads checkpointed in PostgreSQL (``audit.chain_checkpoints``, insert-only, kept
out of every replay) and with each event's recorded link (``event_log.chain_hash``).

A changed, removed, inserted or reordered message changes its link and every later one, so the
first position where the recomputed chain disagrees is where the log was altered. The per-event
links name the exact message; the checkpoints are the authority when the projection itself was
rebuilt from an altered log (then the break lies between two checkpoints).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import asyncpg

from infra import kafka
from infra.settings import Settings
from projections.event_log import GENESIS, link
from streams.catalogue import TOPICS
from streams.envelope import Envelope
from streams.processors.runtime import assign_all, at_end


@dataclass(frozen=True)
class Break:
    topic: str
    partition: int
    position: int  # 1-based place in the partition; the earliest the alteration can be
    offset: int | None
    event_id: str | None
    detail: str


@dataclass
class Report:
    ok: bool = True
    partitions: int = 0
    events: int = 0
    checkpoints: int = 0
    breaks: list[Break] = field(default_factory=list)  # the first break of each partition

    def as_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["first_break"] = doc["breaks"][0] if self.breaks else None
        return doc


async def partition_messages(settings: Settings, log_prefix: str, topics: Sequence[str]
                             ) -> AsyncIterator[tuple[str, int, list[tuple[int, bytes]]]]:
    """(logical topic, partition, [(offset, bytes)]) for every partition of ``topics`` under
    ``log_prefix``, read committed from offset 0 to the end."""
    consumer = kafka.consumer(settings.kafka_bootstrap, None)
    await consumer.start()
    try:
        parts = await assign_all(consumer, [f"{log_prefix}.{t}" for t in topics])
        end = await consumer.end_offsets(parts)
        await consumer.seek_to_beginning(*parts)
        found: dict[tuple[str, int], list[tuple[int, bytes]]] = defaultdict(list)
        while not await at_end(consumer, end):
            for tp, messages in (await consumer.getmany(timeout_ms=500)).items():
                found[(tp.topic, tp.partition)] += [
                    (m.offset, m.value) for m in messages if m.offset < end[tp]]
        for tp in sorted(parts):
            yield (tp.topic.removeprefix(f"{log_prefix}."), tp.partition,
                   found[(tp.topic, tp.partition)])
    finally:
        await consumer.stop()


def check_partition(topic: str, partition: int, messages: list[tuple[int, bytes]],
                    links: dict[int, str], checkpoints: dict[int, str]) -> Break | None:
    """The first break in one partition (pure): ``links`` and ``checkpoints`` map a position to
    the chain head recorded after it."""
    head, last_good = GENESIS, 0
    for position, (offset, value) in enumerate(messages, start=1):
        head = link(head, value)
        recorded = links.get(position)
        checkpoint = checkpoints.get(position)
        if recorded is not None and recorded != head:
            return Break(topic, partition, position, offset, _event_id(value),
                         "the message differs from the one recorded at this position")
        if checkpoint is not None and checkpoint != head:
            return Break(topic, partition, last_good + 1, None, None,
                         f"the chain head at position {position} differs from its checkpoint:"
                         f" a message in positions {last_good + 1}–{position} was altered")
        if checkpoint is not None:
            last_good = position
    beyond = [p for p in checkpoints if p > len(messages)]
    if beyond:
        return Break(topic, partition, len(messages) + 1, None, None,
                     f"the log ends at position {len(messages)} but a checkpoint was written at"
                     f" position {max(beyond)}: messages were removed")
    return None


def _event_id(value: bytes) -> str | None:
    try:
        return Envelope.from_json(value).id
    except (ValueError, KeyError, TypeError):
        return None


async def verify(settings: Settings, pool: asyncpg.Pool, *, log_prefix: str | None = None,
                 tenant_id: str | None = None) -> Report:
    """Recompute the chains of the log under ``log_prefix`` (default: the settings' own) and
    compare them with what was recorded for the settings' log; with ``tenant_id``, only the
    partitions holding that tenant's events."""
    report = Report()
    wanted = None
    if tenant_id is not None:
        rows = await pool.fetch("SELECT DISTINCT topic, partition FROM event_log"
                                " WHERE tenant_id=$1", tenant_id)
        wanted = {(r["topic"], r["partition"]) for r in rows}
    checkpoints: dict[tuple[str, int], dict[int, str]] = defaultdict(dict)
    for r in await pool.fetch("SELECT topic, partition, position, head FROM"
                              " audit.chain_checkpoints WHERE log_prefix=$1",
                              settings.topic_prefix):
        checkpoints[(r["topic"], r["partition"])][r["position"]] = r["head"]
    async for topic, partition, messages in partition_messages(
            settings, log_prefix or settings.topic_prefix, list(TOPICS)):
        if wanted is not None and (topic, partition) not in wanted:
            continue
        links = {r["position"]: r["chain_hash"] for r in await pool.fetch(
            "SELECT position, chain_hash FROM event_log WHERE topic=$1 AND partition=$2",
            topic, partition)}
        marks = checkpoints[(topic, partition)]
        report.partitions += 1
        report.events += len(messages)
        report.checkpoints += sum(1 for p in marks if p <= len(messages))
        found = check_partition(topic, partition, messages, links, marks)
        if found is not None:
            report.ok = False
            report.breaks.append(found)
    return report
