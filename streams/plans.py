"""Plans and their limits, in one declarative table; a tenant may override any limit."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Limits:
    """A plan's limits; None means unlimited."""

    simulations_per_month: int | None
    iterations_per_simulation: int | None
    concurrent_simulations: int | None
    file_size_bytes: int | None
    gpu: bool
    retention_days: int | None

    def with_overrides(self, overrides: dict[str, Any]) -> Limits:
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown limit(s) {sorted(unknown)}; known: {sorted(known)}")
        for name, value in overrides.items():
            if name == "gpu":
                if not isinstance(value, bool):
                    raise ValueError("limit gpu must be true or false")
            elif value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                        or value < 0):
                raise ValueError(f"limit {name} must be a whole number >= 0, or null for"
                                 " unlimited")
        return replace(self, **overrides)


MB = 1024 * 1024
PLANS: dict[str, Limits] = {
    "free": Limits(100, 1_000, 3, 10 * MB, False, 30),
    "basic": Limits(500, 10_000, 10, 50 * MB, True, 90),
    "pro": Limits(2_000, 100_000, 25, 200 * MB, True, 365),
    "enterprise": Limits(None, None, None, None, True, None),
}


def limits_for(plan: str, overrides: dict[str, Any] | None = None) -> Limits:
    try:
        base = PLANS[plan]
    except KeyError:
        raise ValueError(f"unknown plan {plan!r}; plans: {sorted(PLANS)}") from None
    return base.with_overrides(overrides or {})


# Stripe subscription statuses: the plan holds while paid, falls back to free once Stripe ends it.
PAID_STATUSES = frozenset({"active", "trialing"})
ENDED_STATUSES = frozenset({"canceled", "unpaid", "incomplete_expired"})


def plan_after_subscription(plan: str, subscription_id: str | None,
                            update: dict[str, Any]) -> str:
    """The tenant's plan after a ``billing.subscription_updated`` body. An update about a
    subscription other than the tenant's current one is stale and changes nothing."""
    if subscription_id is not None and update["subscription_id"] != subscription_id:
        return plan
    if update["status"] in PAID_STATUSES and update.get("plan") in PLANS:
        return str(update["plan"])
    if update["status"] in ENDED_STATUSES:
        return "free"
    return plan
