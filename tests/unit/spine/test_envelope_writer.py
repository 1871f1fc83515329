"""An event's wire form is the same bytes whichever writer makes it: a typed body's envelope
is written by orjson where that gives the standard library's bytes, and by the standard library
everywhere else (text beyond ASCII, numbers with an exponent, integers past 64 bits, a number
that is not finite in data that did not come from a typed body)."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams import envelope as envelope_module
from streams.envelope import Envelope
from streams.events import SimulationCancelled, SimulationCompleted

MOMENT = datetime(2026, 12, 8, 1, 2, 3, 456789, tzinfo=UTC)
texts = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["", "a3e5", "x:1e5", "é", "\u2028", "\x7f", "\x00\x1f\t\n\"\\/", "😀", "1e-07"])
numbers = (st.floats(allow_nan=False, allow_infinity=False)
           | st.sampled_from([0.0, -0.0, 1e-05, 1e-4, 1e15, 1e16, 1.5e-7, 5e-324, 123.456])
           | st.integers(-2**70, 2**70) | st.booleans() | st.none())
documents = st.recursive(numbers | texts, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(texts, inner, max_size=4), max_leaves=20)


def _expected(event: Envelope) -> bytes:
    return json.dumps({"id": event.id, "type": event.type, "version": event.version,
                       "tenant_id": event.tenant_id, "key": event.key,
                       "occurred_at": event.occurred_at.isoformat(),
                       "correlation_id": event.correlation_id,
                       "causation_id": event.causation_id, "data": event.data},
                      separators=(",", ":"), sort_keys=True).encode()


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(texts, documents, max_size=5))
def test_a_typed_envelope_is_written_as_the_standard_library_writes_it(data: dict[str, Any]
                                                                        ) -> None:
    event = Envelope("simulation.completed", "t1", "s1", data, occurred_at=MOMENT, typed=True)
    assert event.to_json() == _expected(event)


def test_every_number_orjson_writes_as_the_standard_library_is_taken_as_it() -> None:
    """Numbers of every magnitude, one by one: where the check takes orjson's spelling, it is
    the standard library's (orjson spells 1e-05 as 0.00001 and 1e-07 as 1e-7)."""
    rng = random.Random(13)
    values = [float(f"{m}e{k}") for k in range(-330, 309) for m in (1, 1.5, 9.999999, 7.1234567)]
    values += [rng.uniform(-1, 1) * 10 ** rng.uniform(-320, 308) for _ in range(20_000)]
    taken = 0
    for value in values:
        if math.isfinite(value):
            fast = orjson.dumps({"v": [value]}, option=orjson.OPT_SORT_KEYS)
            if envelope_module._spelt_as_python(fast):
                taken += 1
                assert fast == json.dumps({"v": [value]}, separators=(",", ":")).encode(), value
    # and it takes every number from 1e-4 to 1e16, which the standard library writes out
    assert taken == sum(1 for value in values if math.isfinite(value) and "e" not in repr(value))


def _writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the documents the standard library writes."""
    calls: list[int] = []
    real = json.dumps

    def counted(*args: Any, **kwargs: Any) -> str:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(envelope_module.json, "dumps", counted)
    return calls


def test_which_writer_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = {"mean": 166642.57958563618, "values": [0.0001, -3, 1e15], "note": "ok"}
    cases = [  # (data, typed, written by the standard library)
        (plain, True, False),
        (plain, False, True),  # not known to be a typed body's dump
        ({**plain, "tiny": 1.5e-07}, True, True),
        ({**plain, "name": "café"}, True, True),
        ({**plain, "big": 2**70}, True, True),
        ({**plain, "lone": "a\ud800b\x00"}, True, True),  # a lone surrogate: orjson refuses it
        ({**plain, "id": "a3e5d1e9"}, True, False),  # hex text is not a number
    ]
    for data, typed, by_standard in cases:
        writes = _writes(monkeypatch)
        event = Envelope("x.y", "t", "k", data, occurred_at=MOMENT, typed=typed)
        written = event.to_json()
        assert bool(writes) is by_standard, data
        assert written == _expected(event)


def test_a_typed_body_writes_what_is_not_finite_as_null_and_raw_data_keeps_it() -> None:
    ended = SimulationCancelled(iterations_run=1, compute_seconds=0.5, backend="numpy")
    body = SimulationCompleted.of(ended, outputs={"A1": {"mean": math.nan, "max": math.inf}})
    typed = body.event("t1", "s1")
    assert typed.typed and typed.data["outputs"]["A1"] == {"mean": None, "max": None}
    assert Envelope.from_json(typed.to_json()).data["outputs"]["A1"]["mean"] is None
    raw = Envelope("simulation.completed", "t1", "s1", {"mean": math.nan})
    assert not raw.typed and b'"mean":NaN' in raw.to_json()
    upcast = typed.with_data({"mean": math.nan}, 2)
    assert not upcast.typed and b'"mean":NaN' in upcast.to_json()
