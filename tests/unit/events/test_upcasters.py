"""Old events in an existing log still read: recorded v1 envelopes, upcast to the current
version, fit the current models; upcasting is pure."""

from __future__ import annotations

from pathlib import Path

from streams.envelope import Envelope
from streams.events import (
    MODELS,
    ApiKeyIssued,
    SimulationRequested,
    parse_body,
    upcast,
)

RECORDED = Path(__file__).parent


def recorded(name: str) -> tuple[bytes, Envelope]:
    raw = (RECORDED / name).read_bytes()
    return raw, Envelope.from_json(raw)


def test_a_v1_simulation_request_names_its_backend_and_sampling() -> None:
    raw, v1 = recorded("simulation_requested_v1.json")
    current = upcast(v1)
    assert current.version == SimulationRequested.version == 2
    body = parse_body(v1)
    assert isinstance(body, SimulationRequested)
    assert body.backend == "cupy" and body.sampling == "mc"
    assert body.iterations == 5000 and body.inputs["Model!B2"].params == [100.0, 10.0]
    assert "engine" not in current.data
    assert Envelope.from_json(raw) == v1  # the recorded event itself is untouched


def test_a_v1_api_key_is_an_unnamed_admin_key_with_every_scope() -> None:
    _, v1 = recorded("api_key_issued_v1.json")
    body = upcast(v1).body(ApiKeyIssued)
    assert (body.name, body.role) == ("", "admin")
    assert body.scopes == ["read", "simulate", "admin", "billing"]
    assert body.key_id == v1.data["key_id"] and "role" not in v1.data


def test_current_events_pass_unchanged_and_every_old_version_has_a_step() -> None:
    _, v1 = recorded("api_key_issued_v1.json")
    current = upcast(v1)
    assert upcast(current) is current
    for model in MODELS:
        assert sorted(model.upcasters) == list(range(1, model.version))
