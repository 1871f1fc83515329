"""The catalogue of RiskStream events: every type, its current version, its topic and its body.

Envelope: see :mod:`streams.envelope`. Each event goes to the topic of its aggregate, keyed by
the aggregate id so one aggregate's events stay in one partition and in order.

==============================  =======  ============  =====================================
type                            version  topic         key (aggregate)
==============================  =======  ============  =====================================
tenant.created                  1        tenants       tenant id
api_key.issued                  1        tenants       tenant id
api_key.revoked                 1        tenants       tenant id
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
usage.recorded                  1        billing       simulation id
billing.usage_reported          1        billing       simulation id
==============================  =======  ============  =====================================

``simulation.requested`` and ``simulation.released`` go to the tenant-keyed topic with the
tenant's own events because a tenant's quota and concurrency are one invariant, decided by a
single writer per tenant that reads one ordered stream (see streams.ledger).

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
    EventType("api_key.issued", 1, "tenants", "An API key was issued; only its hash is kept."),
    EventType("api_key.revoked", 1, "tenants", "An API key no longer authenticates."),
    EventType("workbook.uploaded", 1, "workbooks", "Workbook bytes stored; sha256, size, uri."),
    EventType("workbook.parsed", 1, "workbooks", "Sheets, formulas, candidate inputs/outputs."),
    EventType("workbook.rejected", 1, "workbooks", "The file could not be read as a workbook."),
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
    EventType("billing.customer_created", 1, "tenants", "The tenant's Stripe customer id."),
    EventType("usage.recorded", 1, "billing", "Iterations, engine and compute seconds used."),
    EventType("billing.usage_reported", 1, "billing", "Usage sent to Stripe as meter events."),
)
CATALOGUE: dict[str, EventType] = {t.name: t for t in _TYPES}


def _requested_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # v1 named the array backend "engine" and always used Monte Carlo sampling; v2 says both.
    upgraded = {k: v for k, v in data.items() if k != "engine"}
    upgraded["backend"] = data.get("engine", "numpy")
    upgraded["sampling"] = "mc"
    return upgraded


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("simulation.requested", 1): _requested_v1_to_v2,
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
