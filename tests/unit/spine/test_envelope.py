from datetime import UTC, datetime

from streams.catalogue import CATALOGUE, TOPICS, new_event, topic_of, upcast
from streams.envelope import Envelope
from streams.events import (
    Audit,
    SimulationReleased,
    SimulationResultsExpired,
    SimulationStarted,
    UserInvited,
)


def test_envelope_round_trips_through_json() -> None:
    event = Envelope(type="simulation.started", tenant_id="t1", key="s1", data={"a": [1, 2]},
                     correlation_id="c", causation_id="x",
                     occurred_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    back = Envelope.from_json(event.to_json())
    assert back == event


def test_caused_event_keeps_tenant_and_correlation_and_points_at_its_cause() -> None:
    first = new_event("simulation.accepted", "t1", "s1", {})
    second = first.caused(SimulationStarted(iterations=5, backend="numpy"))
    assert second.tenant_id == "t1" and second.key == "s1"
    assert second.correlation_id == first.id and second.causation_id == first.id
    third = second.caused(SimulationReleased(simulation_id="s1"), key="t1")
    assert third.correlation_id == first.id and third.causation_id == second.id
    assert (third.key, third.type, third.version) == ("t1", "simulation.released", 1)


def test_a_body_becomes_an_event_as_it_travels_and_reads_back_as_its_model() -> None:
    started = SimulationStarted(iterations=5, backend="cupy")
    event: Envelope[SimulationStarted] = started.event("t1", "s1", correlation_id="c")
    assert (event.type, event.version, event.correlation_id) == ("simulation.started", 1, "c")
    assert event.data == {"iterations": 5, "backend": "cupy"}  # the default chunks: not written
    back = Envelope.from_json(event.to_json())
    assert back.body() == started == back.body(SimulationStarted)
    assert back.body().chunks is None


def test_times_travel_as_isoformat_and_personal_data_is_left_for_the_sealer() -> None:
    until = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    expired = SimulationResultsExpired(retention_days=7, completed_at=until).event("t", "s")
    assert expired.data["completed_at"] == until.isoformat() == "2026-01-02T03:04:05+00:00"
    invited = UserInvited(invitation_id="i", email="a@example.com", role="member",
                          token_hash="h", expires_at=until, audit=Audit(actor="cli"))
    data = invited.event("t", "t").data
    assert "personal" not in data and data["audit"] == {"actor": "cli"}


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
