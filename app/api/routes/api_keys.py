"""API keys: a tenant's admins issue them (the key is shown once; only its hash is kept), list
them and revoke them. A key's role is at most its issuer's; its scopes (read, simulate, admin,
billing; all four unless narrowed) limit it further, route by route (see :mod:`app.api.scopes`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import Admin, Ctx
from app.api.commands import Ids, execute
from app.api.credentials import Role, hash_key, new_api_key
from app.api.idempotency import body_hash
from app.api.routes.users import may_grant
from app.api.security_log import audit
from streams.events import SCOPES, ApiKeyIssued, ApiKeyRevoked, Scope

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, examples=["ci pipeline"])
    role: Role = "member"
    scopes: list[Scope] = Field(default_factory=lambda: list(SCOPES), min_length=1,
                                examples=[["read", "simulate"]])


@router.post("", status_code=201, summary="Issue an API key (shown once)")
async def issue(request: Request, body: NewKey, ctx: Ctx, caller: Admin,
                idempotency_key: Annotated[str | None, Header()] = None) -> JSONResponse:
    await may_grant(ctx, request, caller, body.role)

    scopes = sorted(set(body.scopes), key=SCOPES.index)

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        key_id, key = ids(), new_api_key()
        event = ApiKeyIssued(
            key_id=key_id, key_hash=hash_key(key), name=body.name, role=body.role,
            scopes=scopes, audit=audit(request, caller.credential),
        ).event(caller.tenant_id, caller.tenant_id)
        answer = {"key_id": key_id, "api_key": key, "name": body.name, "role": body.role,
                  "scopes": scopes, "links": {"self": f"/v1/api-keys/{key_id}"}}
        return [event], 201, answer

    return await execute(ctx, caller, "POST /v1/api-keys", idempotency_key,
                         body_hash(await request.body()), build, shown_once="api_key")


@router.get("", summary="The tenant's API keys (never the keys themselves)")
async def list_keys(ctx: Ctx, caller: Admin) -> dict[str, Any]:
    return {"api_keys": await ctx.tenancy.api_keys(caller.tenant_id)}


@router.get("/{key_id}", summary="One API key's name, role and dates")
async def get_key(key_id: str, ctx: Ctx, caller: Admin) -> dict[str, Any]:
    row = await ctx.tenancy.api_key(caller.tenant_id, key_id)
    if row is None:
        raise HTTPException(404, f"no API key {key_id}")
    return row


@router.delete("/{key_id}", status_code=202, summary="Revoke an API key")
async def revoke(key_id: str, request: Request, ctx: Ctx, caller: Admin) -> JSONResponse:
    row = await ctx.tenancy.api_key(caller.tenant_id, key_id)
    if row is None:
        raise HTTPException(404, f"no API key {key_id}")
    if row["revoked_at"] is not None:
        raise HTTPException(409, f"API key {key_id} was revoked at {row['revoked_at']}")

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        event = ApiKeyRevoked(key_id=key_id, audit=audit(request, caller.credential)
                              ).event(caller.tenant_id, caller.tenant_id)
        return [event], 202, {"key_id": key_id, "status": "revoked"}

    return await execute(ctx, caller, f"DELETE /v1/api-keys/{key_id}", None, key_id, build)
