"""An event past what one record of the log may hold fails the work that made it, saying so,
rather than having the broker refuse it inside a transaction that then commits without it."""

from __future__ import annotations

import pytest
from aiokafka import TopicPartition

from streams.events import SimulationAccepted, SimulationCompleted, SimulationFailed
from streams.log import MAX_EVENT, EventTooLarge, serialized
from streams.processors.runs import Run, ending


def _run() -> Run:
    accepted = SimulationAccepted(
        simulation_id="s1", workbook_id="w1", workbook_sha256="0" * 64, inputs={},
        outputs=[], iterations=100, seed=1, sampling="mc", backend="numpy",
    ).event("tenant-1", "s1")
    return Run(accepted, accepted.body(SimulationAccepted), TopicPartition("simulations", 0), 0)


def _outcome(outputs: int, width: int) -> dict[str, object]:
    return {"iterations_run": 100, "requested_iterations": 100, "seed": 1,
            "outputs": {f"Model!B{i}": {"note": "x" * width} for i in range(outputs)}}


def test_an_event_past_the_bound_is_refused_naming_its_size() -> None:
    run = _run()
    fits = ending(run, _outcome(10, 100), 0.1)[0]
    assert len(serialized(fits)) < MAX_EVENT
    huge = run.accepted.caused(SimulationFailed(reason="x" * MAX_EVENT, iterations_run=0,
                                                compute_seconds=0.0, backend="numpy"))
    refused = r"simulation\.failed event of 8,3\d\d,\d\d\d bytes passes the 8,323,072"
    with pytest.raises(EventTooLarge, match=refused):
        serialized(huge)


def test_results_too_large_end_the_run_as_failed_and_bill_nothing() -> None:
    events = ending(_run(), _outcome(300, 30_000), 0.1)  # 9 MB of results
    assert [e.type for e in events] == ["simulation.failed", "simulation.released"]
    assert "results for 300 outputs are too large to record" in events[0].data["reason"]
    completed = ending(_run(), _outcome(3, 100), 0.1)
    assert [e.type for e in completed] == [SimulationCompleted.type, "usage.recorded",
                                           "simulation.released"]


def test_results_leave_room_for_the_webhook_message_that_wraps_them() -> None:
    events = ending(_run(), _outcome(1, MAX_EVENT - 40_000), 0.1)  # fits alone, not wrapped
    assert events[0].type == "simulation.failed"
