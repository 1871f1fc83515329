"""The catalogue of RiskStream events: every type, its current version, its topic and its body.

Envelope: see :mod:`streams.envelope`. Each event goes to the topic of its aggregate, keyed by
the aggregate id so one aggregate's events stay in one partition and in order.

==============================  =======  ============  =====================================
type                            version  topic         key (aggregate)
==============================  =======  ============  =====================================
tenant.created                  1        tenants       tenant id
tenant.plan_changed             1        tenants       tenant id (plan and limit overrides)
user.invited                    1        tenants       tenant id (only the token's hash kept)
user.created                    1        tenants       tenant id
user.role_changed               1        tenants       tenant id
api_key.issued                  2        tenants       tenant id
api_key.revoked                 1        tenants       tenant id
billing.subscription_created    1        tenants       tenant id (our Stripe subscription)
billing.subscription_cancelled  1        tenants       tenant id (on a change to a free plan)
billing.subscription_updated    1        tenants       tenant id (from a Stripe webhook)
billing.invoice_paid            1        tenants       tenant id (from a Stripe webhook)
billing.payment_failed          1        tenants       tenant id (from a Stripe webhook)
auth.login_succeeded            1        security      tenant id ("" when unknown)
auth.login_failed               1        security      tenant id ("" when unknown)
auth.permission_denied          1        security      tenant id
auth.rate_limited               1        security      tenant id
workbook.uploaded               1        workbooks     workbook id
workbook.parsed                 1        workbooks     workbook id
workbook.rejected               1        workbooks     workbook id
simulation.requested            2        tenants       tenant id (the tenant's ledger decides)
simulation.released             1        tenants       tenant id (a slot freed)
simulation.decided              1        tenants       tenant id (the ledger's own record)
billing.customer_created        1        tenants       tenant id (its Stripe customer)
simulation.accepted             1        simulations   simulation id
simulation.rejected             1        simulations   simulation id
simulation.started              1        simulations   simulation id
simulation.progressed           1        simulations   simulation id
simulation.completed            1        simulations   simulation id
simulation.failed               1        simulations   simulation id
simulation.cancel_requested     1        simulations   simulation id
simulation.cancelled            1        simulations   simulation id
simulation.results_expired      1        simulations   simulation id (the plan's retention)
subject.erased                  1        tenants       tenant id (a data subject's key destroyed)
usage.recorded                  1        billing       simulation id
billing.usage_reported          1        billing       simulation id
webhook.endpoint_registered     1        webhooks      endpoint id (URL, types, secret)
webhook.secret_rotated          1        webhooks      endpoint id (old secret valid a while)
webhook.endpoint_disabled       1        webhooks      endpoint id (410, or failing too long)
webhook.endpoint_enabled        1        webhooks      endpoint id (deliveries resume)
webhook.endpoint_deleted        1        webhooks      endpoint id
webhook.message_created         1        webhooks      endpoint id (one event for one endpoint)
webhook.attempted               1        webhooks      endpoint id (status, latency, outcome)
webhook.redelivery_requested    1        webhooks      endpoint id (messages to send again)
chunks.planned                  1        simulations   simulation id (split into chunk tasks)
chunk.requested                 1        chunks        simulation id/chunk index (a task)
chunk.completed                 1        simulations   simulation id (a chunk's partial result)
chunk.failed                    1        simulations   simulation id (a chunk could not run)
processing.failed               1        deadletters   processor (a parked poison message)
processing.retry_requested      1        deadletters   processor (hand a parked one back)
==============================  =======  ============  =====================================

``simulation.requested`` and ``simulation.released`` go to the tenant-keyed topic with the
tenant's own events because a tenant's quota and concurrency are one invariant, decided by a
single writer per tenant that reads one ordered stream (see streams.ledger).
Plan changes and the billing events from Stripe webhooks go there too: they change the limits
that single writer applies. Security events (logins, refusals) have a topic of their own so a
flood of refused requests never slows the ledger; commands that change credentials or plans
carry an ``audit`` object (actor, client IP, user agent, method, path) in their data.
Personal data (names, e-mail addresses, sign-in addresses) is sealed per data subject when the
API writes it, so that ``subject.erased`` can make it unreadable without changing the log (see
:mod:`streams.personal`); ``simulation.results_expired`` is the plan's retention at work.

A run larger than the engine's split threshold is planned as chunk tasks on the ``chunks``
topic (keyed by simulation and chunk, so any runner takes any chunk); their partial results come
back on the simulation's own partition, where the runner that owns it merges them.
Events the platform's processors cannot process are parked on ``deadletters`` as
``processing.failed`` (tenant ``""``: an operator's concern; see :mod:`streams.deadletter`).

Versions: a reader upcasts an old event step by step (v1 → v2 → …) with the pure functions in
``UPCASTERS`` before anything sees it, so processors and projections only handle current ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from streams.envelope import Envelope


@dataclass(frozen=True)
class Topic:
    """A logical topic: its partitions and how long Kafka keeps it (-1: forever, it is the log)."""

    name: str
    partitions: int
    retention_ms: int = -1


TOPICS: dict[str, Topic] = {
    t.name: t
    for t in (
        Topic("tenants", 3),
        Topic("workbooks", 3),
        Topic("simulations", 6),
        Topic("billing", 3),
        Topic("webhooks", 3),
        Topic("security", 3),
        Topic("deadletters", 3),
        Topic("chunks", 12),
    )
}


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    topic: str
    summary: str


_TYPES = (
    EventType("tenant.created", 1, "tenants", "A tenant exists, on a plan."),
    EventType("tenant.plan_changed", 1, "tenants", "The tenant's plan and limit overrides."),
    EventType("user.invited", 1, "tenants", "An admin invited an email with a role."),
    EventType("user.created", 1, "tenants", "A user of a tenant: email, role, password hash."),
    EventType("user.role_changed", 1, "tenants", "A user's role: member, admin, platform_admin."),
    EventType("api_key.issued", 2, "tenants", "An API key was issued; only its hash is kept."),
    EventType("api_key.revoked", 1, "tenants", "An API key no longer authenticates."),
    EventType("workbook.uploaded", 1, "workbooks",
              "Workbook bytes stored; sha256, size, uri, and the limits it is parsed under."),
    EventType("workbook.parsed", 1, "workbooks", "Sheets, formulas, candidate inputs/outputs."),
    EventType("workbook.rejected", 1, "workbooks",
              "The file could not be read as a workbook, or passed a limit (then named in limit)."),
    EventType("simulation.requested", 2, "tenants", "A tenant asked for a simulation."),
    EventType("simulation.released", 1, "tenants", "A simulation ended; its slot is free."),
    EventType("simulation.decided", 1, "tenants", "The ledger's decision, in its own stream."),
    EventType("simulation.accepted", 1, "simulations", "The ledger admitted the request."),
    EventType("simulation.rejected", 1, "simulations", "The ledger refused: limit, value, use."),
    EventType("simulation.started", 1, "simulations", "The runner began the trials."),
    EventType("simulation.progressed", 1, "simulations", "Trials done so far, and an ETA."),
    EventType("simulation.completed", 1, "simulations", "Results per output, sensitivity."),
    EventType("simulation.failed", 1, "simulations", "The run stopped with a reason."),
    EventType("simulation.cancel_requested", 1, "simulations", "A user asked to stop the run."),
    EventType("simulation.cancelled", 1, "simulations", "The run stopped between chunks."),
    EventType("simulation.results_expired", 1, "simulations",
              "The tenant's retention removed the results from the views."),
    EventType("subject.erased", 1, "tenants",
              "A data subject's key was destroyed: their personal data reads [erased]."),
    EventType("billing.customer_created", 1, "tenants", "The tenant's Stripe customer id."),
    EventType("billing.subscription_created", 1, "tenants", "Our Stripe subscription for a plan."),
    EventType("billing.subscription_cancelled", 1, "tenants", "We ended our subscription."),
    EventType("billing.subscription_updated", 1, "tenants", "Stripe says a subscription changed."),
    EventType("billing.invoice_paid", 1, "tenants", "Stripe says an invoice was paid."),
    EventType("billing.payment_failed", 1, "tenants", "Stripe says a payment failed."),
    EventType("auth.login_succeeded", 1, "security", "A user exchanged a password for a token."),
    EventType("auth.login_failed", 1, "security", "A login was refused."),
    EventType("auth.permission_denied", 1, "security", "A credential asked beyond its role."),
    EventType("auth.rate_limited", 1, "security", "A credential went over a rate limit."),
    EventType("usage.recorded", 1, "billing", "Iterations, engine and compute seconds used."),
    EventType("billing.usage_reported", 1, "billing", "Usage sent to Stripe as meter events."),
    EventType("webhook.endpoint_registered", 1, "webhooks", "A webhook endpoint and its secret."),
    EventType("webhook.secret_rotated", 1, "webhooks", "A new secret; the old one still signs."),
    EventType("webhook.endpoint_disabled", 1, "webhooks", "Deliveries stopped, with the reason."),
    EventType("webhook.endpoint_enabled", 1, "webhooks", "Deliveries resumed after a disable."),
    EventType("webhook.endpoint_deleted", 1, "webhooks", "The endpoint was removed."),
    EventType("webhook.message_created", 1, "webhooks", "An event to deliver to one endpoint."),
    EventType("webhook.attempted", 1, "webhooks", "One delivery attempt and its outcome."),
    EventType("webhook.redelivery_requested", 1, "webhooks", "Messages to deliver again."),
    EventType("chunks.planned", 1, "simulations",
              "A large run was split into chunk tasks, with the seed they share."),
    EventType("chunk.requested", 1, "chunks", "One chunk of a split run, for any runner."),
    EventType("chunk.completed", 1, "simulations",
              "A chunk's mergeable partial result; its trial values are in the blob store."),
    EventType("chunk.failed", 1, "simulations", "A chunk could not run: the reason."),
    EventType("processing.failed", 1, "deadletters",
              "A processor could not process a message; it is parked and skipped."),
    EventType("processing.retry_requested", 1, "deadletters",
              "An operator hands a parked message back to its processor."),
)
CATALOGUE: dict[str, EventType] = {t.name: t for t in _TYPES}
# Body fields holding credential hashes: kept in the log so a replay rebuilds the credentials,
# never shown to a reader of events (feeds, webhooks, audit details).
SECRET_FIELDS = frozenset({"key_hash", "password_hash", "token_hash"})


def _requested_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # v1 named the array backend "engine" and always used Monte Carlo sampling; v2 says both.
    upgraded = {k: v for k, v in data.items() if k != "engine"}
    upgraded["backend"] = data.get("engine", "numpy")
    upgraded["sampling"] = "mc"
    return upgraded


def _key_issued_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # v1 keys were a tenant's only credential, so they could do anything in it; v2 names a role.
    return {"name": "", "role": "admin", **data}


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("simulation.requested", 1): _requested_v1_to_v2,
    ("api_key.issued", 1): _key_issued_v1_to_v2,
}


class UnknownEventType(ValueError):
    pass


def event_type(name: str) -> EventType:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise UnknownEventType(f"event type {name!r} is not in the catalogue") from None


def upcast(event: Envelope) -> Envelope:
    """The event at its type's current version (pure; unknown types pass through unchanged)."""
    current = CATALOGUE.get(event.type)
    if current is None:
        return event
    while event.version < current.version:
        step = UPCASTERS[(event.type, event.version)]
        event = event.with_data(step(event.data), event.version + 1)
    return event


def topic_of(event: Envelope) -> str:
    return event_type(event.type).topic


def new_event(type: str, tenant_id: str, key: str, data: dict[str, Any], *,
              correlation_id: str = "", causation_id: str = "") -> Envelope:
    """A new event at its type's current version."""
    return Envelope(
        type=type, tenant_id=tenant_id, key=key, data=data, version=event_type(type).version,
        correlation_id=correlation_id, causation_id=causation_id,
    )


def caused_by(cause: Envelope, type: str, data: dict[str, Any], *, key: str | None = None
              ) -> Envelope:
    """A new event at its type's current version, caused by ``cause`` (same tenant, chain)."""
    return cause.caused(type, data, key=key, version=event_type(type).version)
