"""The data subjects' keys in ``privacy.subject_keys`` (outside every projection schema, so a
replay finds the keys that are left), and finding a tenant's subjects for erasure."""

from __future__ import annotations

import re

import asyncpg

from streams.envelope import Envelope
from streams.events import UserCreated
from streams.personal import (
    key_id,
    new_key,
    reveal,
    seal,
    sealed_subject,
    subject_id,
    subject_of,
)

SUBJECT = re.compile(r"^[0-9a-f]{64}$")


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


async def tenant_subject(pool: asyncpg.Pool, tenant_id: str, given: str) -> str | None:
    """The subject ``given`` names in the tenant (an e-mail address, a user id, or the subject
    id itself), if the tenant's events carry its personal data; else None."""
    if "@" in given:
        subject = subject_id(given)
    elif SUBJECT.match(given):
        subject = given
    else:
        subject = await pool.fetchval(
            "SELECT envelope->'data'->'personal'->>'subject' FROM event_log WHERE tenant_id=$1"
            " AND type=$3 AND envelope->'data'->>'user_id'=$2", tenant_id, given,
            UserCreated.type)
        if subject is None:
            return None
    found = await pool.fetchval("SELECT 1 FROM event_log WHERE tenant_id=$1 AND $2=ANY(subjects)"
                                " LIMIT 1", tenant_id, subject)
    return subject if found else None
