"""The tenant ledger: the single writer admitting or refusing simulations against the limits.

Pure: ``evolve(state, event) -> state`` folds the tenant's ordered stream, and
``decide(state, requested) -> event`` answers one ``simulation.requested`` with
``simulation.accepted`` or ``simulation.rejected``. The processor in
``streams.processors.ledger`` wires it to Kafka.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

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
    SimulationRequested,
    TenantCreated,
    TenantPlanChanged,
)
from streams.events.simulations import Refusal, SimulationRequestBody
from streams.plans import Limits, LimitValue, limits_for, plan_after_subscription


@dataclass(frozen=True)
class TenantLedger:
    """What the ledger knows of one tenant."""

    tenant_id: str
    plan: str = "free"
    overrides: dict[str, LimitValue] = field(default_factory=dict)
    month: str = ""
    simulations_this_month: int = 0
    running: frozenset[str] = frozenset()
    decided: frozenset[str] = frozenset()
    subscription_id: str | None = None
    suspended: bool = False

    @property
    def limits(self) -> Limits:
        return limits_for(self.plan, self.overrides)


FOLDED = frozenset(m.type for m in (
    TenantCreated, TenantPlanChanged, BillingSubscriptionCreated, BillingSubscriptionCancelled,
    BillingSubscriptionUpdated, BillingPaymentFailed, BillingInvoicePaid, SimulationDecided,
    SimulationReleased))


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def next_month_start(month: str) -> str:
    year, mon = (int(x) for x in month.split("-"))
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return datetime(year, mon, 1, tzinfo=UTC).isoformat()


def evolve(state: TenantLedger, event: Envelope) -> TenantLedger:
    """The ledger after ``event`` (events the ledger does not care about leave it unchanged)."""
    if event.type not in FOLDED:
        return state
    match event.body():
        case TenantCreated(plan=plan, overrides=overrides) | \
                TenantPlanChanged(plan=plan, overrides=overrides):
            return replace(state, plan=plan, overrides=dict(overrides))
        case BillingSubscriptionCreated(subscription_id=subscription_id):
            return replace(state, subscription_id=subscription_id)
        case BillingSubscriptionCancelled():
            return replace(state, subscription_id=None)
        case BillingSubscriptionUpdated() as update:
            return replace(state, plan=plan_after_subscription(
                state.plan, state.subscription_id, update))
        case BillingPaymentFailed() | BillingInvoicePaid() as invoice:
            return replace(state, suspended=isinstance(invoice, BillingPaymentFailed))
        case SimulationDecided(simulation_id=sim) if sim in state.decided:
            return state  # the processor applied it already when it decided
        case SimulationDecided(simulation_id=sim, accepted=accepted, month=month):
            count = state.simulations_this_month if month == state.month else 0
            return replace(
                state,
                month=month,
                simulations_this_month=count + (1 if accepted else 0),
                running=state.running | {sim} if accepted else state.running,
                decided=state.decided | {sim},
            )
        case SimulationReleased(simulation_id=sim):
            return replace(state, running=state.running - {sim})
    return state


def check(state: TenantLedger, request: SimulationRequestBody, month: str) -> Refusal | None:
    """The first limit ``request`` would break, or None when it fits."""
    if state.suspended:
        return Refusal(limit="account_suspended", value=0, current=0,
                       resets_at="when the failed payment is settled")
    limits = state.limits
    used = state.simulations_this_month if month == state.month else 0
    if limits.simulations_per_month is not None and used >= limits.simulations_per_month:
        return Refusal(limit="simulations_per_month", value=limits.simulations_per_month,
                       current=used, resets_at=next_month_start(month))
    if limits.iterations_per_simulation is not None and \
            request.iterations > limits.iterations_per_simulation:
        return Refusal(limit="iterations_per_simulation",
                       value=limits.iterations_per_simulation, current=request.iterations,
                       resets_at=None)
    if limits.concurrent_simulations is not None and \
            len(state.running) >= limits.concurrent_simulations:
        return Refusal(limit="concurrent_simulations", value=limits.concurrent_simulations,
                       current=len(state.running), resets_at="when a running simulation ends")
    if request.backend == "cupy" and not limits.gpu:
        return Refusal(limit="gpu", value=0, current=1, resets_at=None)
    return None


def decide(state: TenantLedger, requested: Envelope) -> list[Envelope]:
    """The ledger's answer to one ``simulation.requested``: the decision for the tenant's own
    stream (so a replay rebuilds the same state) and the public accepted/rejected event."""
    request = requested.body(SimulationRequested)
    sim = request.simulation_id
    if sim in state.decided:  # a redelivered request is answered once
        return []
    month = month_of(requested.occurred_at)
    refusal = check(state, request, month)
    decision = requested.caused(
        SimulationDecided(simulation_id=sim, accepted=refusal is None, month=month))
    public: Envelope
    if refusal is None:
        public = requested.caused(SimulationAccepted.of(request), key=sim)
    else:
        message = ("the account is suspended: a payment failed"
                   if refusal.limit == "account_suspended" else
                   f"{refusal.limit} limit is {refusal.value}; current use {refusal.current}")
        public = requested.caused(
            SimulationRejected.of(request, reason=message, refusal=refusal), key=sim)
    return [decision, public]
