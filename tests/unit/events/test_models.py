"""Each event type is one model declaring its catalogue line; the log refuses a body that its
model refuses, before anything is sent."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from infra.settings import Settings
from streams.catalogue import CATALOGUE, TOPICS, new_event
from streams.catalogue_examples import EXAMPLES
from streams.envelope import Envelope
from streams.events import (
    EVENTS,
    InvalidEvent,
    SimulationCompleted,
    SimulationRequested,
    UnknownEventType,
    parse_body,
)
from streams.log import EventLog, check_event


def test_every_model_declares_its_catalogue_line() -> None:
    assert list(EVENTS) == list(CATALOGUE)
    for name, model in EVENTS.items():
        assert model.type == name == model.described.name
        assert model.described.topic in TOPICS
        assert model.described.summary and model.described.key
        assert model.model_config.get("frozen")


def test_a_body_reads_as_its_model() -> None:
    event = new_event(SimulationRequested.type, "t", "t", EXAMPLES["simulation.requested"])
    body = parse_body(event)
    assert isinstance(body, SimulationRequested) and body.iterations == 10000
    assert event.body(SimulationRequested) == body
    with pytest.raises(TypeError):
        event.body(SimulationCompleted)


def test_check_event_refuses_a_body_its_model_refuses() -> None:
    check_event(new_event("simulation.started", "t", "s", {"iterations": 5,
                                                           "backend": "numpy"}))
    with pytest.raises(InvalidEvent, match=r"simulation.started .*iterations"):
        check_event(new_event("simulation.started", "t", "s", {"iterations": "many",
                                                               "backend": "numpy"}))
    with pytest.raises(InvalidEvent, match="overrides"):
        check_event(new_event("tenant.created", "t", "t", {
            "name": "Acme", "plan": "pro", "overrides": {"max_iterations": 5}}))
    with pytest.raises(UnknownEventType):
        check_event(Envelope(type="simulation.exploded", tenant_id="t", key="s", data={}))


async def test_the_log_never_sends_an_event_its_model_refuses() -> None:
    log = EventLog(Settings(jwt_secret=SecretStr("j" * 32)))
    good = new_event("simulation.released", "t", "t", {"simulation_id": "s1"})
    bad = new_event("simulation.progressed", "t", "s1", {"iterations_done": 3})
    with pytest.raises(InvalidEvent, match="iterations_total"):
        await log.append([good, bad])
    assert log._producer is None  # refused before a connection to the broker was opened
