"""The tenant ledger processor: one writer per tenant stream, deciding every simulation request."""

from __future__ import annotations

from streams.envelope import Envelope
from streams.events import SimulationRequested
from streams.ledger import TenantLedger, decide, evolve


class LedgerProcessor:
    """Folds each tenant's stream and answers ``simulation.requested`` (see streams.ledger)."""

    name = "tenant-ledger"
    topics = ("tenants",)
    state_topics = ("tenants",)

    def __init__(self) -> None:
        self.tenants: dict[str, TenantLedger] = {}

    def _state(self, tenant_id: str) -> TenantLedger:
        return self.tenants.get(tenant_id) or TenantLedger(tenant_id=tenant_id)

    def fold(self, event: Envelope) -> None:
        self.tenants[event.tenant_id] = evolve(self._state(event.tenant_id), event)

    async def handle(self, event: Envelope) -> list[Envelope]:
        if event.type != SimulationRequested.type:
            return []
        out = decide(self._state(event.tenant_id), event)
        for decided in out[:1]:  # apply at once: later requests in this batch must see it
            self.fold(decided)
        return out
