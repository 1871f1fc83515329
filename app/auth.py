"""Authentication: ``Authorization: Bearer rsk_…`` API keys, checked by hash against the views."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from app.context import ApiContext

KEY_PREFIX = "rsk_"


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class TenantContext:
    tenant_id: str
    plan: str
    key_id: str


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ApiContext, Depends(context)]


async def current_tenant(request: Request, ctx: Ctx) -> TenantContext:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX):
        raise HTTPException(401, "send 'Authorization: Bearer rsk_…' with an API key",
                            headers={"WWW-Authenticate": "Bearer"})
    row = await ctx.views.tenant_for_key(hash_key(token.strip()))
    if row is None:
        raise HTTPException(401, "the API key is unknown or revoked",
                            headers={"WWW-Authenticate": "Bearer"})
    return TenantContext(tenant_id=row["tenant_id"], plan=row["plan"], key_id=row["key_id"])


Tenant = Annotated[TenantContext, Depends(current_tenant)]
