"""The log's topics: each aggregate's events go to one, keyed by the aggregate id."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """A logical topic: its partitions and how long Kafka keeps it (-1: forever, it is the log)."""

    name: str
    partitions: int
    retention_ms: int = -1


TOPICS: dict[str, Topic] = {
    t.name: t
    for t in (
        Topic("tenants", 3),
        Topic("workbooks", 3),
        Topic("simulations", 6),
        Topic("billing", 3),
        Topic("webhooks", 3),
        Topic("security", 3),
        Topic("deadletters", 3),
        Topic("chunks", 12),
    )
}
