"""Webhook endpoints (Standard Webhooks): register, rotate the secret, delete, list attempts and
re-deliver. Registering and changing endpoints needs the admin role; reading does not."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from app.api.auth import Admin, Ctx, Tenant
from app.api.commands import Ids, execute
from app.api.context import ApiContext
from infra.secretbox import secret_box
from infra.webhook_http import Destinations, UnsafeUrl
from projections.webhook_queries import WebhookViews
from streams.catalogue import CATALOGUE
from streams.envelope import Envelope, utcnow
from streams.events import (
    WebhookEndpointDeleted,
    WebhookEndpointEnabled,
    WebhookEndpointRegistered,
    WebhookRedeliveryRequested,
    WebhookSecretRotated,
)
from streams.events.webhooks import Redelivery
from streams.webhooks.signing import new_secret
from streams.webhooks.state import UNSUBSCRIBABLE

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
MAX_REDELIVERY = 1000
IdempotencyKey = Annotated[str | None, Header()]


class EndpointRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000, examples=["https://hooks.example.com/riskstream"])
    event_types: list[Annotated[str, Field(max_length=200)]] = Field(
        default=[], max_length=100, examples=[["simulation."]],
        description="type names, or prefixes ending in '.'; empty: every type")
    description: str = Field(default="", max_length=500)

    @field_validator("event_types")
    @classmethod
    def known_types(cls, types: list[str]) -> list[str]:
        public = sorted(set(CATALOGUE) - UNSUBSCRIBABLE)
        for t in types:
            if not any(p == t or (t.endswith(".") and p.startswith(t)) for p in public):
                raise ValueError(f"{t!r} is no event type nor a prefix ending in '.' of one;"
                                 " see GET /v1/events/catalogue")
        return types


def _in_utc(moment: datetime | None) -> datetime | None:
    """A moment the views can compare: within years 1 to 9999 once in UTC."""
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("must fall within the years 1 to 9999 in UTC") from None


class RedeliveryRequest(BaseModel):
    """One message by id, or every message created in [since, until)."""

    model_config = ConfigDict(extra="forbid")
    message_id: str | None = Field(default=None, max_length=100)
    since: Annotated[AwareDatetime | None, AfterValidator(_in_utc)] = None
    until: Annotated[AwareDatetime | None, AfterValidator(_in_utc)] = None

    @model_validator(mode="after")
    def _ordered(self) -> RedeliveryRequest:
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError("since must be before until (the range is [since, until))")
        return self


def _destinations(ctx: Ctx) -> Destinations:
    return Destinations.parse(ctx.settings.webhook_allowed_ports,
                              ctx.settings.webhook_allow_private_networks)


async def _endpoint(ctx: Ctx, tenant_id: str, endpoint_id: str) -> dict[str, Any]:
    """The endpoint as the views show it; one just registered that they do not hold yet as
    accepted (app.api.accepted); else 404 (a deleted one included)."""
    views = WebhookViews(ctx.views)
    endpoint = await views.endpoint(tenant_id, endpoint_id)
    if endpoint is None and not await views.known(tenant_id, endpoint_id):
        endpoint = await ctx.accepted.get(tenant_id, "webhook", endpoint_id)
    if endpoint is None:
        raise HTTPException(404, f"no webhook endpoint {endpoint_id}")
    return endpoint


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _sealed(ctx: ApiContext, endpoint_id: str, secret: str) -> str:
    """The signing secret as the log keeps it (infra.secretbox); the caller sees it once."""
    return secret_box(ctx.settings).seal(secret, f"webhook:{endpoint_id}")


@router.post("", status_code=201, summary="Register an endpoint; its secret is shown once")
async def register(body: EndpointRequest, ctx: Ctx, tenant: Admin,
                   idempotency_key: IdempotencyKey = None) -> JSONResponse:
    destinations = _destinations(ctx)
    try:
        await destinations.resolve(destinations.check(body.url))
    except UnsafeUrl as exc:
        raise HTTPException(422, [{"loc": ["body", "url"], "msg": str(exc)}]) from None

    def build(ids: Ids) -> tuple[list[Envelope], int, dict[str, Any]]:
        endpoint_id, secret = "ep_" + ids(), new_secret()
        registered = WebhookEndpointRegistered(
            endpoint_id=endpoint_id, url=body.url, event_types=body.event_types,
            description=body.description, secret=_sealed(ctx, endpoint_id, secret))
        event = registered.event(tenant.tenant_id, endpoint_id)
        built.append((event, registered))
        return ([event], 201, {**registered.to_data(), "secret": secret, "status": "enabled"})

    built: list[tuple[Envelope, WebhookEndpointRegistered]] = []
    answer = await execute(ctx, tenant, "POST /v1/webhooks", idempotency_key,
                           _digest(body.model_dump()), build, shown_once="secret")
    if answer.status_code == 201 and built:  # the broker acknowledged it
        await ctx.accepted.note(*built[0])
    return answer


@router.get("", summary="The tenant's webhook endpoints")
async def list_endpoints(ctx: Ctx, tenant: Tenant) -> dict[str, Any]:
    return {"endpoints": await WebhookViews(ctx.views).endpoints(tenant.tenant_id)}


@router.get("/{endpoint_id}", summary="One endpoint")
async def get_endpoint(endpoint_id: str, ctx: Ctx, tenant: Tenant) -> dict[str, Any]:
    return await _endpoint(ctx, tenant.tenant_id, endpoint_id)


@router.post("/{endpoint_id}/rotate-secret", summary="A new secret; the old one signs a while")
async def rotate(endpoint_id: str, ctx: Ctx, tenant: Admin,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    await _endpoint(ctx, tenant.tenant_id, endpoint_id)

    def build(ids: Ids) -> tuple[list[Envelope], int, dict[str, Any]]:
        secret = new_secret()
        rotated = WebhookSecretRotated(
            endpoint_id=endpoint_id, secret=_sealed(ctx, endpoint_id, secret),
            previous_valid_until=utcnow() + timedelta(
                seconds=ctx.settings.webhook_secret_overlap_s))
        return ([rotated.event(tenant.tenant_id, endpoint_id)], 200,
                {**rotated.to_data(), "secret": secret})

    return await execute(ctx, tenant, f"POST /v1/webhooks/{endpoint_id}/rotate-secret",
                         idempotency_key, endpoint_id, build, shown_once="secret")


@router.post("/{endpoint_id}/enable", status_code=202,
             summary="Resume deliveries to a disabled endpoint, undelivered messages first")
async def enable(endpoint_id: str, ctx: Ctx, tenant: Admin,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    endpoint = await _endpoint(ctx, tenant.tenant_id, endpoint_id)
    if endpoint["status"] == "enabled":
        raise HTTPException(409, f"webhook endpoint {endpoint_id} is already enabled")

    def build(ids: Ids) -> tuple[list[Envelope], int, dict[str, Any]]:
        event = WebhookEndpointEnabled(endpoint_id=endpoint_id).event(tenant.tenant_id,
                                                                      endpoint_id)
        return [event], 202, {"endpoint_id": endpoint_id, "status": "enabled"}

    return await execute(ctx, tenant, f"POST /v1/webhooks/{endpoint_id}/enable",
                         idempotency_key, endpoint_id, build)


@router.delete("/{endpoint_id}", status_code=202, summary="Stop and remove an endpoint")
async def delete(endpoint_id: str, ctx: Ctx, tenant: Admin,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    await _endpoint(ctx, tenant.tenant_id, endpoint_id)

    def build(ids: Ids) -> tuple[list[Envelope], int, dict[str, Any]]:
        event = WebhookEndpointDeleted(endpoint_id=endpoint_id).event(tenant.tenant_id,
                                                                      endpoint_id)
        return [event], 202, {"endpoint_id": endpoint_id, "status": "deleted"}

    return await execute(ctx, tenant, f"DELETE /v1/webhooks/{endpoint_id}", idempotency_key,
                         endpoint_id, build)


@router.get("/{endpoint_id}/attempts", summary="Delivery attempts, newest first")
async def attempts(endpoint_id: str, ctx: Ctx, tenant: Tenant,
                   message_id: Annotated[str | None, Query(max_length=100)] = None,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    await _endpoint(ctx, tenant.tenant_id, endpoint_id)
    return {"attempts": await WebhookViews(ctx.views).attempts(tenant.tenant_id, endpoint_id,
                                                              limit, message_id)}


@router.post("/{endpoint_id}/redeliver", status_code=202,
             summary="Send one message, or those of a time range, again (same webhook-id)")
async def redeliver(endpoint_id: str, body: RedeliveryRequest, ctx: Ctx, tenant: Admin,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    if (body.message_id is None) == (body.since is None):
        raise HTTPException(422, [{"loc": ["body"], "msg": "give either message_id, or since"
                                   " (and optionally until) for a time range"}])
    await _endpoint(ctx, tenant.tenant_id, endpoint_id)
    found = await WebhookViews(ctx.views).messages(
        tenant.tenant_id, endpoint_id, message_id=body.message_id, since=body.since,
        until=body.until, limit=MAX_REDELIVERY + 1)
    if body.message_id is not None and not found:
        raise HTTPException(404, f"no message {body.message_id} for endpoint {endpoint_id}")
    if len(found) > MAX_REDELIVERY:
        raise HTTPException(422, [{"loc": ["body", "until"], "msg": f"more than"
                                   f" {MAX_REDELIVERY} messages in the range; narrow it"}])

    def build(ids: Ids) -> tuple[list[Envelope], int, dict[str, Any]]:
        messages = [Redelivery(message_id=m["message_id"], aggregate=m["aggregate"],
                               payload=m["payload"], attempts=m["attempts"]) for m in found]
        redelivery = WebhookRedeliveryRequested(endpoint_id=endpoint_id, messages=messages
                                                ) if found else None
        events: list[Envelope] = [] if redelivery is None else [
            redelivery.event(tenant.tenant_id, endpoint_id)]
        return events, 202, {"endpoint_id": endpoint_id,
                             "messages": [m["message_id"] for m in found]}

    return await execute(ctx, tenant, f"POST /v1/webhooks/{endpoint_id}/redeliver",
                         idempotency_key, _digest(body.model_dump(mode="json")), build)
