"""Erasure on real Kafka and PostgreSQL: personal data is sealed in the log and revealed in the
views; once the subject's key is destroyed and ``subject.erased`` recorded, the live views and
a replay both read "[erased]" (and equal each other), the other user and data the subject gave
after the erasure are untouched, and the hash chains still verify because the stored bytes
never changed."""

from __future__ import annotations

import asyncio

from app.ops.auditing import verify_log
from infra import postgres
from infra.settings import Settings
from projections.postgres import PostgresProjector, checksum
from projections.replay import replay_postgres
from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.log import EventLog, ensure_topics
from streams.personal import ERASED, subject_id
from streams.subject_keys import SubjectKeys
from tests.integration.helpers import raw_messages


def user_story(tenant: str, user: str, email: str) -> list[Envelope]:
    audit = {"actor": "key:k1", "ip": "198.51.100.1", "user_agent": "admin-cli"}
    return [
        new_event("user.invited", tenant, tenant, {
            "invitation_id": f"inv-{user}", "email": email, "role": "member",
            "token_hash": f"{user:0<64}", "expires_at": "2030-01-01T00:00:00+00:00",
            "audit": audit}),
        new_event("user.created", tenant, tenant, {
            "user_id": user, "email": email, "name": f"Name of {user}", "role": "member",
            "password_hash": "$argon2id$x", "invitation_id": f"inv-{user}", "audit": audit}),
        new_event("auth.login_succeeded", tenant, tenant, {
            "email": email, "audit": {"actor": f"user:{user}", "ip": "203.0.113.9",
                                      "user_agent": "browser"}}),
    ]


async def test_an_erased_subject_reads_erased_live_and_after_a_replay(settings: Settings
                                                                      ) -> None:
    await ensure_topics(settings)
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    keys = SubjectKeys(pool, settings.topic_prefix)
    log = EventLog(settings, keys)
    await log.append([new_event("tenant.created", "acme", "acme", {"name": "Acme",
                                                                   "plan": "pro"})])
    await log.append(user_story("acme", "ada", "ada@example.com"))
    await log.append(user_story("acme", "bob", "bob@example.com"))
    projector = PostgresProjector(settings, pool)
    await projector.run(asyncio.Event(), until_end=True)
    stored = b"".join(v for _p, _o, v in await raw_messages(settings, "tenants"))
    assert b"ada@example.com" not in stored and b"Name of ada" not in stored
    assert await pool.fetchval("SELECT name FROM users WHERE user_id='ada'") == "Name of ada"

    subject = subject_id("ada@example.com")
    erasure = new_event("subject.erased", "acme", "acme", {
        "subject": subject, "key_id": await keys.key_id(subject), "audit": {"actor": "cli"}})
    await log.append([erasure])
    await keys.destroy(subject)
    # seen again after the erasure: sealed under a new key, readable, and left alone by the
    # erasure whichever order a replay interleaves the two topics in
    again = new_event("auth.login_failed", "", "", {
        "email": "ada@example.com", "reason": "unknown email",
        "audit": {"actor": None, "ip": "192.0.2.5", "user_agent": "curl"}})
    await log.append([again])
    await log.close()
    await projector.run(asyncio.Event(), until_end=True)

    users = {r["user_id"]: (r["email"], r["name"]) for r in await pool.fetch(
        "SELECT user_id, email, name FROM users")}
    assert users == {"ada": (ERASED, ERASED), "bob": ("bob@example.com", "Name of bob")}
    assert await pool.fetchval("SELECT email FROM invitations WHERE invitation_id='inv-ada'"
                               ) == ERASED
    login = await pool.fetchrow("SELECT ip, user_agent, detail FROM security_audit"
                                " WHERE action='auth.login_succeeded' AND detail->>'email'=$1",
                                ERASED)
    assert (login["ip"], login["user_agent"]) == (ERASED, ERASED)
    feed = [r["envelope"] for r in await pool.fetch(
        "SELECT envelope::text FROM event_log WHERE $1 = ANY(subjects) AND event_id <> $2",
        subject, again.id)]
    assert len(feed) == 4 and not any("ada@example.com" in e or "203.0.113.9" in e for e in feed)
    assert await pool.fetchval("SELECT ip FROM security_audit WHERE event_id=$1",
                               again.id) == "192.0.2.5"

    live = await checksum(pool)
    rebuilt = f"{settings.projection_schema}_rebuilt"
    assert await replay_postgres(settings, rebuilt) == live
    assert (await verify_log(settings))["ok"]
    await pool.close()
    for schema in (rebuilt, settings.projection_schema):
        await postgres.drop_schema(settings.postgres_dsn, schema)
