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
import json
from collections.abc import Iterable

import asyncpg

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
    return hashlib.sha256(bytes.fromhex(head) + hashlib.sha256(value).digest()).hexdigest()


def subjects(event: Envelope) -> list[str]:
    """Every aggregate id ``event`` belongs to: its key, its tenant and ids named in its body."""
    found = [event.key, event.tenant_id]
    found += [str(event.data[f]) for f in SUBJECT_FIELDS if isinstance(event.data.get(f), str)]
    personal = sealed_subject(event)
    return sorted(set(found if personal is None else [*found, personal]))


class ChainedEventLog:
    """Appends one partition's messages to ``event_log`` and advances its chain head."""

    def __init__(self, log_prefix: str) -> None:
        self.log_prefix = log_prefix

    def logical(self, topic: str) -> str:
        """The topic's name without the log prefix, so copies of a log compare position by
        position."""
        return topic.removeprefix(f"{self.log_prefix}.")

    async def append(self, conn: asyncpg.Connection, topic: str, partition: int,
                     messages: Iterable[tuple[int, bytes, Envelope]]) -> None:
        """Record ``(offset, bytes, event)`` messages, in offset order, inside ``conn``'s
        transaction."""
        topic = self.logical(topic)
        row = await conn.fetchrow(
            "SELECT position, head FROM audit_chain_heads WHERE topic=$1 AND partition=$2",
            topic, partition)
        position, head = (row["position"], row["head"]) if row else (0, GENESIS)
        rows = []
        for offset, value, event in messages:
            position += 1
            head = link(head, value)
            rows.append((topic, partition, offset, position, event.tenant_id, event.id,
                         event.type, event.key, subjects(event), event.occurred_at,
                         event.correlation_id, event.causation_id, public_envelope(event), head,
                         value))
        if not rows:
            return
        await conn.executemany(
            "INSERT INTO event_log (topic, partition, kafka_offset, position, tenant_id, event_id,"
            " type, key, subjects, occurred_at, correlation_id, causation_id, envelope,"
            " chain_hash, message)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13::jsonb,$14,$15)"
            " ON CONFLICT DO NOTHING",
            [(*r[:12], json.dumps(r[12], separators=(",", ":"), sort_keys=True), *r[13:])
             for r in rows])
        await conn.execute(
            "INSERT INTO audit_chain_heads (topic, partition, position, head) VALUES ($1,$2,$3,$4)"
            " ON CONFLICT (topic, partition) DO UPDATE SET position=EXCLUDED.position,"
            " head=EXCLUDED.head", topic, partition, position, head)
        await conn.execute(
            "INSERT INTO audit.chain_checkpoints (log_prefix, topic, partition, position, head)"
            " VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING",
            self.log_prefix, topic, partition, position, head)

