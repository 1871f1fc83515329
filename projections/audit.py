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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from infra.settings import Settings
from projections.event_log import GENESIS, link
from projections.replay_source import replay_batches
from streams.catalogue import TOPICS
from streams.envelope import Envelope

LINK_WINDOW = 5000


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


class ChainCheck:
    """Recomputes one partition's chain message by message (pure) and keeps its first break."""

    def __init__(self, topic: str, partition: int, checkpoints: dict[int, str]) -> None:
        self.topic, self.partition, self.checkpoints = topic, partition, checkpoints
        self.head, self.position, self.last_good = GENESIS, 0, 0
        self.broken: Break | None = None

    def add(self, offset: int, value: bytes, recorded: str | None) -> None:
        """The next message, and the link recorded for its position (None: none recorded)."""
        self.position += 1
        if self.broken is not None:
            return
        self.head = link(self.head, value)
        checkpoint = self.checkpoints.get(self.position)
        if recorded is not None and recorded != self.head:
            self.broken = Break(self.topic, self.partition, self.position, offset,
                                _event_id(value),
                                "the message differs from the one recorded at this position")
        elif checkpoint is not None and checkpoint != self.head:
            self.broken = Break(
                self.topic, self.partition, self.last_good + 1, None, None,
                f"the chain head at position {self.position} differs from its checkpoint:"
                f" a message in positions {self.last_good + 1}–{self.position} was altered")
        elif checkpoint is not None:
            self.last_good = self.position

    def finish(self) -> Break | None:
        """The first break, once every message of the partition was added."""
        beyond = [p for p in self.checkpoints if p > self.position]
        if self.broken is None and beyond:
            self.broken = Break(
                self.topic, self.partition, self.position + 1, None, None,
                f"the log ends at position {self.position} but a checkpoint was written at"
                f" position {max(beyond)}: messages were removed")
        return self.broken


def check_partition(topic: str, partition: int, messages: list[tuple[int, bytes]],
                    links: dict[int, str], checkpoints: dict[int, str]) -> Break | None:
    """The first break in one partition given all its ``(offset, bytes)`` messages."""
    check = ChainCheck(topic, partition, checkpoints)
    for position, (offset, value) in enumerate(messages, start=1):
        check.add(offset, value, links.get(position))
    return check.finish()


def _event_id(value: bytes) -> str | None:
    try:
        return Envelope.from_json(value).id
    except (ValueError, KeyError, TypeError):
        return None


class RecordedLinks:
    """The links ``event_log`` holds for one partition, fetched a window at a time."""

    def __init__(self, pool: asyncpg.Pool, topic: str, partition: int) -> None:
        self.pool, self.topic, self.partition = pool, topic, partition
        self.window: dict[int, str] = {}
        self.until = 0

    async def at(self, position: int) -> str | None:
        if position > self.until:
            self.until = position + LINK_WINDOW - 1
            self.window = {r["position"]: r["chain_hash"] for r in await self.pool.fetch(
                "SELECT position, chain_hash FROM event_log WHERE topic=$1 AND partition=$2"
                " AND position BETWEEN $3 AND $4", self.topic, self.partition, position,
                self.until)}
        return self.window.get(position)


async def verify(settings: Settings, pool: asyncpg.Pool, *, log_prefix: str | None = None,
                 tenant_id: str | None = None, archive: Path | None = None) -> Report:
    """Recompute the chains of the log under ``log_prefix`` (default: the settings' own) and
    compare them with what was recorded for the settings' log; with ``tenant_id``, only the
    partitions holding that tenant's events; with ``archive``, archived messages stand in for
    those Kafka's retention dropped. Reads the log once, holding one window of recorded links
    per partition."""
    prefix = log_prefix or settings.topic_prefix
    wanted = None
    if tenant_id is not None:
        rows = await pool.fetch("SELECT DISTINCT topic, partition FROM event_log"
                                " WHERE tenant_id=$1", tenant_id)
        wanted = {(r["topic"], r["partition"]) for r in rows}
    marks: dict[tuple[str, int], dict[int, str]] = defaultdict(dict)
    for r in await pool.fetch("SELECT topic, partition, position, head FROM"
                              " audit.chain_checkpoints WHERE log_prefix=$1",
                              settings.topic_prefix):
        marks[(r["topic"], r["partition"])][r["position"]] = r["head"]
    report = Report()
    checks: dict[tuple[str, int], tuple[ChainCheck, RecordedLinks]] = {}
    source = settings.model_copy(update={"topic_prefix": prefix})
    async for tp, messages in replay_batches(source, list(TOPICS), archive=archive):
        name = (tp.topic.removeprefix(f"{prefix}."), tp.partition)
        if wanted is not None and name not in wanted:
            continue
        if name not in checks:
            checks[name] = (ChainCheck(*name, marks[name]), RecordedLinks(pool, *name))
        check, links = checks[name]
        for offset, value in messages:
            check.add(offset, value, await links.at(check.position + 1))
    for check, _ in sorted(checks.values(), key=lambda c: (c[0].topic, c[0].partition)):
        report.partitions += 1
        report.events += check.position
        report.checkpoints += sum(1 for p in check.checkpoints if p <= check.position)
        found = check.finish()
        if found is not None:
            report.ok = False
            report.breaks.append(found)
    return report
