"""``POST /v1/stripe/webhook``: Stripe's events, verified by their ``Stripe-Signature`` (with a
timestamp tolerance) through the Stripe SDK, become billing events on the tenant's stream. A
Stripe event id is recorded once: a redelivery gets the first answer and writes nothing."""

from __future__ import annotations

import json
from typing import Annotated, Any

import stripe
from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from app.api.auth import Ctx, TenantContext
from app.api.commands import Ids, execute
from streams.stripe_inbound import translate

router = APIRouter(prefix="/v1/stripe", tags=["billing"])
ROUTE = "POST /v1/stripe/webhook"


@router.post("/webhook", summary="Stripe events (signed)",
             responses={400: {"description": "unsigned, wrongly signed or not a Stripe event"}})
async def webhook(request: Request, ctx: Ctx,
                  stripe_signature: Annotated[str | None, Header()] = None) -> JSONResponse:
    secret = ctx.settings.stripe_webhook_secret
    if secret is None or not secret.get_secret_value():
        raise HTTPException(503, "Stripe webhooks are not configured here"
                            " (RISKSTREAM_STRIPE_WEBHOOK_SECRET)")
    if not stripe_signature:
        raise HTTPException(400, [{"loc": ["header", "Stripe-Signature"],
                                   "msg": "missing; Stripe signs every webhook"}])
    payload = await request.body()
    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8", "replace"),
                                              stripe_signature, secret.get_secret_value(),
                                              ctx.settings.stripe_webhook_tolerance_s)
        event: dict[str, Any] = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        raise HTTPException(400, [{"loc": ["header", "Stripe-Signature"],
                                   "msg": f"does not verify: {exc.user_message or exc}"}]
                            ) from None
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, [{"loc": ["body"], "msg": "not a JSON Stripe event"}]) from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise HTTPException(400, [{"loc": ["body", "id"], "msg": "a Stripe event has an id"}])
    inbound = translate(event)
    if inbound is None:
        return JSONResponse({"received": event["id"], "action": "ignored"})
    tenant_id = inbound.tenant_id
    if tenant_id is None and inbound.customer_id:
        tenant_id = await ctx.directory.tenant_for_customer(inbound.customer_id)
    if tenant_id is None or await ctx.tenancy.tenant(tenant_id) is None:
        return JSONResponse({"received": event["id"], "action": "ignored",
                             "reason": "no tenant has this customer or subscription"})
    # Idempotency is keyed by the Stripe event id, in the scope of the tenant it concerns.
    stripe_caller = TenantContext(tenant_id=tenant_id, plan="", role="member",
                                  credential="stripe:webhook")

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        ours = inbound.body.event(tenant_id, tenant_id)
        return [ours], 200, {"received": event["id"], "action": ours.type,
                             "event_id": ours.id}

    return await execute(ctx, stripe_caller, ROUTE, event["id"], event["id"], build)
