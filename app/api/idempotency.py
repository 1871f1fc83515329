"""Idempotency-Key handling: the same key and body return the same answer and write nothing twice.

A key is claimed before the event is sent and completed with the response after the broker
acknowledged it. If sending fails with nothing sent, the claim is dropped; if the outcome is
unknown (no acknowledgement, or the API failed in between), the claim is marked unsettled and
the next request with the same key and body takes it over and runs the command again under the
same ids (see :mod:`app.api.commands`). A claim left in progress longer than its lease (an API
process that died mid-command) is unsettled too, so no key stays "in progress" for ever."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import asyncpg

LEASE_S = 30  # longer than a command's append can take (the broker's timeout and retries)


@dataclass(frozen=True)
class Replay:
    """A stored answer, or a conflict with what the key was first used for."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class IdempotencyKeys:
    """The claims in ``api.idempotency_keys`` (a table of the kept migrations: no projection
    rebuild drops it)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def claim(self, tenant_id: str, route: str, key: str, digest: str) -> Replay | None:
        """None when the key is new or its claim is taken over (now ours); else the answer to
        give instead."""
        inserted = await self.pool.fetchval(
            "INSERT INTO api.idempotency_keys (tenant_id, route, key, body_hash)"
            " VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING RETURNING 1",
            tenant_id, route, key, digest)
        if inserted:
            return None
        row = await self.pool.fetchrow(
            "SELECT body_hash, status, response FROM api.idempotency_keys"
            " WHERE tenant_id=$1 AND route=$2 AND key=$3", tenant_id, route, key)
        if row is None:  # released between the two statements: try once more
            return await self.claim(tenant_id, route, key, digest)
        if row["body_hash"] != digest:
            return Replay(422, {"detail": "this Idempotency-Key was used with a different"
                                " request", "errors": [{"loc": ["header", "Idempotency-Key"],
                                "msg": "this Idempotency-Key was used with a different request"
                                " body; use a new key"}]})
        if row["status"] is None:
            taken = await self.pool.fetchval(
                "UPDATE api.idempotency_keys SET unsettled=false, created_at=now()"
                " WHERE tenant_id=$1 AND route=$2 AND key=$3 AND status IS NULL AND"
                " (unsettled OR created_at < now() - make_interval(secs => $4)) RETURNING 1",
                tenant_id, route, key, LEASE_S)
            if taken:
                return None
            return Replay(409, {"detail": "a request with this Idempotency-Key is in progress;"
                                " retry shortly"}, {"Retry-After": "1"})
        return Replay(row["status"], json.loads(row["response"]))

    async def complete(self, tenant_id: str, route: str, key: str, status: int,
                       body: dict[str, Any]) -> None:
        await self.pool.execute(
            "UPDATE api.idempotency_keys SET status=$4, response=$5, unsettled=false"
            " WHERE tenant_id=$1 AND route=$2 AND key=$3",
            tenant_id, route, key, status, json.dumps(body))

    async def release(self, tenant_id: str, route: str, key: str) -> None:
        """Drop the claim: nothing was recorded, the key is free for any request."""
        await self.pool.execute(
            "DELETE FROM api.idempotency_keys WHERE tenant_id=$1 AND route=$2 AND key=$3"
            " AND status IS NULL", tenant_id, route, key)

    async def unsettle(self, tenant_id: str, route: str, key: str, maybe_recorded: bool
                       ) -> None:
        """The command's outcome is unknown (``maybe_recorded``), or known to be nothing."""
        if not maybe_recorded:
            await self.release(tenant_id, route, key)
            return
        await self.pool.execute(
            "UPDATE api.idempotency_keys SET unsettled=true"
            " WHERE tenant_id=$1 AND route=$2 AND key=$3 AND status IS NULL",
            tenant_id, route, key)
