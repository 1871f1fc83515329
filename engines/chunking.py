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

from engines.budget import checkpoint
from engines.xp import Array

TRIALS_PER_SLICE = 32_768
"""Most trials evaluated together: a float64 intermediate of one cell takes 256 KiB."""

BYTES_PER_SLICE = 2 * 2**20
"""Largest intermediate of a slice: a block of cells computed as one (a row of years) takes
width × trials × 8 bytes, and below this size it stays in the caches and in the heap's reused
memory (see engines.allocator) rather than in fresh mappings."""

FEWEST_TRIALS_PER_SLICE = 2_048
"""Fewest trials evaluated together, whatever the width: each slice costs a pass of the
model's plans, which many trials share."""


def trials_per_slice(width: int) -> int:
    """Trials per slice for a model whose widest block spans ``width`` cells."""
    fit = BYTES_PER_SLICE // (8 * max(width, 1))
    return max(FEWEST_TRIALS_PER_SLICE, min(TRIALS_PER_SLICE, fit))

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
    parts = []
    for part in slices(n, size):
        checkpoint()  # a heavy model's chunk is stopped between its slices past its budget
        parts.append(evaluate(part.stop - part.start, part))
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
