"""Finding a tenant's data subjects in the event feed, for erasure."""

from __future__ import annotations

import re

import asyncpg

from streams.events import UserCreated
from streams.personal import subject_id

SUBJECT = re.compile(r"^[0-9a-f]{64}$")


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
