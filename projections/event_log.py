"""The ``event_log`` view: every event of the log in PostgreSQL, linked into a hash chain per
partition, written inside the PostgreSQL projector's transaction.

Why one chain per partition rather than per tenant: a partition is the only total order Kafka
itself keeps, so the chain is the same whoever recomputes it and however a replay interleaves
partitions; a per-tenant chain would hash an order that only one consumer run happened to see.
Each link is ``sha256(previous head ‖ sha256(message bytes))`` over the bytes as stored in Kafka,
so changing, removing, inserting or reordering any message breaks every later link. The heads
are checkpointed (insert-only) in ``audit.chain_checkpoints``, outside the projection schema.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import asyncpg

from projections.json_text import json_text
from streams.envelope import Envelope
from streams.personal import sealed_subject
from streams.public import public_envelope

GENESIS = "0" * 64
# body fields naming another aggregate the event concerns (simulation.requested is keyed by
# tenant, api_key.* by tenant, usage.* by simulation): the audit trail of each finds it; and the
# data subject whose personal data the event carries (subject.erased names it as "subject")
SUBJECT_FIELDS = ("simulation_id", "workbook_id", "key_id", "endpoint_id", "usage_event_id",
                  "user_id", "subject")


def link(head: str, value: bytes) -> str:
    """The chain head after ``value``, the next message of the partition."""
    return _linked(head, hashlib.sha256(value).digest())


def _linked(head: str, digest: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(head) + digest).hexdigest()


def subjects(event: Envelope) -> list[str]:
    """Every aggregate id ``event`` belongs to: its key, its tenant and ids named in its body."""
    found = [event.key, event.tenant_id]
    found += [str(event.data[f]) for f in SUBJECT_FIELDS if isinstance(event.data.get(f), str)]
    personal = sealed_subject(event)
    return sorted(set(found if personal is None else [*found, personal]))


@dataclass(frozen=True)
class Logged:
    """A message as ``event_log`` keeps it, all but its place in the chain, so that it can be
    worked out before the transaction that appends it."""

    offset: int
    value: bytes  # the message as Kafka holds it
    event: Envelope  # as the views apply it: current version, personal data revealed
    digest: bytes  # sha256 of ``value``
    subjects: list[str]
    envelope: str  # what subscribers see, as JSON text


def logged(offset: int, value: bytes, event: Envelope) -> Logged:
    """The row of ``event``, read from ``value`` at ``offset`` (its personal data revealed)."""
    return Logged(offset, value, event, hashlib.sha256(value).digest(), subjects(event),
                  json_text(public_envelope(event)))


_COLUMNS = ("topic", "partition", "kafka_offset", "position", "tenant_id", "event_id", "type",
            "key", "subjects", "occurred_at", "correlation_id", "causation_id", "envelope",
            "chain_hash", "message")


class ChainedEventLog:
    """Appends one partition's messages to ``event_log`` and advances its chain head."""

    def __init__(self, log_prefix: str) -> None:
        self.log_prefix = log_prefix

    def logical(self, topic: str) -> str:
        """The topic's name without the log prefix, so copies of a log compare position by
        position."""
        return topic.removeprefix(f"{self.log_prefix}.")

    async def append(self, conn: asyncpg.Connection,
                     partitions: Mapping[tuple[str, int], Sequence[Logged]]) -> None:
        """Record each partition's messages, in offset order, inside ``conn``'s transaction: one
        read of the heads, one write of the rows, one of the heads."""
        names = [(self.logical(topic), partition) for topic, partition in partitions]
        found = await conn.fetch(
            "SELECT h.topic, h.partition, h.position, h.head FROM audit_chain_heads h"
            " JOIN unnest($1::text[], $2::int[]) AS w(topic, partition)"
            " ON h.topic = w.topic AND h.partition = w.partition",
            [t for t, _ in names], [p for _, p in names])
        heads = {(r["topic"], r["partition"]): (r["position"], r["head"]) for r in found}
        rows, ends = [], []
        for (topic, partition), messages in zip(names, partitions.values(), strict=True):
            if not messages:
                continue
            position, head = heads.get((topic, partition), (0, GENESIS))
            for m in messages:
                position += 1
                head = _linked(head, m.digest)
                event = m.event
                rows.append((topic, partition, m.offset, position, event.tenant_id, event.id,
                             event.type, event.key, m.subjects, event.occurred_at,
                             event.correlation_id, event.causation_id, m.envelope, head,
                             m.value))
            ends.append((topic, partition, position, head))
        if not rows:
            return
        # One COPY straight into the table, rows in each partition's offset order (``seq``
        # follows it). No message can be here already: the rows commit with the checkpoint
        # past them, and the projector skips what its checkpoint says is applied; a duplicate
        # would fail the batch rather than leave the chain head ahead of the rows.
        await conn.copy_records_to_table("event_log", records=rows, columns=_COLUMNS)
        await conn.executemany(
            "INSERT INTO audit_chain_heads (topic, partition, position, head) VALUES ($1,$2,$3,$4)"
            " ON CONFLICT (topic, partition) DO UPDATE SET position=EXCLUDED.position,"
            " head=EXCLUDED.head", ends)
        await conn.executemany(
            "INSERT INTO audit.chain_checkpoints (log_prefix, topic, partition, position, head)"
            " VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING",
            [(self.log_prefix, *end) for end in ends])
