"""A row sent as stored JSON (``as_json``) is the document its parsed form (``as_dict``) gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import asyncpg
import orjson
from hypothesis import given
from hypothesis import strategies as st

from projections.queries import as_dict, as_json

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


def _row(**columns: Any) -> asyncpg.Record:
    return cast(asyncpg.Record, columns)  # both read a row through items() alone


@given(results=JSON_VALUES, request=JSON_VALUES, reason=st.none() | st.text(),
       done=st.integers(0, 2**62), seconds=st.none() | st.floats(allow_nan=False,
                                                                  allow_infinity=False))
def test_the_stored_json_is_the_parsed_document(results: Any, request: Any, reason: str | None,
                                                done: int, seconds: float | None) -> None:
    row = _row(simulation_id="s1", status="completed", iterations_done=done,
               compute_seconds=seconds, reason=reason,
               request=orjson.dumps(request).decode(), results=orjson.dumps(results).decode(),
               requested_at=datetime(2026, 12, 6, 1, 2, 3, 456789, tzinfo=UTC), finished_at=None)
    assert orjson.loads(as_json(row)) == as_dict(row)


def test_postgresql_json_text_is_spliced_as_it_is() -> None:
    # jsonb's own text form: spaces after separators, numbers as PostgreSQL prints them
    row = _row(results='{"mean": 1.5e-07, "p": [1, 2.50]}', reason='a "quoted" reason')
    assert as_json(row) == (b'{"results":{"mean": 1.5e-07, "p": [1, 2.50]},'
                            b'"reason":"a \\"quoted\\" reason"}')
    assert orjson.loads(as_json(row)) == as_dict(row)
