"""Plans and their limits, in one declarative table; a tenant may override any limit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

from engines.limits import WorkbookLimits

if TYPE_CHECKING:  # the events name the plans' limits: imported for the annotation only
    from streams.events import BillingSubscriptionUpdated

LimitValue = int | bool | None
"""An override: a whole number, true/false (gpu), or None (unlimited)."""


@dataclass(frozen=True)
class Limits:
    """A plan's limits; None means unlimited."""

    simulations_per_month: int | None
    iterations_per_simulation: int | None
    concurrent_simulations: int | None
    file_size_bytes: int | None
    gpu: bool
    retention_days: int | None
    # what parsing one workbook may cost (engines.limits.WorkbookLimits): the package
    # inflated, its cells, formulas, and rows × columns from A1 to the farthest content
    workbook_uncompressed_bytes: int | None
    workbook_cells: int | None
    workbook_formulas: int | None
    workbook_area_cells: int | None

    def workbook_limits(self) -> dict[str, int | None]:
        """The limits a workbook is parsed under, as ``workbook.uploaded`` carries them."""
        return {"file_bytes": self.file_size_bytes,
                "uncompressed_bytes": self.workbook_uncompressed_bytes,
                "cells": self.workbook_cells, "formulas": self.workbook_formulas,
                "area_cells": self.workbook_area_cells}

    def with_overrides(self, overrides: Mapping[str, object]) -> Limits:
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
        return replace(self, **overrides)  # type: ignore[arg-type]  # each checked above


MB = 1024 * 1024
# enterprise parses up to what one parse affords (the engine's defaults); the shared Excel test
# workbooks (13,487 formulas at most) pass on every paid plan
ENGINE = WorkbookLimits()
PLANS: dict[str, Limits] = {
    "free": Limits(100, 1_000, 3, 10 * MB, False, 30, 100 * MB, 200_000, 1_000, 2_000_000),
    "basic": Limits(500, 10_000, 10, 50 * MB, True, 90, 250 * MB, 500_000, 50_000, 5_000_000),
    "pro": Limits(2_000, 100_000, 25, 200 * MB, True, 365, 400 * MB, 750_000, 100_000,
                  7_500_000),
    "enterprise": Limits(None, None, None, None, True, None, ENGINE.uncompressed_bytes,
                         ENGINE.cells, ENGINE.formulas, ENGINE.area_cells),
}


def limits_for(plan: str, overrides: Mapping[str, object] | None = None) -> Limits:
    try:
        base = PLANS[plan]
    except KeyError:
        raise ValueError(f"unknown plan {plan!r}; plans: {sorted(PLANS)}") from None
    return base.with_overrides(overrides or {})


# Stripe subscription statuses: the plan holds while paid, falls back to free once Stripe ends it.
PAID_STATUSES = frozenset({"active", "trialing"})
ENDED_STATUSES = frozenset({"canceled", "unpaid", "incomplete_expired"})


def plan_after_subscription(plan: str, subscription_id: str | None,
                            update: BillingSubscriptionUpdated) -> str:
    """The tenant's plan after a ``billing.subscription_updated`` body. An update about a
    subscription other than the tenant's current one is stale and changes nothing."""
    if subscription_id is not None and update.subscription_id != subscription_id:
        return plan
    if update.status in PAID_STATUSES and update.plan in PLANS:
        return str(update.plan)
    if update.status in ENDED_STATUSES:
        return "free"
    return plan
