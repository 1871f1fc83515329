"""When each value of an evaluation pass is read for the last time.

A pass keeps every computed cell until it ends: for a model of thousands of cells that is
thousands of arrays of one entry per trial, most of them read once, just after they were
computed. Dropping each value after its last reader lets the next operations reuse its memory
while it is still in the caches, and bounds a pass's memory by the values live at once rather
than by the model's size.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from typing import TypeVar

Read = TypeVar("Read", bound=Hashable)


def last_reads(reads: Sequence[Collection[Read]], kept: Collection[Read]) -> list[list[Read]]:
    """Per step, given what each step reads (``reads``), what it reads for the last time: to
    be dropped once it has run. ``kept`` is never dropped (outputs, values that must not be
    computed twice); nor is what no step reads."""
    last: dict[Read, int] = {}
    for index, read in enumerate(reads):
        for item in read:
            last[item] = index
    dropped: list[list[Read]] = [[] for _ in reads]
    for item, index in last.items():
        if item not in kept:
            dropped[index].append(item)
    return dropped
