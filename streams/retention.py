"""Retention per plan: which completed simulations' results have outlived their tenant's
retention (``Limits.retention_days``; None keeps them for ever), as ``simulation.results_expired``
events. The removal is itself an event, so a replay removes the same results at the same point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from streams.envelope import Envelope
from streams.events import SimulationResultsExpired
from streams.plans import LimitValue, limits_for


@dataclass(frozen=True)
class Held:
    """A simulation whose results the views still hold, with its tenant's plan."""

    simulation_id: str
    tenant_id: str
    completed_at: datetime
    plan: str
    overrides: dict[str, LimitValue]


def expirations(now: datetime, held: list[Held]) -> list[Envelope]:
    """``simulation.results_expired`` for each of ``held`` older than its tenant's retention
    (pure)."""
    events: list[Envelope] = []
    for h in held:
        days = limits_for(h.plan, h.overrides).retention_days
        if days is not None and h.completed_at < now - timedelta(days=days):
            events.append(SimulationResultsExpired(retention_days=days,
                                                   completed_at=h.completed_at,
                                                   ).event(h.tenant_id, h.simulation_id))
    return events
