"""Sign-in on the real stack: scoped API keys refused outside their scopes (403, audited),
TOTP required once enabled (and recovery codes used once), refresh tokens rotated with reuse
revoking the family, logout revoking the session's tokens at once, and OIDC sign-in end to end
against a provider with its own keys on loopback."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pyotp
import pytest

from infra import postgres
from infra.secretbox import is_sealed, secret_box
from tests.e2e.accounts import PASSWORD, as_bearer, new_user
from tests.e2e.conftest import API_WORKERS, Service
from tests.e2e.oidc_provider import CLIENT_ID, LocalProvider
from tests.integration.helpers import wait_for

PROBLEM = "application/problem+json"


def _field(response: httpx.Response) -> list[Any]:
    assert response.headers["content-type"] == PROBLEM, response.text
    return [e["loc"] for e in response.json()["errors"]]


async def _audited(admin: httpx.AsyncClient, action: str, at_least: int = 1,
                   path: str | None = None) -> list[dict[str, Any]]:
    """The tenant's security audit rows of ``action`` (those on ``path`` only, when given)
    once there are ``at_least``: the projector records them a moment after the request."""
    async def rows() -> list[dict[str, Any]]:
        found = [row for row in (await admin.get("/v1/audit/security",
                                                 params={"action": action})).json()["events"]
                 if path is None or row["path"] == path]
        return found if len(found) >= at_least else []

    return list(await wait_for(rows))


async def _sign_in(client: httpx.AsyncClient, email: str, **extra: str) -> httpx.Response:
    return await client.post("/v1/auth/token",
                             json={"email": email, "password": PASSWORD, **extra})


async def _until_recorded(service_url: str, tenant_id: str) -> None:
    """Until the tenant's OIDC provider is in the views (its sign-in starts)."""
    async def recorded() -> bool:
        answer = await httpx.AsyncClient(base_url=service_url).get(
            "/v1/auth/oidc/authorize", params={"tenant_id": tenant_id})
        return answer.status_code == 302

    await wait_for(recorded)


async def _until(call: Any, status: int) -> httpx.Response:
    """The first answer of ``call()`` with ``status`` (the projection catching up)."""
    async def answered() -> httpx.Response | None:
        response: httpx.Response = await call()
        return response if response.status_code == status else None

    return await wait_for(answered)  # type: ignore[no-any-return]


async def test_a_scoped_key_is_refused_outside_its_scopes_and_the_refusal_audited(
        own_tenant: httpx.AsyncClient) -> None:
    issued = await own_tenant.post("/v1/api-keys", json={"name": "dashboard", "role": "admin",
                                                         "scopes": ["read"]})
    assert issued.status_code == 201 and issued.json()["scopes"] == ["read"]
    async with as_bearer(own_tenant, issued.json()["api_key"]) as reader:
        await _until(lambda: reader.get("/v1/simulations"), 200)
        for method, path, body, scope in (("POST", "/v1/simulations", {}, "simulate"),
                                          ("GET", "/v1/api-keys", None, "admin"),
                                          ("GET", "/v1/billing", None, "billing")):
            refused = await reader.request(method, path, json=body)
            assert refused.status_code == 403, refused.text
            assert _field(refused) == [["header", "Authorization"]]
            assert f"'{scope}' scope" in refused.json()["detail"]
    denied = await _audited(own_tenant, "auth.scope_denied", at_least=3)
    assert {(d["path"], d["detail"]["required_scope"]) for d in denied} >= {
        ("/v1/simulations", "simulate"), ("/v1/api-keys", "admin"), ("/v1/billing", "billing")}
    assert all(d["severity"] == "warning" and d["detail"]["scopes"] == ["read"] for d in denied)
    # keys issued without scopes, like the tenant's first key, keep every scope
    keys = (await own_tenant.get("/v1/api-keys")).json()["api_keys"]
    assert any(k["scopes"] == ["read", "simulate", "admin", "billing"] for k in keys)


async def test_totp_is_required_once_enabled_and_recovery_codes_work_once(
        service: Service, own_tenant: httpx.AsyncClient) -> None:
    user = await new_user(own_tenant)
    async with as_bearer(own_tenant, user["token"]) as me:
        enrolled = await me.post("/v1/auth/mfa/totp")
        assert enrolled.status_code == 201, enrolled.text
        secret, codes = enrolled.json()["secret"], enrolled.json()["recovery_codes"]
        assert enrolled.json()["otpauth_uri"].startswith("otpauth://totp/")
        totp = pyotp.TOTP(secret)
        wrong = await _until(lambda: me.post("/v1/auth/mfa/totp/confirm",
                                             json={"code": "000000" if totp.now() != "000000"
                                                   else "111111"}), 422)
        assert _field(wrong) == [["body", "code"]]
        assert (await me.post("/v1/auth/mfa/totp/confirm",
                              json={"code": totp.now()})).status_code == 200
    # the views keep the secret sealed under the service's key (infra.secretbox)
    pool = await postgres.create_pool(service.settings.postgres_dsn,
                                      service.settings.projection_schema)
    try:
        kept = await pool.fetchval("SELECT totp_secret FROM user_mfa WHERE user_id=$1",
                                   user["user_id"])
    finally:
        await pool.close()
    assert is_sealed(kept) and secret not in kept
    assert secret_box(service.settings).open(kept, f"totp:{user['user_id']}") == secret

    missing = await _until(lambda: _sign_in(own_tenant, user["email"]), 401)
    assert _field(missing) == [["body", "totp_code"]]
    bad = await _sign_in(own_tenant, user["email"], totp_code="123456"
                         if totp.now() != "123456" else "654321")
    assert bad.status_code == 401 and _field(bad) == [["body", "totp_code"]]
    # the next step's code: the current one was spent on the confirmation; the replay sends
    # that same code (computed again, it would be the step after's once a step boundary passed)
    code = totp.at(time.time() + 30)
    good = await _sign_in(own_tenant, user["email"], totp_code=code)
    assert good.status_code == 200, good.text
    replayed = await _sign_in(own_tenant, user["email"], totp_code=code)
    assert replayed.status_code == 401
    assert (await _sign_in(own_tenant, user["email"], recovery_code=codes[0])).status_code == 200
    again = await _sign_in(own_tenant, user["email"], recovery_code=codes[0])
    assert again.status_code == 401 and _field(again) == [["body", "recovery_code"]]
    failures = await _audited(own_tenant, "auth.login_failed")
    assert any("second factor" in d["detail"].get("reason", "") for d in failures)


@pytest.mark.parametrize("by", ["user", "admin"])
async def test_totp_is_turned_off_by_its_holder_or_reset_by_an_admin(
        own_tenant: httpx.AsyncClient, by: str) -> None:
    user = await new_user(own_tenant)
    async with as_bearer(own_tenant, user["token"]) as me:
        enrolled = (await me.post("/v1/auth/mfa/totp")).json()
        totp = pyotp.TOTP(enrolled["secret"])
        await _until(lambda: me.post("/v1/auth/mfa/totp/confirm",
                                     json={"code": totp.now()}), 200)
        await _until(lambda: _sign_in(own_tenant, user["email"]), 401)  # now required
        if by == "user":
            unproven = await me.request("DELETE", "/v1/auth/mfa/totp", json={})
            assert unproven.status_code == 422 and _field(unproven) == [["body", "totp_code"]]
            wrong = await me.request("DELETE", "/v1/auth/mfa/totp",
                                     json={"recovery_code": "0000-not-a-code"})
            assert wrong.status_code == 401 and _field(wrong) == [["body", "recovery_code"]]
            off = await me.request("DELETE", "/v1/auth/mfa/totp",
                                   json={"recovery_code": enrolled["recovery_codes"][1]})
        else:
            member = await me.delete(f"/v1/users/{user['user_id']}/mfa")
            assert member.status_code == 403  # a member may not reset anyone's factor
            assert (await own_tenant.delete("/v1/users/nobody/mfa")).status_code == 404
            off = await own_tenant.delete(f"/v1/users/{user['user_id']}/mfa")
        assert off.status_code == 200 and off.json()["status"] == "disabled", off.text
    # the password alone signs in again, and the old secret is gone with the factor
    await _until(lambda: _sign_in(own_tenant, user["email"]), 200)
    assert (await own_tenant.delete(f"/v1/users/{user['user_id']}/mfa")).status_code == 409
    disabled = await _audited(own_tenant, "auth.mfa_disabled")
    assert any(d["detail"]["user_id"] == user["user_id"] and d["detail"]["by"] == by
               and d["severity"] == "warning" for d in disabled)


async def test_reusing_a_rotated_refresh_token_revokes_its_family(
        own_tenant: httpx.AsyncClient) -> None:
    user = await new_user(own_tenant)
    first = (await _sign_in(own_tenant, user["email"])).json()
    rotated = await _until(lambda: own_tenant.post(
        "/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}), 200)
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    async with as_bearer(own_tenant, second["access_token"]) as current:
        assert (await current.get("/v1/simulations")).status_code == 200
        reused = await own_tenant.post("/v1/auth/refresh",
                                       json={"refresh_token": first["refresh_token"]})
        assert reused.status_code == 401 and _field(reused) == [["body", "refresh_token"]]
        assert "already used" in reused.json()["detail"]
        # the family's newest access token stops at once, its refresh token once projected
        assert (await current.get("/v1/simulations")).status_code == 401

    async def family_revoked() -> bool:
        answer = await own_tenant.post("/v1/auth/refresh",
                                       json={"refresh_token": second["refresh_token"]})
        assert answer.status_code == 401
        return "(reuse)" in answer.json()["detail"]

    await wait_for(family_revoked)
    reuse = await _audited(own_tenant, "auth.refresh_reused")
    assert reuse[0]["severity"] == "critical" and reuse[0]["ip"] == "127.0.0.1"


async def test_logout_revokes_the_sessions_access_and_refresh_tokens(
        own_tenant: httpx.AsyncClient) -> None:
    user = await new_user(own_tenant)
    tokens = (await _sign_in(own_tenant, user["email"])).json()
    other = (await _sign_in(own_tenant, user["email"])).json()  # another session
    async with as_bearer(own_tenant, tokens["access_token"]) as me, \
            as_bearer(own_tenant, other["access_token"]) as elsewhere:
        assert (await me.get("/v1/simulations")).status_code == 200
        await _until(lambda: own_tenant.post(
            "/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}), 200)
        gone = await me.get("/v1/simulations")
        assert gone.status_code == 401 and "signed out" in gone.json()["detail"]
        assert (await elsewhere.get("/v1/simulations")).status_code == 200
    refused = await own_tenant.post("/v1/auth/refresh",
                                    json={"refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 401
    assert (await _audited(own_tenant, "auth.logged_out"))[0]["actor"] == \
        f"user:{user['user_id']}"


@pytest.fixture
async def provider() -> AsyncIterator[LocalProvider]:
    started = await LocalProvider().start()
    yield started
    await started.stop()


async def _oidc_sign_in(service_url: str, tenant_id: str) -> httpx.Response:
    """A browser's way through: RiskStream → provider → RiskStream's callback."""
    async with httpx.AsyncClient(base_url=service_url, timeout=30) as browser:
        start = await browser.get("/v1/auth/oidc/authorize", params={"tenant_id": tenant_id})
        assert start.status_code == 302, start.text
        at_provider = await browser.get(start.headers["location"])
        assert at_provider.status_code == 302, at_provider.text
        back = at_provider.headers["location"]
        assert back.startswith(f"{service_url}/v1/auth/oidc/callback?")
        return await browser.get(back)


async def test_oidc_sign_in_end_to_end_with_pkce_and_a_verified_id_token(
        own_tenant: httpx.AsyncClient, provider: LocalProvider) -> None:
    user = await new_user(own_tenant)
    tenant_id = own_tenant.tenant_id  # type: ignore[attr-defined]
    configured = await own_tenant.put("/v1/auth/oidc/provider",
                                      json={"issuer": provider.issuer, "client_id": CLIENT_ID})
    assert configured.status_code == 202, configured.text
    unreachable = await own_tenant.put("/v1/auth/oidc/provider", json={
        "issuer": "http://127.0.0.1:9/nowhere", "client_id": CLIENT_ID})
    assert unreachable.status_code == 422 and _field(unreachable) == [["body", "issuer"]]
    service_url = str(own_tenant.base_url).rstrip("/")
    await _until_recorded(service_url, tenant_id)
    provider.signs_in = user["email"]
    signed_in = await _oidc_sign_in(service_url, tenant_id)
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    async with as_bearer(own_tenant, tokens["access_token"]) as me:
        assert (await me.get("/v1/simulations")).status_code == 200
    # the user's password sign-in is audited too: wait for the callback's own row
    assert await _audited(own_tenant, "auth.login_succeeded", path="/v1/auth/oidc/callback")

    provider.forge = True  # an ID token signed with a key outside the provider's JWKS
    forged = await _oidc_sign_in(service_url, tenant_id)
    assert forged.status_code == 401 and "signature" in forged.json()["detail"].lower()
    provider.forge, provider.signs_in = False, f"stranger-{uuid.uuid4().hex[:6]}@example.com"
    stranger = await _oidc_sign_in(service_url, tenant_id)
    assert stranger.status_code == 401 and "no user" in stranger.json()["detail"]


async def test_oidc_creates_the_users_a_tenant_allows_and_follows_key_rotation(
        own_tenant: httpx.AsyncClient, provider: LocalProvider) -> None:
    tenant_id = own_tenant.tenant_id  # type: ignore[attr-defined]
    configured = await own_tenant.put("/v1/auth/oidc/provider", json={
        "issuer": provider.issuer, "client_id": CLIENT_ID, "create_users_as": "member"})
    assert configured.status_code == 202 and configured.json()["create_users_as"] == "member"
    refused = await own_tenant.put("/v1/auth/oidc/provider", json={
        "issuer": provider.issuer, "client_id": CLIENT_ID, "create_users_as": "platform_admin"})
    assert refused.status_code == 422 and _field(refused) == [["body", "create_users_as"]]
    service_url = str(own_tenant.base_url).rstrip("/")
    await _until_recorded(service_url, tenant_id)
    newcomer = f"newcomer-{uuid.uuid4().hex[:6]}@example.com"
    provider.signs_in = newcomer
    first = await _oidc_sign_in(service_url, tenant_id)
    assert first.status_code == 200, first.text
    async with as_bearer(own_tenant, first.json()["access_token"]) as me:
        assert (await me.get("/v1/simulations")).status_code == 200
        assert (await me.get("/v1/api-keys")).status_code == 403  # a member, as configured
    users = (await own_tenant.get("/v1/users")).json()["users"]
    assert [u["role"] for u in users if u["email"] == newcomer] == ["member"]
    created = await _audited(own_tenant, "user.created")
    assert any(d["actor"] == f"oidc:{provider.issuer}" for d in created)

    fetched = provider.jwks_fetches
    for _ in range(6):  # the same user, the cached keys: each API worker fetches them once
        again = await _oidc_sign_in(service_url, tenant_id)
        assert again.status_code == 200, again.text
    assert provider.jwks_fetches - fetched < API_WORKERS
    users = (await own_tenant.get("/v1/users")).json()["users"]
    assert [u["email"] for u in users].count(newcomer) == 1
    provider.rotate()  # a token signed by a key the cached set lacks fetches the set anew
    before = provider.jwks_fetches
    rotated = await _oidc_sign_in(service_url, tenant_id)
    assert rotated.status_code == 200, rotated.text
    assert provider.jwks_fetches == before + 1
