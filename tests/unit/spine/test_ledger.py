from datetime import UTC, datetime
from typing import Any

import pytest

from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.events import SimulationRequested
from streams.events.examples import EXAMPLES
from streams.ledger import TenantLedger, decide, evolve
from streams.plans import limits_for


def created(plan: str = "free", **overrides: Any) -> Envelope:
    return new_event("tenant.created", "t", "t", {"name": "T", "plan": plan,
                                                  "overrides": overrides})


def request(sim: str, iterations: int = 100, when: datetime | None = None,
            backend: str = "numpy") -> Envelope:
    event = SimulationRequested.model_validate({
        **EXAMPLES[SimulationRequested.type], "simulation_id": sim, "iterations": iterations,
        "backend": backend}).event("t", "t")
    if when is not None:
        event = Envelope(**{**event.__dict__, "occurred_at": when})
    return event


def fold(state: TenantLedger, events: list[Envelope]) -> tuple[TenantLedger, list[Envelope]]:
    out = []
    for event in events:
        state = evolve(state, event)
        if event.type == "simulation.requested":
            answer = decide(state, event)
            for decided in answer[:1]:
                state = evolve(state, decided)
            out.extend(answer)
    return state, out


def public(events: list[Envelope]) -> list[str]:
    return [e.type for e in events if e.type != "simulation.decided"]


def test_concurrency_limit_admits_exactly_the_limit_until_a_slot_is_released() -> None:
    state, out = fold(TenantLedger("t"), [created()] + [request(f"s{i}") for i in range(10)])
    assert public(out).count("simulation.accepted") == 3
    rejected = [e for e in out if e.type == "simulation.rejected"]
    assert len(rejected) == 7
    assert rejected[0].data["refusal"] == {"limit": "concurrent_simulations", "value": 3,
                                           "current": 3,
                                           "resets_at": "when a running simulation ends"}
    released = new_event("simulation.released", "t", "t", {"simulation_id": "s0"})
    state, out = fold(state, [released, request("s10")])
    assert public(out) == ["simulation.accepted"]


def test_iterations_and_gpu_limits_name_the_limit_and_its_value() -> None:
    state, out = fold(TenantLedger("t"), [created(), request("a", iterations=1001),
                                          request("b", backend="cupy")])
    refusals = [e.data["refusal"] for e in out if e.type == "simulation.rejected"]
    assert refusals[0]["limit"] == "iterations_per_simulation"
    assert refusals[0]["value"] == 1000 and refusals[0]["current"] == 1001
    assert refusals[1]["limit"] == "gpu"


def test_monthly_quota_resets_with_the_calendar_month() -> None:
    nov = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    dec = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    events: list[Envelope] = [created(simulations_per_month=2, concurrent_simulations=None)]
    events += [request(f"n{i}", when=nov) for i in range(3)]
    state, out = fold(TenantLedger("t"), events)
    rejected = [e for e in out if e.type == "simulation.rejected"]
    assert len(rejected) == 1
    assert rejected[0].data["refusal"]["resets_at"] == "2026-12-01T00:00:00+00:00"
    state, out = fold(state, [request("d1", when=dec)])
    assert public(out) == ["simulation.accepted"]
    assert state.simulations_this_month == 1 and state.month == "2026-12"


def test_a_redelivered_request_or_decision_changes_nothing() -> None:
    state, out = fold(TenantLedger("t"), [created(), request("s1")])
    again = decide(state, request("s1"))
    assert again == []
    decided = out[0]
    assert evolve(state, decided) == state
    released = new_event("simulation.released", "t", "t", {"simulation_id": "s1"})
    after = evolve(state, released)
    assert evolve(after, decided).running == frozenset()  # a late copy cannot re-occupy a slot


def test_overrides_replace_plan_limits_and_unknown_ones_are_refused() -> None:
    assert limits_for("free", {"concurrent_simulations": 7}).concurrent_simulations == 7
    assert limits_for("enterprise").simulations_per_month is None
    with pytest.raises(ValueError, match="unknown limit"):
        limits_for("free", {"concurrency": 1})
    with pytest.raises(ValueError, match="unknown plan"):
        limits_for("platinum")
