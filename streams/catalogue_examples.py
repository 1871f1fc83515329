"""The event catalogue as subscribers read it: each type with its version, topic, summary, the
JSON Schema of its body generated from its model (:mod:`streams.events`) and an example
(``describe``).

A unit test keeps one example per type of :data:`streams.catalogue.CATALOGUE` and validates
each against its model, so a published example cannot say what the log would refuse.
"""

from __future__ import annotations

from typing import Any

from streams.catalogue import CATALOGUE
from streams.events import EVENTS
from streams.events.examples import EXAMPLES, T

__all__ = ["EXAMPLES", "SCHEMA_DIALECT", "describe"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def describe() -> list[dict[str, Any]]:
    """Every event type with its version, topic, summary, body schema and example envelope."""
    entries = []
    for event_type in CATALOGUE.values():
        body = EXAMPLES.get(event_type.name, {})
        schema = EVENTS[event_type.name].model_json_schema()
        entries.append({
            "type": event_type.name, "version": event_type.version, "topic": event_type.topic,
            "summary": event_type.summary,
            "schema": {"$schema": SCHEMA_DIALECT, **schema, "title": event_type.name},
            "example": {"id": "b7e0…", "type": event_type.name, "version": event_type.version,
                        "tenant_id": T, "key": body.get("endpoint_id", body.get(
                            "simulation_id", T)), "occurred_at": "2026-11-22T10:00:00+00:00",
                        "correlation_id": "c0ff…", "causation_id": "b7df…", "data": body},
        })
    return entries
