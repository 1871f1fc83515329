"""Tenants, users, roles and credentials through the REST API: operators create tenants, admins
manage users and keys, members are refused admin work (and the refusal is audited), tokens
and keys stop working when they expire or are revoked."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.api.credentials import issue_token
from app.ops.launcher import service_env
from tests.e2e.accounts import PASSWORD, as_bearer, new_tenant, new_user
from tests.e2e.conftest import Service
from tests.integration.helpers import wait_for


async def test_an_operator_creates_a_tenant_whose_admin_manages_users_and_keys(
        operator: httpx.AsyncClient) -> None:
    admin = await new_tenant(operator, "basic")
    tenant = (await admin.get(f"/v1/tenants/{admin.tenant_id}")).json()  # type: ignore[attr-defined]
    assert tenant["plan"] == "basic" and tenant["status"] == "active"
    listed = (await operator.get("/v1/tenants")).json()["tenants"]
    assert admin.tenant_id in {t["tenant_id"] for t in listed}  # type: ignore[attr-defined]

    member = await new_user(admin, "member")
    async with as_bearer(admin, member["token"]) as as_member:
        assert (await as_member.get("/v1/simulations")).status_code == 200
        assert (await as_member.get("/v1/users")).status_code == 200
        for method, path, body in (("POST", "/v1/api-keys", {"name": "x"}),
                                   ("GET", "/v1/api-keys", None),
                                   ("POST", "/v1/users", {"email": "a@b.co", "name": "A",
                                                          "password": PASSWORD}),
                                   ("GET", "/v1/audit/security", None),
                                   ("GET", "/v1/tenants", None)):
            refused = await as_member.request(method, path, json=body)
            assert refused.status_code == 403, (path, refused.text)
            assert "role" in refused.json()["detail"]

    async def denial_audited() -> list[dict]:  # type: ignore[type-arg]
        rows = (await admin.get("/v1/audit/security",
                                params={"action": "auth.permission_denied"})).json()["events"]
        return rows if len(rows) >= 5 else []

    denied = await wait_for(denial_audited)
    assert {d["path"] for d in denied} >= {"/v1/api-keys", "/v1/users", "/v1/audit/security"}
    assert all(d["ip"] == "127.0.0.1" and d["user_agent"] and d["severity"] == "warning"
               for d in denied)
    assert denied[0]["actor"] == f"user:{member['user_id']}"

    promoted = await admin.patch(f"/v1/users/{member['user_id']}", json={"role": "admin"})
    assert promoted.status_code == 202

    async def is_admin() -> bool:
        user = (await admin.get(f"/v1/users/{member['user_id']}")).json()
        return bool(user["role"] == "admin")

    await wait_for(is_admin)
    async with as_bearer(admin, member["token"]) as now_admin:  # same token, new role
        assert (await now_admin.get("/v1/api-keys")).status_code == 200
        assert (await now_admin.patch(f"/v1/users/{member['user_id']}",
                                      json={"role": "platform_admin"})).status_code == 403


async def test_keys_are_shown_once_and_stop_working_when_revoked(
        operator: httpx.AsyncClient) -> None:
    admin = await new_tenant(operator)
    issued = await admin.post("/v1/api-keys", json={"name": "ci", "role": "member"},
                              headers={"Idempotency-Key": "key-1"})
    assert issued.status_code == 201 and issued.json()["api_key"].startswith("rsk_")
    replay = await admin.post("/v1/api-keys", json={"name": "ci", "role": "member"},
                              headers={"Idempotency-Key": "key-1"})
    assert replay.json()["key_id"] == issued.json()["key_id"] and "api_key" not in replay.json()
    key_id = issued.json()["key_id"]
    async with as_bearer(admin, issued.json()["api_key"]) as ci:
        await wait_for(lambda: _ok(ci, "/v1/simulations"))
        assert (await ci.post("/v1/api-keys", json={"name": "y"})).status_code == 403
        listed = (await admin.get("/v1/api-keys")).json()["api_keys"]
        assert {"key_id": key_id, "role": "member", "name": "ci"}.items() <= \
            next(k for k in listed if k["key_id"] == key_id).items()
        assert all("key_hash" not in k for k in listed)
        assert (await admin.delete(f"/v1/api-keys/{key_id}")).status_code == 202

        async def refused() -> bool:
            return (await ci.get("/v1/simulations")).status_code == 401

        await wait_for(refused)
    assert (await admin.delete(f"/v1/api-keys/{key_id}")).status_code == 409
    assert (await admin.delete("/v1/api-keys/nope")).status_code == 404
    too_high = await admin.post("/v1/api-keys", json={"name": "z", "role": "platform_admin"})
    assert too_high.status_code == 403

    async def audited() -> set[str]:
        rows = (await admin.get("/v1/audit/security")).json()["events"]
        actions = {r["action"] for r in rows}
        return actions if {"api_key.issued", "api_key.revoked"} <= actions else set()

    await wait_for(audited)


async def _ok(client: httpx.AsyncClient, path: str) -> bool:
    return (await client.get(path)).status_code == 200


async def test_bad_expired_and_forged_credentials_are_401_never_500(
        service: Service, operator: httpx.AsyncClient) -> None:
    admin = await new_tenant(operator)
    user = await new_user(admin, "admin")
    secret = service.settings.jwt_secret.get_secret_value()
    expired = issue_token(secret, user["user_id"], admin.tenant_id, 60,  # type: ignore[attr-defined]
                          now=datetime.now(UTC) - timedelta(hours=1)).token
    forged = issue_token("x" * 40, user["user_id"], admin.tenant_id, 60).token  # type: ignore[attr-defined]
    other_tenant = issue_token(secret, user["user_id"], "someone-else", 60).token
    async with httpx.AsyncClient(base_url=service.url) as anonymous:
        for header in (f"Bearer {expired}", f"Bearer {forged}", f"Bearer {other_tenant}",
                       "Bearer not.a.jwt", "Bearer rsk_unknown", "Basic abc", "Bearer"):
            response = await anonymous.get("/v1/simulations",
                                           headers={"Authorization": header})
            assert response.status_code == 401, (header, response.text)
        assert "expired" in (await anonymous.get("/v1/simulations", headers={
            "Authorization": f"Bearer {expired}"})).json()["detail"]
        for body in ({"email": user["email"], "password": "wrong password!"},
                     {"email": "nobody@example.com", "password": PASSWORD}):
            response = await anonymous.post("/v1/auth/token", json=body)
            assert response.status_code == 401
            assert response.json()["detail"] == "the email or password is wrong"
        assert (await anonymous.post("/v1/auth/token", json={"email": "x"})).status_code == 422
        good = await anonymous.post("/v1/auth/token", json={"email": user["email"].upper(),
                                                             "password": PASSWORD})
        assert good.status_code == 200 and good.json()["expires_in"] == service.settings.jwt_ttl_s

    async def logins() -> set[str]:
        rows = (await admin.get("/v1/audit/security")).json()["events"]
        actions = {r["action"] for r in rows}
        return actions if {"auth.login_failed", "auth.login_succeeded"} <= actions else set()

    await wait_for(logins)
    assert (await admin.get("/v1/audit/security", params={"tenant_id": ""})).status_code == 404

    async def unknown_email_audited() -> list[Any]:
        response = await operator.get("/v1/audit/security", params={
            "tenant_id": "", "action": "auth.login_failed"})
        return [e for e in response.json()["events"]
                if e["detail"]["email"] == "nobody@example.com"]

    await wait_for(unknown_email_audited)


async def test_the_cli_makes_a_platform_admin_who_can_sign_in(service: Service) -> None:
    env = service_env(service.settings)
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.ops.cli", "platform-admin", "--email", "Ops@Example.com",
        "--password-stdin", env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await command.communicate(f"{PASSWORD}\n".encode())
    assert command.returncode == 0, err.decode()
    created = json.loads(out)
    assert created["api_key"].startswith("rsk_") and created["email"] == "ops@example.com"
    async with httpx.AsyncClient(base_url=service.url) as client:
        async def signed_in() -> str | None:
            response = await client.post("/v1/auth/token", json={"email": "ops@example.com",
                                                                  "password": PASSWORD})
            return response.json()["access_token"] if response.status_code == 200 else None

        token = await wait_for(signed_in)
        listed = await client.get("/v1/tenants", headers={"Authorization": f"Bearer {token}"})
        assert listed.status_code == 200 and listed.json()["tenants"]


async def test_an_invited_user_joins_with_the_role_given_and_the_token_works_once(
        service: Service, operator: httpx.AsyncClient) -> None:
    admin = await new_tenant(operator)
    email = f"invited-{uuid.uuid4().hex[:8]}@example.com"
    invited = await admin.post("/v1/invitations", json={"email": email, "role": "admin"})
    assert invited.status_code == 201 and invited.json()["token"].startswith("rsi_")
    token = invited.json()["token"]
    member = await new_user(admin)
    async with as_bearer(admin, member["token"]) as as_member:
        assert (await as_member.post("/v1/invitations", json={"email": "x@example.com"})
                ).status_code == 403
    async with httpx.AsyncClient(base_url=service.url) as anonymous:
        body = {"token": token, "name": "Grace", "password": PASSWORD}
        assert (await anonymous.post("/v1/invitations/accept", json={
            **body, "token": "rsi_forged"})).status_code == 404

        async def accepted() -> httpx.Response | None:
            response = await anonymous.post("/v1/invitations/accept", json=body)
            return response if response.status_code != 404 else None  # not projected yet

        joined = await wait_for(accepted)
        assert joined.status_code == 201 and joined.json()["role"] == "admin"

        async def used() -> bool:  # the user and the used invitation land in one transaction
            again = await anonymous.post("/v1/invitations/accept", json=body)
            return again.status_code == 410

        await wait_for(used)
        assert (await anonymous.post("/v1/auth/token", json={
            "email": email, "password": PASSWORD})).status_code == 200
    listed = (await admin.get("/v1/invitations")).json()["invitations"]
    assert listed[0]["user_id"] == joined.json()["user_id"] and listed[0]["accepted_at"]
    assert "token_hash" not in listed[0]


async def test_an_address_is_refused_to_a_second_user_at_once_in_any_tenant(
        service: Service, operator: httpx.AsyncClient) -> None:
    first, second = await new_tenant(operator), await new_tenant(operator)
    email = f"taken-{uuid.uuid4().hex[:8]}@example.com"
    user = {"email": email, "name": "Ada", "password": PASSWORD}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    assert (await first.post("/v1/users", json=user, headers=key)).status_code == 201
    # no waiting for the views: the address was claimed with the command
    again = await second.post("/v1/users", json={**user, "email": email.upper()})
    assert again.status_code == 409 and again.json()["errors"] == [
        {"loc": ["body", "email"], "msg": f"a user with email {email} exists; use another"}]
    assert (await second.post("/v1/invitations", json={"email": email})).status_code == 409
    replayed = await first.post("/v1/users", json=user, headers=key)  # the same command
    assert replayed.status_code == 201 and replayed.headers["Idempotent-Replayed"] == "true"
