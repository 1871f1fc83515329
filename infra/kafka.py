"""Kafka clients for RiskStream: topic creation, producers and consumers, configured here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)


MAX_REQUEST = 8 * 1024 * 1024
"""The largest request a producer sends: one event up to nearly this (streams.log)."""
MAX_RECORD_BATCH = 2 * MAX_REQUEST
"""The largest record batch a topic takes, whatever the broker's default (1 MiB)."""


def producer(bootstrap: str, *, transactional_id: str | None = None, timeout_s: float = 10.0
             ) -> AIOKafkaProducer:
    """A producer that waits for every in-sync replica (acks=all) with idempotence on."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        transactional_id=transactional_id,
        request_timeout_ms=int(timeout_s * 1000),
        linger_ms=2,
        max_batch_size=1024 * 1024,  # a burst of events in one request per partition
        max_request_size=MAX_REQUEST,
    )


PREFETCH_HOLD_S = 3600.0
"""How long records fetched but not yet taken hold back the next fetch (aiokafka's prefetch
backoff, 0.1 s). aiokafka sends one fetch at a time to a broker, and leaves out of it a
partition whose records have not been taken yet; once they have waited the backoff, it fetches
the other partitions without it. A consumer busy longer than that (a parse, a burst's runs)
then took its records and found that partition's next ones held until that fetch returned,
which may wait the whole fetch wait when nothing else comes. Held back until the records are
taken, the next fetch asks for every partition: a consumer reads its records in turn anyway."""


class _Consumer(AIOKafkaConsumer):  # type: ignore[misc]
    async def start(self) -> None:
        await super().start()
        self._fetcher._prefetch_backoff = PREFETCH_HOLD_S


def consumer(bootstrap: str, group_id: str | None, *, read_committed: bool = True,
             **options: Any) -> AIOKafkaConsumer:
    """A consumer that commits nothing by itself and reads only committed transactions
    (``options``: further AIOKafkaConsumer settings, e.g. group membership)."""
    return _Consumer(
        bootstrap_servers=bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed" if read_committed else "read_uncommitted",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=32 * 1024 * 1024,
        **options,
    )


async def ensure_topics(bootstrap: str, topics: dict[str, tuple[int, int]]) -> None:
    """Create each topic {name: (partitions, retention_ms)} that does not exist yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, num_partitions=parts, replication_factor=1,
                     topic_configs={"retention.ms": str(retention), "cleanup.policy": "delete",
                                    "max.message.bytes": str(MAX_RECORD_BATCH)})
            for name, (parts, retention) in topics.items() if name not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another process was quicker
                await admin.create_topics(missing)
            log.info("created topics %s", [t.name for t in missing])
        for _ in range(50):  # metadata for new topics propagates asynchronously
            if set(topics) <= set(await admin.list_topics()):
                break
            await asyncio.sleep(0.1)
    finally:
        await admin.close()
