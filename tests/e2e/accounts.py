"""Steps the account tests share: tenants made through the operators' API, users, sign-in."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.integration.helpers import wait_for

PASSWORD = "correct horse battery staple"


async def new_tenant(operator: httpx.AsyncClient, plan: str = "pro",
                     overrides: dict[str, Any] | None = None) -> httpx.AsyncClient:
    """A client for a new tenant's first admin key, once that key works."""
    response = await operator.post("/v1/tenants", json={
        "name": f"{plan} tenant {uuid.uuid4().hex[:6]}", "plan": plan, "overrides": overrides})
    assert response.status_code == 201, response.text
    body = response.json()
    client = httpx.AsyncClient(base_url=str(operator.base_url), timeout=30, headers={
        "Authorization": f"Bearer {body['api_key']}"})
    client.tenant_id = body["tenant_id"]  # type: ignore[attr-defined]

    async def works() -> bool:
        return (await client.get("/v1/simulations")).status_code == 200

    await wait_for(works)
    return client


async def new_user(admin: httpx.AsyncClient, role: str = "member") -> dict[str, Any]:
    """A user of the admin's tenant that can sign in; returns its id, email and a token."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    created = await admin.post("/v1/users", json={"email": email, "name": role.title(),
                                                  "role": role, "password": PASSWORD})
    assert created.status_code == 201, created.text

    user_id = created.json()["user_id"]

    async def projected() -> bool:
        return (await admin.get(f"/v1/users/{user_id}")).status_code == 200

    await wait_for(projected)
    response = await admin.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {**created.json(), "token": response.json()["access_token"]}


def as_bearer(base: httpx.AsyncClient, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=str(base.base_url), timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
