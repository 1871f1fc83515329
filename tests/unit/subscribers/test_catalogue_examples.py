"""The published catalogue covers every event type, each example fits its schema."""

from __future__ import annotations

from typing import Any

from streams.catalogue import CATALOGUE
from streams.catalogue_examples import EXAMPLES, describe, schema_of


def fits(value: Any, schema: dict[str, Any]) -> bool:
    if not schema:
        return True
    kinds = {"object": dict, "array": list, "string": str, "boolean": bool,
             "integer": int, "number": (int, float)}
    if not isinstance(value, kinds[schema["type"]]):
        return False
    if schema["type"] == "object":
        return set(schema["required"]) <= set(value) and all(
            fits(value[k], s) for k, s in schema["properties"].items() if k in value)
    return True


def test_every_type_has_an_example_that_fits_its_schema() -> None:
    assert set(EXAMPLES) == set(CATALOGUE)
    entries = describe()
    assert [e["type"] for e in entries] == list(CATALOGUE)
    for entry in entries:
        assert entry["version"] == CATALOGUE[entry["type"]].version
        assert fits(entry["example"]["data"], entry["schema"])


def test_schema_names_types_and_keys() -> None:
    schema = schema_of({"n": 1, "x": 1.5, "ok": True, "tags": ["a"], "none": None})
    assert schema["properties"]["n"] == {"type": "integer"}
    assert schema["properties"]["x"] == {"type": "number"}
    assert schema["properties"]["ok"] == {"type": "boolean"}
    assert schema["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    assert schema["properties"]["none"] == {}
