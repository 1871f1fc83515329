"""Splitting one evaluation over many trials into cache-sized runs of trials.

Every operation of a compiled model is independent per trial, so evaluating trials
``[start, stop)`` on their own gives exactly the entries the whole evaluation gives there.
Running a large n as a sequence of such slices keeps each intermediate block small enough to
stay in the CPU caches, instead of streaming full-size temporaries through memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any

from engines.xp import Array

TRIALS_PER_SLICE = 32_768
"""Trials evaluated together: a float64 intermediate of this many trials takes 256 KiB."""

Outputs = dict[str, tuple[Array, Array]]


def slices(n: int, size: int = TRIALS_PER_SLICE) -> Iterator[slice]:
    """``[0, n)`` as consecutive slices of at most ``size`` trials, of even lengths (so that no
    slice is a sliver of a few trials)."""
    count = max(1, -(-n // size))
    bounds = [n * i // count for i in range(count + 1)]
    for start, stop in zip(bounds, bounds[1:], strict=False):
        yield slice(start, stop)


def trials_of(xp: ModuleType, values: Any, n: int, part: slice) -> Any:
    """The entries of ``values`` for the trials in ``part``: an array of n entries is cut, a
    scalar (or a one-entry array) holds in every trial and is passed whole."""
    array = xp.asarray(values)
    if array.size == n and n > 1:
        return array.reshape(-1)[part]
    return values


def by_slices(
    xp: ModuleType,
    n: int,
    evaluate: Callable[[int, slice], Outputs],
    size: int = TRIALS_PER_SLICE,
) -> Outputs:
    """``evaluate(trials, part)`` over consecutive slices of ``[0, n)``, outputs joined."""
    parts = [evaluate(part.stop - part.start, part) for part in slices(n, size)]
    return {
        address: (
            xp.concatenate([part[address][0] for part in parts]),
            xp.concatenate([part[address][1] for part in parts]),
        )
        for address in parts[0]
    }


def slice_inputs(xp: ModuleType, inputs: Mapping[Any, Any], n: int, part: slice) -> dict[Any, Any]:
    """Request inputs (or pre-drawn Risk values) restricted to the trials in ``part``."""
    return {key: trials_of(xp, values, n, part) for key, values in inputs.items()}
