"""Users of a tenant: its admins create them and change their roles; members read the list.
Passwords are kept as argon2 hashes; a user signs in at POST /v1/auth/token."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import Admin, Ctx, Tenant, TenantContext
from app.api.commands import Ids, execute
from app.api.credentials import ROLE_RANK, Role, hash_password
from app.api.idempotency import body_hash
from app.api.security_log import audit, record_security_event
from streams.email_claims import EmailTaken
from streams.events import AuthPermissionDenied, UserCreated, UserRoleChanged

router = APIRouter(prefix="/v1/users", tags=["users"])


EMAIL = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254,
              examples=["ada@example.com"])
PASSWORD = Field(min_length=12, max_length=256,
                 description="at least 12 characters; kept only as an argon2 hash")


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = EMAIL
    name: str = Field(min_length=1, max_length=200)
    role: Role = "member"
    password: str = PASSWORD


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


def email_taken(email: str) -> HTTPException:
    return HTTPException(409, [{"loc": ["body", "email"],
                                "msg": f"a user with email {email} exists; use another"}])


async def may_grant(ctx: Ctx, request: Request, caller: TenantContext, role: str) -> None:
    """Nobody grants a role above their own (only platform admins make platform admins)."""
    if not caller.can(role):
        await record_security_event(ctx, AuthPermissionDenied(
            required_role=role, role=caller.role, field="role",
            audit=audit(request, caller.credential)).event(caller.tenant_id, caller.tenant_id))
        raise HTTPException(403, f"granting the {role} role needs that role; the credential's"
                            f" role is {caller.role}")


@router.post("", status_code=201, summary="Create a user in the caller's tenant")
async def create(request: Request, body: NewUser, ctx: Ctx, caller: Admin,
                 idempotency_key: Annotated[str | None, Header()] = None) -> JSONResponse:
    await may_grant(ctx, request, caller, body.role)
    email = body.email.lower()
    password_hash = await asyncio.to_thread(hash_password, body.password)

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        user_id = ids()
        event = UserCreated(
            user_id=user_id, email=email, name=body.name, role=body.role,
            password_hash=password_hash, audit=audit(request, caller.credential),
        ).event(caller.tenant_id, caller.tenant_id)
        answer = {"user_id": user_id, "email": email, "name": body.name, "role": body.role,
                  "links": {"self": f"/v1/users/{user_id}", "token": "/v1/auth/token"}}
        return [event], 201, answer

    digest = body_hash(await request.body())
    try:
        return await execute(ctx, caller, "POST /v1/users", idempotency_key, digest, build)
    except EmailTaken:
        raise email_taken(email) from None


@router.get("", summary="The tenant's users")
async def list_users(ctx: Ctx, caller: Tenant) -> dict[str, Any]:
    return {"users": await ctx.tenancy.users(caller.tenant_id)}


@router.get("/{user_id}", summary="A user of the tenant")
async def get_user(user_id: str, ctx: Ctx, caller: Tenant) -> dict[str, Any]:
    row = await ctx.tenancy.user(caller.tenant_id, user_id)
    if row is None:
        raise HTTPException(404, f"no user {user_id}")
    return row


@router.patch("/{user_id}", status_code=202, summary="Change a user's role")
async def change_role(user_id: str, request: Request, body: RoleChange, ctx: Ctx, caller: Admin,
                      idempotency_key: Annotated[str | None, Header()] = None) -> JSONResponse:
    row = await ctx.tenancy.user(caller.tenant_id, user_id)
    if row is None:
        raise HTTPException(404, f"no user {user_id}")
    await may_grant(ctx, request, caller, max(body.role, row["role"], key=ROLE_RANK.__getitem__))

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        event = UserRoleChanged(
            user_id=user_id, role=body.role, previous_role=row["role"],
            audit=audit(request, caller.credential),
        ).event(caller.tenant_id, caller.tenant_id)
        return [event], 202, {"user_id": user_id, "role": body.role}

    return await execute(ctx, caller, f"PATCH /v1/users/{user_id}", idempotency_key,
                         body_hash(await request.body()), build)
