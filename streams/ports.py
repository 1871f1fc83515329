"""The ports the processors need from the engine and from billing, as small Protocols."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from engines.chunks import Chunk
from engines.limits import WorkbookLimits
from engines.simulation import SimulationSpec

Progress = Callable[[int, int], bool]


class WorkbookInspector(Protocol):
    def summarize(self, data: bytes, limits: WorkbookLimits) -> dict[str, Any]:
        """Sheets, formula count, candidate and @RISK inputs/outputs, unsupported functions.

        Raises WorkbookTooLarge at the first of ``limits`` the workbook passes (checked before
        it is loaded), ValueError with a user-facing reason when it is not a usable workbook."""


class SimulationEngine(Protocol):
    def simulate(self, data: bytes, spec: SimulationSpec, progress: Progress) -> dict[str, Any]:
        """Run the simulation ``spec`` (see ``SimulationRequestBody.spec``) on workbook bytes.

        ``progress(done, total)`` is called between chunks; it returns False to cancel. The
        result is JSON-ready: per-output statistics, sensitivity, iterations run, cancelled flag,
        and ``compute_seconds``, the run's own (what is billed: not time waited or shared).
        Raises ValueError with a user-facing reason for a spec the workbook cannot serve."""


class PooledEngine(Protocol):
    async def simulate(self, data: bytes, spec: SimulationSpec, tenant: str = "",
                       workbook: str | None = None) -> dict[str, Any]:
        """What ``SimulationEngine.simulate`` gives, computed out of the caller's process,
        without progress or cancelling midway (for runs that end within a fraction of a
        second); ``{"over_budget": True}`` for a run found heavier than that. ``tenant``: whose
        run (tenants take turns); ``workbook``: the digest naming ``data``."""


class ChunkEngine(Protocol):
    """A run split into chunks that any runner computes and one runner merges."""

    split_above: int
    """Runs of more trials than this are split."""

    def split(self, spec: SimulationSpec) -> tuple[int, list[Chunk]]:
        """The seed every chunk shares (the spec's, or a new one when it has none) and the
        chunks of the run (``SimulationRequestBody.spec`` makes the spec of a request)."""

    def simulate_chunk(self, data: bytes, spec: SimulationSpec, chunk: Chunk
                       ) -> tuple[dict[str, Any], bytes]:
        """One chunk of the seeded spec: its JSON-ready partial result and the bytes of its
        trial values (the partial names their sha256). The same chunk always gives the same
        partial and bytes. Raises ValueError for a spec the workbook cannot serve."""

    def merge_chunks(self, spec: SimulationSpec, partials: Sequence[dict[str, Any]],
                     read_values: Callable[[str], bytes]) -> dict[str, Any]:
        """The ``simulation.completed`` body from every chunk's partial, bit for bit what one
        runner computing every chunk gives; ``read_values(sha256)`` reads a chunk's values."""


class MeterReporter(Protocol):
    def ensure_customer(self, tenant_id: str, name: str) -> str:
        """The payment provider's customer id for the tenant, created once."""

    def report_usage(self, customer_id: str, event_id: str, meters: Mapping[str, float]
                     ) -> list[str]:
        """Report usage values by meter name exactly once per event id; returns the ids sent."""


class SubscriptionManager(Protocol):
    def subscribe(self, customer_id: str, tenant_id: str, plan: str, monthly_cents: int,
                  request_id: str) -> str:
        """Subscribe the customer to the plan's monthly price; returns the subscription id.
        The same ``request_id`` never makes a second subscription."""

    def cancel(self, subscription_id: str, request_id: str) -> None:
        """End the subscription (idempotent per ``request_id``)."""
