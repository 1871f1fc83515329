"""Plans, Stripe and usage end to end: a plan change reaches the ledger at once and makes a
Stripe subscription (stripe-mock); signed Stripe webhooks change the plan or suspend the
tenant, once however often they are delivered; usage and billing report what was used."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx

from tests.e2e.accounts import new_tenant
from tests.e2e.conftest import Service
from tests.e2e.flow import ENDED, poll, start, upload_example
from tests.integration.helpers import events_of, wait_for


def signed(secret: str, event: dict[str, Any], at: int | None = None) -> dict[str, Any]:
    """The request Stripe would send: the payload and its Stripe-Signature header."""
    payload = json.dumps(event)
    timestamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return {"content": payload, "headers": {"Stripe-Signature":
                                            f"t={timestamp},v1={mac.hexdigest()}",
                                            "Content-Type": "application/json"}}


def stripe_event(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"evt_{uuid.uuid4().hex[:16]}", "object": "event", "type": kind,
            "data": {"object": obj}}


async def _run(client: httpx.AsyncClient, workbook_id: str, iterations: int) -> dict[str, Any]:
    response = await start(client, {"workbook_id": workbook_id, "outputs": ["Model!B17"],
                                    "iterations": iterations})
    assert response.status_code == 202, response.text
    return await poll(client, f"/v1/simulations/{response.json()['simulation_id']}", ENDED)


async def test_a_plan_change_reaches_the_ledger_and_stripe(
        service: Service, operator: httpx.AsyncClient) -> None:
    admin = await new_tenant(operator, "free")
    tenant_id = admin.tenant_id  # type: ignore[attr-defined]
    workbook = await upload_example(admin)
    assert (await _run(admin, workbook["workbook_id"], 5000))["refusal"]["limit"] == \
        "iterations_per_simulation"
    path = f"/v1/tenants/{tenant_id}/plan"
    assert (await admin.put(path, json={"plan": "gold"})).status_code == 422
    own_overrides = await admin.put(path, json={"plan": "basic", "overrides": {"gpu": True}})
    assert own_overrides.status_code == 403 and "platform_admin" in own_overrides.text
    bad = await operator.put(path, json={"plan": "basic", "overrides": {"cpus": 3}})
    assert bad.status_code == 422 and "cpus" in bad.text
    assert (await admin.put("/v1/tenants/not-mine/plan", json={"plan": "pro"})
            ).status_code == 404
    changed = await admin.put(path, json={"plan": "basic"})
    assert changed.status_code == 202
    # the change is before the next request in the tenant's stream: the ledger applies it
    assert (await _run(admin, workbook["workbook_id"], 5000))["status"] == "completed"

    async def subscribed() -> str | None:
        billing = (await admin.get("/v1/billing")).json()
        return billing["stripe"]["subscription_id"] if billing["plan"] == "basic" else None

    assert (await wait_for(subscribed)).startswith("sub_")
    made = [e for e in await events_of(service.settings, "tenants")
            if e.type == "billing.subscription_created" and e.tenant_id == tenant_id]
    assert len(made) == 1 and made[0].data["plan"] == "basic"

    overridden = await operator.put(path, json={"plan": "basic",
                                                "overrides": {"concurrent_simulations": 1}})
    assert overridden.status_code == 202
    audit = await wait_for(lambda: _audited(admin, "tenant.plan_changed", 2))
    assert audit[0]["detail"]["overrides"] == {"concurrent_simulations": 1}
    await admin.aclose()


async def _audited(client: httpx.AsyncClient, action: str, count: int) -> list[Any]:
    rows = (await client.get("/v1/audit/security", params={"action": action})).json()["events"]
    return list(rows) if len(rows) >= count else []


async def test_signed_stripe_webhooks_change_the_plan_or_suspend_once(
        service: Service, operator: httpx.AsyncClient) -> None:
    admin = await new_tenant(operator, "basic")
    tenant_id = admin.tenant_id  # type: ignore[attr-defined]
    secret = service.settings.stripe_webhook_secret.get_secret_value()  # type: ignore[union-attr]

    async def customer() -> str | None:
        return (await admin.get(f"/v1/tenants/{tenant_id}")).json()["customer_id"]

    async def subscription() -> str | None:
        return (await admin.get(f"/v1/tenants/{tenant_id}")).json()["subscription_id"]

    customer_id = await wait_for(customer)
    subscription_id = await wait_for(subscription)  # a paid plan from the start

    def subscription_update(sub: str, plan: str) -> dict[str, Any]:
        return stripe_event("customer.subscription.updated", {
            "id": sub, "object": "subscription", "status": "active", "customer": customer_id,
            "metadata": {"riskstream_tenant_id": tenant_id, "riskstream_plan": plan}})

    async with httpx.AsyncClient(base_url=service.url) as stripe:
        upgrade = subscription_update(subscription_id, "pro")
        first = await stripe.post("/v1/stripe/webhook", **signed(secret, upgrade))
        again = await stripe.post("/v1/stripe/webhook", **signed(secret, upgrade))
        assert first.status_code == again.status_code == 200, first.text
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.json() == first.json()

        async def plan() -> str | None:
            row = (await admin.get(f"/v1/tenants/{tenant_id}")).json()
            return row["plan"] if row["plan"] == "pro" else None

        await wait_for(plan)
        recorded = [e for e in await events_of(service.settings, "tenants")
                    if e.data.get("stripe_event_id") == upgrade["id"]]
        assert len(recorded) == 1

        stale = subscription_update("sub_replaced_long_ago", "enterprise")  # changes nothing
        assert (await stripe.post("/v1/stripe/webhook", **signed(secret, stale))
                ).status_code == 200
        failed = stripe_event("invoice.payment_failed", {
            "id": "in_1", "object": "invoice", "customer": customer_id, "amount_due": 19900,
            "currency": "usd", "period_start": 1767225600, "period_end": 1769904000})
        assert (await stripe.post("/v1/stripe/webhook", **signed(secret, failed))
                ).status_code == 200
        workbook = await upload_example(admin)
        refused = await _run(admin, workbook["workbook_id"], 100)
        assert refused["status"] == "rejected"
        assert refused["refusal"]["limit"] == "account_suspended"
        assert "suspended" in refused["reason"]

        paid = stripe_event("invoice.paid", {**failed["data"]["object"], "amount_paid": 19900})
        assert (await stripe.post("/v1/stripe/webhook", **signed(secret, paid))
                ).status_code == 200
        assert (await _run(admin, workbook["workbook_id"], 100))["status"] == "completed"
        billing = (await admin.get("/v1/billing")).json()
        assert billing["status"] == "active" and billing["plan"] == "pro"
        assert [(i["invoice_id"], i["status"], i["amount_cents"]) for i in billing["invoices"]
                ] == [("in_1", "paid", 19900)]

        too_old = signed(secret, upgrade, at=int(time.time()) - 3600)
        forged = signed("whsec_wrong", upgrade)
        for request in (too_old, forged, {"content": json.dumps(upgrade)}):
            response = await stripe.post("/v1/stripe/webhook", **request)
            assert response.status_code == 400 and "Stripe-Signature" in response.text
        ignored = stripe_event("charge.refunded", {"id": "ch_1"})
        answer = await stripe.post("/v1/stripe/webhook", **signed(secret, ignored))
        assert answer.status_code == 200 and answer.json()["action"] == "ignored"
    await admin.aclose()


async def test_usage_and_billing_report_the_period(operator: httpx.AsyncClient) -> None:
    admin = await new_tenant(operator, "pro")
    workbook = await upload_example(admin)
    assert (await _run(admin, workbook["workbook_id"], 2000))["status"] == "completed"

    async def used() -> dict[str, Any] | None:
        usage = (await admin.get("/v1/usage")).json()
        return usage if usage["totals"]["simulations"] == 1 else None

    usage = await wait_for(used)
    totals = usage["totals"]
    assert totals["iterations"] == 2000 and totals["engines"] == {"numpy": 1}
    assert totals["files_uploaded"] == 1 and totals["upload_bytes"] == workbook["size_bytes"]
    assert totals["gpu_simulations"] == 0 and totals["peak_concurrency"] == 1
    assert len(usage["buckets"]) == 1 and usage["granularity"] == "day"
    for granularity in ("week", "month"):
        other = (await admin.get("/v1/usage", params={"granularity": granularity})).json()
        assert other["totals"]["iterations"] == 2000
    assert (await admin.get("/v1/usage", params={"granularity": "year"})).status_code == 422
    backwards = await admin.get("/v1/usage", params={"since": "2026-02-01",
                                                     "until": "2026-01-01"})
    assert backwards.status_code == 422 and "until" in backwards.text
    billing = (await admin.get("/v1/billing")).json()
    assert billing["plan"] == "pro" and billing["limits"]["concurrent_simulations"] == 25
    assert billing["usage"]["iterations"] == 2000
    assert billing["upcoming"]["total_cents"] == 19_900  # within the included iterations
    await admin.aclose()
