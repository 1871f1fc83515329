"""A tenant's events for subscribers, read from ``event_log``, paged by a stable cursor.

The cursor: for every log partition, the offset of the next event the reader has not seen
(``topic:partition:next_offset``, comma-separated, base64url, prefixed ``c1.``). It names
positions in the Kafka log itself, so it stays valid when the projection is rebuilt, and it
is exact: a page holds, for each partition, the events right after the cursor in offset order
(events are applied partition by partition in offset order, so the first N rows by application
order are a prefix of every partition), and the next cursor moves past exactly those. Nothing is
skipped or repeated, whatever filter is used, across pages and across stream reconnects.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import asyncpg

from projections.queries import tenant_scope
from streams.catalogue import TOPICS

Cursor = dict[tuple[str, int], int]
PREFIX = "c1."


class BadCursor(ValueError):
    """The cursor is not one this API issued."""


def encode(cursor: Cursor) -> str:
    body = ",".join(f"{t}:{p}:{o}" for (t, p), o in sorted(cursor.items()) if o > 0)
    return PREFIX + base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode(text: str) -> Cursor:
    """The positions in ``text``; BadCursor when it was not made by :func:`encode`."""
    if not text.startswith(PREFIX):
        raise BadCursor(f"a cursor starts with {PREFIX!r}; use one returned by this API")
    raw = text[len(PREFIX):]
    try:
        body = base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_",
                                validate=True).decode()
        cursor: Cursor = {}
        for part in filter(None, body.split(",")):
            topic, partition, offset = part.split(":")
            # a partition is a 32-bit and an offset a 64-bit signed number, in Kafka as here
            if topic not in TOPICS or not (0 <= int(partition) < 2**31
                                           and 0 <= int(offset) < 2**63):
                raise ValueError(part)
            cursor[(topic, int(partition))] = int(offset)
        return cursor
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor("the cursor is damaged; use one returned by this API") from None


def advanced(cursor: Cursor, topic: str, partition: int, offset: int) -> Cursor:
    """``cursor`` moved past the event at ``offset``."""
    return {**cursor, (topic, partition): max(cursor.get((topic, partition), 0), offset + 1)}


@dataclass(frozen=True)
class FeedEvent:
    """One event with the cursor that resumes right after it."""

    envelope: dict[str, Any]
    cursor: str
    log: dict[str, Any]  # where it is in the log: topic, partition, offset, chain hash

    @cached_property
    def text(self) -> str:
        """The envelope as JSON, encoded once however many readers a shared read serves."""
        return json.dumps(self.envelope)


def _positions(cursor: Cursor) -> tuple[list[str], list[int], list[int]]:
    every = {(t.name, p): 0 for t in TOPICS.values() for p in range(t.partitions)}
    every.update(cursor)
    keys = sorted(every)
    return [k[0] for k in keys], [k[1] for k in keys], [every[k] for k in keys]


# Each partition is scanned from its own cursor position (an index range per partition); the
# union is ordered by application order.
_PAGE = """
SELECT e.seq, e.topic, e.partition, e.kafka_offset, e.position, e.chain_hash,
       e.envelope::text AS envelope
FROM unnest($2::text[], $3::int[], $4::bigint[]) AS c(topic, partition, next_offset)
CROSS JOIN LATERAL (
    SELECT * FROM event_log e
    WHERE e.tenant_id = $1 AND e.topic = c.topic AND e.partition = c.partition
      AND e.kafka_offset >= c.next_offset
      AND ($5::text IS NULL OR starts_with(e.type, $5))
      AND ($6::text IS NULL OR $6 = ANY(e.subjects))
    ORDER BY e.kafka_offset LIMIT $7
) e
ORDER BY e.seq LIMIT $7
"""


PAGE_BYTES = 8 * 2**20
"""Most bytes of events one page carries (at least one event): a page of a thousand events of
multi-megabyte results was 121 MiB, read, decoded and encoded at once in an API worker."""
# the page cut where its events pass PAGE_BYTES; page_rows says whether the cut left any
_SIZED_PAGE = f"""
SELECT s.* FROM (
    SELECT p.*, count(*) OVER () AS page_rows,
           sum(octet_length(p.envelope)) OVER (ORDER BY p.seq) - octet_length(p.envelope)
               AS before
    FROM ({_PAGE}) p
) s WHERE s.before < $8 ORDER BY s.seq
"""


class EventFeed:
    """Tenant-scoped reads of ``event_log``: pages after a cursor, and the cursor of now."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def page(self, tenant_id: str, cursor: Cursor, limit: int, *,
                   type_prefix: str | None = None, aggregate: str | None = None
                   ) -> tuple[list[FeedEvent], Cursor, bool]:
        """Up to ``limit`` events after ``cursor`` (and up to PAGE_BYTES of them), the cursor
        after the last of them, and whether more may follow at once (a full page, or one cut
        at PAGE_BYTES)."""
        async with tenant_scope(self.pool, tenant_id) as conn:
            rows = await conn.fetch(_SIZED_PAGE, tenant_id, *_positions(cursor), type_prefix,
                                    aggregate, limit, PAGE_BYTES)
        more = bool(rows) and (rows[0]["page_rows"] == limit or len(rows) < rows[0]["page_rows"])
        events = []
        for row in rows:
            cursor = advanced(cursor, row["topic"], row["partition"], row["kafka_offset"])
            log = {"topic": row["topic"], "partition": row["partition"],
                   "offset": row["kafka_offset"], "position": row["position"],
                   "chain_hash": row["chain_hash"]}
            events.append(FeedEvent(json.loads(row["envelope"]), encode(cursor), log))
        return events, cursor, more

    async def now(self, tenant_id: str) -> Cursor:
        """The cursor after the tenant's latest event: a stream from here sees only new ones."""
        async with tenant_scope(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT topic, partition, max(kafka_offset) AS last FROM event_log"
                " WHERE tenant_id=$1 GROUP BY topic, partition", tenant_id)
        return {(r["topic"], r["partition"]): r["last"] + 1 for r in rows}

    async def backlog(self, tenant_id: str, cursor: Cursor, cap: int, *,
                      type_prefix: str | None = None, aggregate: str | None = None) -> int:
        """How many events lie after ``cursor`` (counted up to ``cap``)."""
        async with tenant_scope(self.pool, tenant_id) as conn:
            count: int = await conn.fetchval(
                f"SELECT count(*) FROM ({_PAGE}) p", tenant_id, *_positions(cursor),
                type_prefix, aggregate, cap)
        return count
