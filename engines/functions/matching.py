"""The search at the heart of MATCH, XMATCH, VLOOKUP, HLOOKUP, LOOKUP and XLOOKUP.

Everything is vectorised over trials: the lookup value may differ per trial, the searched
vector is a (t, 1, k) block, and the result is a 0-based position per trial (-1: not found).
"""

from __future__ import annotations

import re
from types import ModuleType

import numpy as np

from engines.functions.collect import flat
from engines.operators import _rank as type_rank
from engines.operators import compare
from engines.values import EMPTY, TEXT, Value, host, kinds, texts
from engines.xp import Array


def _wildcard(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "~" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
        i += 1
    return re.compile("".join(out), re.S | re.I)


def has_wildcards(value: Value) -> bool:
    return value.text is not None and any(ch in s for s in value.text.reshape(-1) for ch in "*?~")


def _comparable(xp: ModuleType, needle: Value, hay: Value) -> Array:
    """Entries of ``hay`` of the same Excel type as ``needle`` and not errors or empty."""
    kind_h, kind_n = kinds(xp, hay), kinds(xp, needle)
    rank_h = xp.where(kind_h == TEXT, 1, xp.where(kind_h == 1, 2, 0))
    rank_n = xp.where(kind_n == TEXT, 1, xp.where(kind_n == 1, 2, 0))
    ok = (rank_h == rank_n) & (kind_h != EMPTY)
    if hay.err is not None:
        ok = ok & (hay.err == 0)
    return ok


def _first(xp: ModuleType, mask: Array, reverse: bool = False) -> Array:
    """Per trial, the first (or last) True position along the last axis, -1 if none."""
    k = mask.shape[-1]
    if k == 0:
        return xp.full(mask.shape[:-1], -1)
    position = k - 1 - xp.argmax(mask[..., ::-1], axis=-1) if reverse else xp.argmax(mask, -1)
    return xp.where(xp.any(mask, axis=-1), position, -1)


def exact(
    xp: ModuleType, needle: Value, hay: Value, wildcards: bool, reverse: bool = False
) -> Array:
    """Position of the first entry equal to ``needle`` (text case-insensitive)."""
    ok = _comparable(xp, needle, hay)
    if wildcards and has_wildcards(needle):
        patterns = [_wildcard(s) for s in texts(needle).reshape(-1)]
        hay_text = np.broadcast_to(texts(hay), hay.shape)
        hits = np.zeros((len(patterns),) + hay_text.shape[1:], dtype=bool)
        for i, pattern in enumerate(patterns):
            row = hay_text[min(i, hay_text.shape[0] - 1)]
            hits[i] = np.vectorize(lambda s, p=pattern: bool(p.fullmatch(s)), otypes=[bool])(row)
        equal = xp.asarray(hits)
    else:
        same = compare(xp, "=", needle, hay)
        equal = same.num != 0
    mask = xp.broadcast_to(equal & ok, np.broadcast_shapes(equal.shape, ok.shape))
    return _first(xp, mask[:, 0, :], reverse)


def approximate(xp: ModuleType, needle: Value, hay: Value, descending: bool = False) -> Array:
    """MATCH type 1 (largest entry <= needle) or -1 (smallest >= needle), by binary search.

    Excel bisects without checking the order, so unsorted data gives Excel's own answers.
    Ascending, it stops at an entry equal to the needle and steps past entries of another
    type; failing an equal entry, the answer is the last entry of the needle's type before
    where it stops, if not above the needle. Descending, the answer is the last entry of the
    needle's type at or before where the bisection stops, and there is none when the first
    entry of that type (the largest, were the data sorted) is below the needle. Empty cells
    after the last filled one are left out of the search, as Excel leaves them: a table looked
    up in a whole column, or in a range with spare rows, ends at its last entry.
    """
    ok = _comparable(xp, needle, hay)
    filled = kinds(xp, hay) != EMPTY
    if descending:
        side = compare(xp, ">=", hay, needle).num != 0
        shape = np.broadcast_shapes(side.shape, ok.shape, filled.shape)
        ok = xp.broadcast_to(ok, shape)[:, 0, :]
        side = xp.broadcast_to(side, shape)[:, 0, :]
        last = _first(xp, xp.broadcast_to(filled, shape)[:, 0, :], reverse=True)
        _, high, _ = _bisect(xp, side | ~ok, last=last)
        upto = ok & (xp.arange(ok.shape[1])[None, :] <= high[:, None])
        first = _first(xp, ok)
        if ok.shape[1] == 0:
            return first
        below = (first >= 0) & ~side[xp.arange(ok.shape[0]), xp.clip(first, 0, None)]
        return xp.where(below, -1, _first(xp, upto, reverse=True))
    less = compare(xp, "<", hay, needle).num != 0
    equal = compare(xp, "=", hay, needle).num != 0
    shape = np.broadcast_shapes(less.shape, equal.shape, ok.shape, filled.shape)
    ok = xp.broadcast_to(ok, shape)[:, 0, :]
    less = xp.broadcast_to(less, shape)[:, 0, :] & ok
    equal = xp.broadcast_to(equal, shape)[:, 0, :] & ok
    trials, k = ok.shape
    if k == 0:
        return xp.full(trials, -1)
    last = _first(xp, xp.broadcast_to(filled, shape)[:, 0, :], reverse=True)
    low, _, found = _bisect(xp, less | ~ok, equal, last=last)
    before = _first(xp, ok & (xp.arange(k)[None, :] < low[:, None]), reverse=True)
    fits = (before >= 0) & (less | equal)[xp.arange(trials), xp.clip(before, 0, k - 1)]
    return xp.where(found >= 0, found, xp.where(fits, before, -1))


def _bisect(
    xp: ModuleType, goes_up: Array, equal: Array | None = None, last: Array | None = None
) -> tuple[Array, Array, Array]:
    """Excel's binary search over (t, k) flags "the answer lies after this entry", stopping
    early at an ``equal`` entry: the final low and high bounds and the entry found (-1).
    ``last`` (per trial) ends the search there instead of at the last entry."""
    trials, k = goes_up.shape
    low = xp.zeros(trials, dtype=xp.int64)
    high = xp.full(trials, k - 1, dtype=xp.int64)
    if last is not None:
        high = xp.minimum(high, xp.asarray(last, dtype=xp.int64))
    found = xp.full(trials, -1, dtype=xp.int64)
    rows = xp.arange(trials)
    for _ in range(max(k, 1).bit_length() + 1):
        active = (low <= high) & (found < 0)
        middle = xp.clip((low + high) // 2, 0, max(k - 1, 0))
        if equal is not None and k:
            hit = active & equal[rows, middle]
        else:
            hit = xp.zeros(trials, dtype=bool)
        found = xp.where(hit, middle, found)
        up = goes_up[rows, middle] if k else xp.zeros(trials, dtype=bool)
        low = xp.where(active & ~hit & up, middle + 1, low)
        high = xp.where(active & ~hit & ~up, middle - 1, high)
    return low, high, found


def _blank(xp: ModuleType, needle: Value) -> Array:
    """Trials whose lookup value is empty: XMATCH sorts it above every value."""
    return kinds(xp, needle) == EMPTY


def nearest(xp: ModuleType, needle: Value, hay: Value, larger: bool, reverse: bool) -> Array:
    """XMATCH modes 1/-1 on unsorted data: the exact entry, else the next larger (smaller)
    one in Excel's order of all values, so text is the next larger value after every number.
    """
    present = kinds(xp, hay) != EMPTY
    if hay.err is not None:
        present = present & (hay.err == 0)
    side = compare(xp, ">=" if larger else "<=", hay, needle).num != 0
    side = xp.where(_blank(xp, needle), not larger, side)
    rank = type_rank(xp, kinds(xp, hay))  # numbers < text < booleans
    shape = np.broadcast_shapes(side.shape, present.shape, rank.shape)
    mask = xp.broadcast_to(side & present, shape)[:, 0, :]
    rank = xp.broadcast_to(rank, shape)[:, 0, :]
    # the candidates of the closest type, then the closest value within it
    best_rank = (
        xp.min(xp.where(mask, rank, 3), axis=1)
        if larger
        else xp.max(xp.where(mask, rank, -1), axis=1)
    )
    mask = mask & (rank == best_rank[:, None])
    values = xp.broadcast_to(hay.num, (mask.shape[0], 1, mask.shape[1]))[:, 0, :]
    fill = xp.inf if larger else -xp.inf
    masked = xp.where(mask, values, fill)
    best = xp.min(masked, axis=1) if larger else xp.max(masked, axis=1)
    found = _first(xp, mask & (values == best[:, None]), reverse)
    if hay.text is None:
        return found
    text_found = _nearest_text(xp, hay, mask & (rank == 1), larger, reverse)
    return xp.where(best_rank == 1, text_found, found)


def _nearest_text(xp: ModuleType, hay: Value, mask: Array, larger: bool, reverse: bool) -> Array:
    keys = np.broadcast_to(texts(hay), hay.shape)[:, 0, :]
    host_mask = host(xp, mask)
    out = np.full(host_mask.shape[0], -1)
    for trial in range(host_mask.shape[0]):
        candidates = [
            (str(keys[min(trial, keys.shape[0] - 1), i]).lower(), i)
            for i in np.flatnonzero(host_mask[trial])
        ]
        if candidates:
            target = min(candidates)[0] if larger else max(candidates)[0]
            hits = [i for key, i in candidates if key == target]
            out[trial] = hits[-1] if reverse else hits[0]
    return xp.asarray(out)


def vector(xp: ModuleType, value: Value) -> Value | None:
    """A one-row or one-column block as (t, 1, k); None for a 2-D block."""
    rows, cols = value.grid
    if rows != 1 and cols != 1:
        return None
    return flat(xp, value)


def bisect(xp: ModuleType, needle: Value, hay: Value, mode: int, descending: bool) -> Array:
    """XMATCH's binary search (search_mode 2 / -2) over Excel's full ordering of values.

    ``mode`` 0 wants an equal entry; -1 falls back to the next smaller, 1 to the next larger.
    """
    blank = _blank(xp, needle)
    below = compare(xp, ">" if descending else "<", hay, needle).num != 0
    below = xp.where(blank, not descending, below)
    equal = (compare(xp, "=", hay, needle).num != 0) & ~blank
    shape = np.broadcast_shapes(below.shape, equal.shape)
    below = xp.broadcast_to(below, shape)[:, 0, :]
    equal = xp.broadcast_to(equal, shape)[:, 0, :]
    k = below.shape[1]
    low, high, found = _bisect(xp, below, equal)
    if mode == 0:
        return found
    smaller, larger = (low, high) if descending else (high, low)
    fallback = smaller if mode < 0 else larger
    fallback = xp.where((fallback >= 0) & (fallback < k), fallback, -1)
    return xp.where(found >= 0, found, fallback)
