"""How ``subject.erased`` changes the PostgreSQL views: every row holding personal data sealed
with the destroyed key is rewritten exactly as a replay (which can no longer open it) builds it.
Rows sealed with a key the subject got later are left alone, whichever order a replay applies
them in."""

from __future__ import annotations

import json

import asyncpg

from projections.postgres_tenancy import AUDIT_SEVERITY, Apply, audited
from streams.envelope import Envelope
from streams.events import AuthMfaEnrolled, SubjectErased, UserCreated, UserInvited
from streams.personal import ERASED, erased


async def subject_erased(conn: asyncpg.Connection, e: Envelope) -> None:
    erasure = e.body(SubjectErased)
    rows = await conn.fetch("SELECT topic, partition, kafka_offset, envelope FROM event_log"
                            " WHERE $1 = ANY(subjects)"
                            " AND envelope->'data'->'personal'->>'key_id' = $2",
                            erasure.subject, erasure.key_id)
    for row in rows:
        envelope = json.loads(row["envelope"])
        envelope["data"] = erased(envelope["data"])
        await conn.execute(
            "UPDATE event_log SET envelope=$4::jsonb WHERE topic=$1 AND partition=$2"
            " AND kafka_offset=$3", row["topic"], row["partition"], row["kafka_offset"],
            json.dumps(envelope, separators=(",", ":"), sort_keys=True))
        # event_log's public copy, read as such: its credentials read "[redacted]", which
        # some models refuse (a list of hashes), so its fields are read from the JSON
        event = Envelope.from_json(json.dumps(envelope).encode())
        d = event.data
        if event.type in AUDIT_SEVERITY:
            await conn.execute("DELETE FROM security_audit WHERE event_id=$1", event.id)
            await audited(conn, event)
        if event.type == UserCreated.type:
            await conn.execute("UPDATE users SET email=$2, name=$3 WHERE user_id=$1",
                               d["user_id"], d["email"], d["name"])
        elif event.type == UserInvited.type:
            await conn.execute("UPDATE invitations SET email=$2 WHERE invitation_id=$1",
                               d["invitation_id"], ERASED)
        elif event.type == AuthMfaEnrolled.type:  # the secret goes with the person
            await conn.execute("UPDATE user_mfa SET totp_secret=$2 WHERE user_id=$1"
                               " AND enrolled_at=$3", d["user_id"], ERASED, event.occurred_at)


PRIVACY_VIEWS: dict[str, Apply] = {SubjectErased.type: subject_erased}
