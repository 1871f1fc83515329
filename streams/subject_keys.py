"""The subject-key vault: the data subjects' keys in ``privacy.subject_keys``, kept outside every
projection schema because they cannot be rebuilt from the log (a replay finds the keys that are
left, and reads what the erased ones sealed as erased)."""

from __future__ import annotations

import asyncpg

from streams.envelope import Envelope
from streams.personal import (
    key_id,
    new_key,
    reveal,
    seal,
    sealed_subject,
    subject_of,
)


class SubjectKeys:
    """Creates a subject's key when its first personal data is written (a ``Sealer``), opens
    sealed events (an ``Opener``); erasure destroys the key."""

    def __init__(self, pool: asyncpg.Pool, log_prefix: str) -> None:
        self.pool, self.log_prefix = pool, log_prefix

    async def seal(self, events: list[Envelope]) -> list[Envelope]:
        sealed = []
        for event in events:
            subject = subject_of(event)
            if subject is not None:
                await self.pool.execute(
                    "INSERT INTO privacy.subject_keys (log_prefix, subject, key)"
                    " VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
                    self.log_prefix, subject, new_key())
                key = await self.pool.fetchval(
                    "SELECT key FROM privacy.subject_keys WHERE log_prefix=$1 AND subject=$2",
                    self.log_prefix, subject)
                event = seal(event, key)
            sealed.append(event)
        return sealed

    async def reveal(self, conn: asyncpg.Connection, event: Envelope) -> Envelope:
        """``event`` with its personal data readable, or erased if its key is gone."""
        subject = sealed_subject(event)
        if subject is None:
            return event
        return reveal(event, await conn.fetchval(
            "SELECT key FROM privacy.subject_keys WHERE log_prefix=$1 AND subject=$2",
            self.log_prefix, subject))

    async def key_id(self, subject: str) -> str | None:
        """The id of the subject's current key (None: none, e.g. erased and not seen since)."""
        key = await self.pool.fetchval("SELECT key FROM privacy.subject_keys WHERE log_prefix=$1"
                                       " AND subject=$2", self.log_prefix, subject)
        return None if key is None else key_id(key)

    async def open(self, event: Envelope) -> Envelope:
        async with self.pool.acquire() as conn:
            return await self.reveal(conn, event)

    async def destroy(self, subject: str) -> None:
        await self.pool.execute("DELETE FROM privacy.subject_keys WHERE log_prefix=$1"
                                " AND subject=$2", self.log_prefix, subject)
