"""Operator commands: topics, tenants with their first API key and platform admin credentials."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from app.api.credentials import hash_key, hash_password, new_api_key
from infra import postgres
from infra.settings import Settings
from projections.tenancy_queries import Directory
from streams.email_claims import EmailClaims, EmailTaken
from streams.envelope import Envelope, new_id
from streams.events import SCOPES, ApiKeyIssued, Audit, TenantCreated, UserCreated
from streams.events.base import Role
from streams.log import EventLog, ensure_topics
from streams.plans import PLANS, LimitValue, limits_for
from streams.subject_keys import SubjectKeys

PLATFORM_TENANT = "platform"
# The operators' own tenant: the free plan (nothing to bill) with enterprise limits.
OPERATOR_LIMITS: dict[str, LimitValue] = asdict(PLANS["enterprise"])


async def _record_and_wait(settings: Settings, events: list[Envelope], key_id: str,
                           wait_s: float) -> None:
    """Append ``events`` (claiming the addresses of the users they create) and wait until the
    projection knows the key ``key_id`` (it works then)."""
    await ensure_topics(settings)
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    log = EventLog(settings, SubjectKeys(pool, settings.topic_prefix))
    claims = EmailClaims(pool, settings.topic_prefix)
    try:
        await claims.adopt(Directory(pool).live_users)
        try:
            await claims.append(log, events)
        except EmailTaken as exc:
            raise ValueError(f"a user with email {exc.email} exists already") from None
        for _ in range(int(wait_s * 10)):
            if await pool.fetchval("SELECT 1 FROM api_keys WHERE key_id=$1", key_id):
                break
            await asyncio.sleep(0.1)
    finally:
        await log.close()
        await pool.close()


def _key(tenant_id: str, name: str, role: Role, cause: Envelope | None
         ) -> tuple[Envelope, str, str]:
    key_id, key = new_id(), new_api_key()
    body = ApiKeyIssued(key_id=key_id, key_hash=hash_key(key), name=name, role=role,
                        scopes=list(SCOPES), audit=Audit(actor="cli"))
    issued = cause.caused(body) if cause is not None else body.event(tenant_id, tenant_id)
    return issued, key_id, key


async def create_tenant(settings: Settings, name: str, plan: str,
                        overrides: dict[str, LimitValue] | None = None, wait_s: float = 30.0
                        ) -> dict[str, Any]:
    """Record ``tenant.created`` and an admin ``api_key.issued``; the key is returned once,
    never stored."""
    limits_for(plan, overrides)  # refuses an unknown plan or override before anything is sent
    tenant_id = new_id()
    created = TenantCreated(name=name, plan=plan, overrides=overrides or {}
                            ).event(tenant_id, tenant_id)
    issued, key_id, key = _key(tenant_id, "first admin key", "admin", created)
    await _record_and_wait(settings, [created, issued], key_id, wait_s)
    return {"tenant_id": tenant_id, "name": name, "plan": plan, "api_key": key}


async def move_tenant(settings: Settings, tenant_id: str, to: str,
                      archive: Path | None = None) -> dict[str, Any]:
    """Move a tenant's views to the database ``to`` by replay (:mod:`projections.tenant_move`);
    what moved and how long it took."""
    from projections.tenant_move import move_tenant as move

    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    log = EventLog(settings)
    try:
        report = await move(settings, pool, log.append, tenant_id, to, archive=archive)
    except asyncpg.InvalidCatalogNameError:
        name = urlsplit(to).path.lstrip("/")  # not the DSN: it may hold a password
        raise ValueError(f"there is no database {name!r} to move tenant {tenant_id} to: create"
                         f" it first (CREATE DATABASE {name}), empty; the move makes its"
                         " tables") from None
    finally:
        await log.close()
        await pool.close()
    return asdict(report)


async def create_platform_admin(settings: Settings, email: str | None = None,
                                password: str | None = None, wait_s: float = 30.0
                                ) -> dict[str, Any]:
    """A platform admin API key (and, with an email, a platform admin user) in the operators'
    tenant, created with it the first time."""
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        exists = await pool.fetchval("SELECT 1 FROM tenants WHERE tenant_id=$1", PLATFORM_TENANT)
    finally:
        await pool.close()
    created = None if exists else TenantCreated(
        name="RiskStream operators", plan="free", overrides=OPERATOR_LIMITS,
    ).event(PLATFORM_TENANT, PLATFORM_TENANT)
    issued, key_id, key = _key(PLATFORM_TENANT, "platform admin", "platform_admin", created)
    events = [issued] if created is None else [created, issued]
    answer: dict[str, Any] = {"tenant_id": PLATFORM_TENANT, "key_id": key_id, "api_key": key}
    if email is not None:
        if not password or len(password) < 12:
            raise ValueError("the platform admin's password needs at least 12 characters")
        user_id = new_id()
        events.append(events[0].caused(UserCreated(
            user_id=user_id, email=email.lower(), name="platform admin", role="platform_admin",
            password_hash=hash_password(password), audit=Audit(actor="cli"))))
        answer.update(user_id=user_id, email=email.lower())
    await _record_and_wait(settings, events, key_id, wait_s)
    return answer


async def topics(settings: Settings) -> None:
    await ensure_topics(settings)
