from datetime import UTC, datetime

from streams.catalogue import CATALOGUE, TOPICS, new_event, topic_of, upcast
from streams.envelope import Envelope


def test_envelope_round_trips_through_json() -> None:
    event = Envelope(type="simulation.started", tenant_id="t1", key="s1", data={"a": [1, 2]},
                     correlation_id="c", causation_id="x",
                     occurred_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    back = Envelope.from_json(event.to_json())
    assert back == event


def test_caused_event_keeps_tenant_and_correlation_and_points_at_its_cause() -> None:
    first = new_event("simulation.accepted", "t1", "s1", {})
    second = first.caused("simulation.started", {"iterations": 5})
    assert second.tenant_id == "t1" and second.key == "s1"
    assert second.correlation_id == first.id and second.causation_id == first.id
    third = second.caused("simulation.completed", {})
    assert third.correlation_id == first.id and third.causation_id == second.id


def test_old_simulation_requested_is_read_back_as_the_current_version() -> None:
    v1 = Envelope(type="simulation.requested", tenant_id="t", key="t", version=1,
                  data={"simulation_id": "s", "iterations": 10, "engine": "cupy"})
    current = upcast(v1)
    assert current.version == CATALOGUE["simulation.requested"].version == 2
    assert current.data == {"simulation_id": "s", "iterations": 10, "backend": "cupy",
                            "sampling": "mc"}
    assert v1.data["engine"] == "cupy"  # upcasting is pure: the original is untouched


def test_every_event_type_has_a_known_topic() -> None:
    for event_type in CATALOGUE.values():
        assert event_type.topic in TOPICS
        assert "." in event_type.name
    assert topic_of(new_event("simulation.requested", "t", "t", {})) == "tenants"
