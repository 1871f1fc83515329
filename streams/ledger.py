"""The tenant ledger: the single writer admitting or refusing simulations against the limits.

Pure: ``evolve(state, event) -> state`` folds the tenant's ordered stream, and
``decide(state, requested) -> event`` answers one ``simulation.requested`` with
``simulation.accepted`` or ``simulation.rejected``. The processor in
``streams.processors.ledger`` wires it to Kafka.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from streams.envelope import Envelope
from streams.events import (
    BillingInvoicePaid,
    BillingPaymentFailed,
    BillingSubscriptionCancelled,
    BillingSubscriptionCreated,
    BillingSubscriptionUpdated,
    SimulationAccepted,
    SimulationDecided,
    SimulationRejected,
    SimulationReleased,
    TenantCreated,
    TenantPlanChanged,
)
from streams.plans import Limits, limits_for, plan_after_subscription


@dataclass(frozen=True)
class TenantLedger:
    """What the ledger knows of one tenant."""

    tenant_id: str
    plan: str = "free"
    overrides: dict[str, Any] = field(default_factory=dict)
    month: str = ""
    simulations_this_month: int = 0
    running: frozenset[str] = frozenset()
    decided: frozenset[str] = frozenset()
    subscription_id: str | None = None
    suspended: bool = False

    @property
    def limits(self) -> Limits:
        return limits_for(self.plan, self.overrides)


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def next_month_start(month: str) -> str:
    year, mon = (int(x) for x in month.split("-"))
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return datetime(year, mon, 1, tzinfo=UTC).isoformat()


def evolve(state: TenantLedger, event: Envelope) -> TenantLedger:
    """The ledger after ``event`` (events the ledger does not care about leave it unchanged)."""
    data = event.data
    if event.type in (TenantCreated.type, TenantPlanChanged.type):
        return replace(state, plan=data["plan"], overrides=dict(data.get("overrides", {})))
    if event.type == BillingSubscriptionCreated.type:
        return replace(state, subscription_id=data["subscription_id"])
    if event.type == BillingSubscriptionCancelled.type:
        return replace(state, subscription_id=None)
    if event.type == BillingSubscriptionUpdated.type:
        return replace(state, plan=plan_after_subscription(state.plan, state.subscription_id,
                                                           data))
    if event.type in (BillingPaymentFailed.type, BillingInvoicePaid.type):
        return replace(state, suspended=event.type == BillingPaymentFailed.type)
    if event.type == SimulationDecided.type:
        sim = data["simulation_id"]
        if sim in state.decided:  # the processor applied it already when it decided
            return state
        month = data["month"]
        count = state.simulations_this_month if month == state.month else 0
        running = state.running | {sim} if data["accepted"] else state.running
        return replace(
            state,
            month=month,
            simulations_this_month=count + (1 if data["accepted"] else 0),
            running=running,
            decided=state.decided | {sim},
        )
    if event.type == SimulationReleased.type:
        return replace(state, running=state.running - {data["simulation_id"]})
    return state


def _refusal(limit: str, value: int, use: int, resets_at: str | None) -> dict[str, Any]:
    return {"limit": limit, "value": value, "current": use, "resets_at": resets_at}


def check(state: TenantLedger, request: dict[str, Any], month: str) -> dict[str, Any] | None:
    """The first limit ``request`` would break, or None when it fits."""
    if state.suspended:
        return _refusal("account_suspended", 0, 0, "when the failed payment is settled")
    limits = state.limits
    used = state.simulations_this_month if month == state.month else 0
    if limits.simulations_per_month is not None and used >= limits.simulations_per_month:
        return _refusal("simulations_per_month", limits.simulations_per_month, used,
                        next_month_start(month))
    iterations = int(request["iterations"])
    if limits.iterations_per_simulation is not None and \
            iterations > limits.iterations_per_simulation:
        return _refusal("iterations_per_simulation", limits.iterations_per_simulation,
                        iterations, None)
    if limits.concurrent_simulations is not None and \
            len(state.running) >= limits.concurrent_simulations:
        return _refusal("concurrent_simulations", limits.concurrent_simulations,
                        len(state.running), "when a running simulation ends")
    if request.get("backend") == "cupy" and not limits.gpu:
        return _refusal("gpu", 0, 1, None)
    return None


def decide(state: TenantLedger, requested: Envelope) -> list[Envelope]:
    """The ledger's answer to one ``simulation.requested``: the decision for the tenant's own
    stream (so a replay rebuilds the same state) and the public accepted/rejected event."""
    data = requested.data
    sim = data["simulation_id"]
    if sim in state.decided:  # a redelivered request is answered once
        return []
    month = month_of(requested.occurred_at)
    refusal = check(state, data, month)
    decision = requested.caused(
        SimulationDecided.type,
        {"simulation_id": sim, "accepted": refusal is None, "month": month},
        version=SimulationDecided.version)
    if refusal is None:
        public = requested.caused(SimulationAccepted.type, data, key=sim)
    else:
        message = ("the account is suspended: a payment failed"
                   if refusal["limit"] == "account_suspended" else
                   f"{refusal['limit']} limit is {refusal['value']}; current use "
                   f"{refusal['current']}")
        public = requested.caused(SimulationRejected.type,
                                  {**data, "reason": message, "refusal": refusal}, key=sim)
    return [decision, public]
