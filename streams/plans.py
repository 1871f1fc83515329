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
