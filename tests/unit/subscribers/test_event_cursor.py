"""Subscriber cursors: round trips, moving past events, and refusing what the API never made."""

from __future__ import annotations

import pytest

from projections.event_feed import BadCursor, advanced, decode, encode


def test_cursor_round_trips_and_only_moves_forward() -> None:
    cursor = {("tenants", 0): 4, ("simulations", 5): 120}
    assert decode(encode(cursor)) == cursor
    assert decode(encode({})) == {}
    moved = advanced(cursor, "simulations", 5, 120)
    assert moved[("simulations", 5)] == 121 and cursor[("simulations", 5)] == 120
    assert advanced(moved, "simulations", 5, 7) == moved
    assert advanced({}, "billing", 2, 0) == {("billing", 2): 1}


@pytest.mark.parametrize("text", ["", "abc", "c1.%%%", "c1." + "bm9wZTox", "c1.dGVuYW50czox"])
def test_damaged_or_foreign_cursors_are_refused(text: str) -> None:
    with pytest.raises(BadCursor):
        decode(text)
