"""Simulations: the request the tenant's ledger decides, then the run on the simulation's own
topic from acceptance to its end, and the results' expiry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from pydantic import ConfigDict, Field

from streams.events.base import Backend, Event, Moment, Part, Upcaster

if TYPE_CHECKING:
    from engines.simulation import SimulationSpec


class InputSpec(Part):
    """The distribution of one input cell, as the engine samples it."""

    distribution: str
    params: list[float | list[float]]
    truncate: tuple[float | None, float | None] | None = None
    shift: float | None = None


class Correlation(Part):
    """Rank correlation between input cells: ``matrix[i][j]`` correlates ``cells[i]`` and
    ``cells[j]``."""

    # requests before the typed API form took any object here, and the engine reads only these
    model_config = ConfigDict(extra="allow")
    cells: list[str]
    matrix: list[list[float]]


class SimulationRequestBody(Event):
    """What a simulation is asked to run: the request travels whole from the API through the
    ledger's decision to the runner."""

    simulation_id: str
    workbook_id: str
    workbook_sha256: str
    inputs: dict[str, InputSpec]
    outputs: list[str]  # empty: the workbook's RiskOutput() cells
    iterations: int = Field(ge=1)
    seed: int | None
    sampling: Literal["lhs", "mc"]
    backend: Backend
    percentiles: list[float] = Field(default_factory=list)
    targets: list[float] = Field(default_factory=list)
    var_level: float = 0.95
    correlation: Correlation | None = None
    # what TODAY() and NOW() read, as wall-clock time with its offset (ISO 8601); None (requests
    # from before) reads the time the trials are computed
    as_of: str | None = None
    # which of RiskSimtable's values the formulas read (@RISK's simulation number)
    simulation_number: int = Field(1, ge=1)
    # trials per chunk, each drawing from its own stream (engines.chunks.chunk_size_for when
    # requested); None (requests from before) reads the chunks then used, so that a run's trials
    # are computed again as they were
    chunk_size: int | None = Field(None, ge=2)

    @classmethod
    def of(cls, request: SimulationRequestBody, **more: Any) -> Self:
        """The same request as this type's body, with ``more`` fields (a decision's own)."""
        return cls.model_validate({**request.to_data(), **more})

    def spec(self) -> SimulationSpec:
        """What the engine runs for this request: the one place a request becomes a spec."""
        # the engine loads with its first run, not with the catalogue
        from engines.chunks import chunk_size_before_2026_12_07
        from engines.service import simulation_spec

        request = self.model_dump()
        request["chunk_size"] = self.chunk_size or chunk_size_before_2026_12_07(self.iterations)
        return simulation_spec(request)


def _requested_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # v1 named the array backend "engine" and always used Monte Carlo sampling; v2 says both.
    upgraded = {k: v for k, v in data.items() if k != "engine"}
    upgraded["backend"] = data.get("engine", "numpy")
    upgraded["sampling"] = "mc"
    return upgraded


class SimulationRequested(SimulationRequestBody, type="simulation.requested", version=2,
                          topic="tenants", key="tenant id (the tenant's ledger decides)"):
    """A tenant asked for a simulation."""

    upcasters: ClassVar[dict[int, Upcaster]] = {1: _requested_v1_to_v2}


class SimulationReleased(Event, type="simulation.released", version=1, topic="tenants",
                         key="tenant id (a slot freed)"):
    """A simulation ended; its slot is free."""

    simulation_id: str


class SimulationDecided(Event, type="simulation.decided", version=1, topic="tenants",
                        key="tenant id (the ledger's own record)"):
    """The ledger's decision, in its own stream."""

    simulation_id: str
    accepted: bool
    month: str = Field(pattern=r"^\d{4}-\d{2}$")  # the month whose quota it counts in


class SimulationAccepted(SimulationRequestBody, type="simulation.accepted", version=1,
                         topic="simulations", key="simulation id"):
    """The ledger admitted the request."""


class Refusal(Part):
    """The limit a request broke: its value, the current use, and when it frees up."""

    limit: str
    value: int
    current: int
    resets_at: str | None  # a time (ISO 8601), or what has to happen first


class SimulationRejected(SimulationRequestBody, type="simulation.rejected", version=1,
                         topic="simulations", key="simulation id"):
    """The ledger refused: limit, value, use."""

    reason: str
    refusal: Refusal


class SimulationStarted(Event, type="simulation.started", version=1, topic="simulations",
                        key="simulation id"):
    """The runner began the trials."""

    iterations: int
    backend: Backend
    chunks: int | None = None  # a split run: how many chunk tasks


class SimulationProgressed(Event, type="simulation.progressed", version=1,
                           topic="simulations", key="simulation id"):
    """Trials done so far, and an ETA."""

    iterations_done: int
    iterations_total: int
    fraction: float
    eta_seconds: float | None


class RunEnd(Event):
    """What every end of a run reports: the trials run, the compute time billed, the backend."""

    iterations_run: int
    compute_seconds: float
    backend: Backend

    @classmethod
    def of(cls, end: RunEnd, **more: Any) -> Self:
        """This kind of end with what ``end`` reports, and ``more`` (the engine's outcome
        first: what ``end`` reports wins)."""
        return cls.model_validate({**more, **end.to_data()})


class SimulationCompleted(RunEnd, type="simulation.completed", version=1, topic="simulations",
                          key="simulation id"):
    """Results per output, sensitivity."""

    # the engine's outcome travels whole: statistics per output and per input are open-ended
    model_config = ConfigDict(extra="allow")
    outputs: dict[str, dict[str, Any]]
    sensitivity: dict[str, dict[str, Any]] = Field(default_factory=dict)


class SimulationFailed(RunEnd, type="simulation.failed", version=1, topic="simulations",
                       key="simulation id"):
    """The run stopped with a reason."""

    reason: str


class SimulationCancelRequested(Event, type="simulation.cancel_requested", version=1,
                                topic="simulations", key="simulation id"):
    """A user asked to stop the run."""


class SimulationCancelled(RunEnd, type="simulation.cancelled", version=1, topic="simulations",
                          key="simulation id"):
    """The run stopped between chunks."""


class SimulationResultsExpired(Event, type="simulation.results_expired", version=1,
                               topic="simulations", key="simulation id (the plan's retention)"):
    """The tenant's retention removed the results from the views."""

    retention_days: int
    completed_at: Moment
