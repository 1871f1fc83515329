"""Erasure through the API on the real stack: a tenant admin erases a user (an operator may too),
the views and a replay read "[erased]" where the user's name, e-mail and sign-in addresses were,
the erased e-mail no longer signs in, a webhook re-delivery sends "[erased]" where the first
delivery had the address, `audit verify` still passes, and the route refuses members,
other tenants and unknown subjects with an answer naming the field."""

from __future__ import annotations

import json

import httpx

from app.ops.auditing import verify_log
from infra import postgres
from projections.replay import replay_postgres
from streams.personal import ERASED
from tests.e2e.accounts import PASSWORD, as_bearer, new_tenant, new_user
from tests.e2e.conftest import Service
from tests.e2e.receiver import Receiver, wait_until
from tests.e2e.test_webhooks import register
from tests.integration.helpers import wait_for


async def test_an_admin_erases_a_user_and_a_replay_shows_it_erased(
        service: Service, operator: httpx.AsyncClient) -> None:
    admin = await new_tenant(operator)
    tenant = admin.tenant_id  # type: ignore[attr-defined]
    receiver = await Receiver(answer=lambda request, nth: (204, {})).start()
    hook = await register(admin, receiver, ["user.created"])
    ada, bob = await new_user(admin), await new_user(admin)

    def delivered_email() -> list[tuple[str, str]]:
        return [(r.message_id, r.payload["data"]["data"]["email"]) for r in receiver.delivered()
                if r.payload["data"]["data"]["user_id"] == ada["user_id"]]

    await wait_until(lambda: bool(delivered_email()))
    [(message_id, email)] = delivered_email()
    assert email == ada["email"]  # sealed in the log, opened as it is sent
    other = await new_tenant(operator)

    member = as_bearer(admin, ada["token"])
    assert (await member.delete(f"/v1/tenants/{tenant}/subjects/{bob['user_id']}")
            ).status_code == 403
    assert (await other.delete(f"/v1/tenants/{tenant}/subjects/{bob['user_id']}")
            ).status_code == 404
    unknown = await admin.delete(f"/v1/tenants/{tenant}/subjects/nobody")
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["loc"] == [
        "path", "subject"]

    erased = await admin.delete(f"/v1/tenants/{tenant}/subjects/{ada['user_id']}")
    assert erased.status_code == 202, erased.text

    async def gone() -> bool:
        user = (await admin.get(f"/v1/users/{ada['user_id']}")).json()
        return bool(user["email"] == user["name"] == ERASED)

    await wait_for(gone)
    feed = (await admin.get("/v1/events", params={"limit": 1000})).text
    audit = (await admin.get("/v1/audit/security")).text
    for text in (feed, audit):
        assert ada["email"] not in text and bob["email"] in text
    assert (await admin.post("/v1/auth/token", json={"email": ada["email"],
                                                     "password": PASSWORD})).status_code == 401
    again = await admin.post(f"/v1/webhooks/{hook['endpoint_id']}/redeliver",
                             json={"message_id": message_id})
    assert again.status_code == 202, again.text
    await wait_until(lambda: len(delivered_email()) == 2)
    assert delivered_email()[1] == (message_id, ERASED)
    await receiver.stop()
    by_operator = await operator.delete(f"/v1/tenants/{tenant}/subjects/{bob['email']}")
    assert by_operator.status_code == 202, by_operator.text

    settings = service.settings
    rebuilt = f"{settings.projection_schema}_erasure"
    await replay_postgres(settings, rebuilt)
    pool = await postgres.create_pool(settings.postgres_dsn, rebuilt)
    rows = await pool.fetch("SELECT email, name FROM users WHERE tenant_id=$1", tenant)
    logins = await pool.fetch("SELECT ip, detail FROM security_audit WHERE tenant_id=$1 AND"
                              " action='auth.login_succeeded'", tenant)
    await pool.close()
    await postgres.drop_schema(settings.postgres_dsn, rebuilt)
    assert {(r["email"], r["name"]) for r in rows} >= {(ERASED, ERASED)}
    assert all(r["email"] == ERASED for r in rows if r["name"] != "Admin")
    assert logins and all(r["ip"] == ERASED and json.loads(r["detail"])["email"] == ERASED
                          for r in logins)
    assert (await verify_log(settings))["ok"]
    for client in (member, admin, other):
        await client.aclose()
