"""Input ranks read from the Latin hypercube strata the inputs were drawn through, without a
sort, equal the sorted ranks in every case: where the strata order the values, and where they
do not (ties, a law fed by other cells, Monte Carlo draws, a second chunk, a filled reservoir)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.stats

from engines.analysis import ranking
from engines.analysis.ranking import average_ranks, ranks_by_place
from engines.analysis.sensitivity import Sensitivity
from engines.sampling.uniforms import uniforms


def _lhs(n: int, k: int = 3, seed: int = 1) -> Any:
    return uniforms(np, k, n, np.random.default_rng(seed), "lhs")


def _place(u: Any) -> Any:
    return np.floor(u * u.shape[-1]).astype(np.intp)


class _Sorts:
    """Counts the sorts ``average_ranks`` does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = ranking.average_ranks

        def counted(values: Any) -> Any:
            self.count += 1
            return real(values)

        monkeypatch.setattr(ranking, "average_ranks", counted)
        monkeypatch.setattr("engines.analysis.sensitivity.average_ranks", counted)


@pytest.mark.parametrize("n", [1, 2, 3, 1_000, 10_000])
def test_strata_rank_continuous_draws_without_a_sort(n: int, monkeypatch: pytest.MonkeyPatch
                                                     ) -> None:
    u = _lhs(n)
    sorts = _Sorts(monkeypatch)
    for values, place in ((scipy.stats.norm.ppf(u[0]), _place(u[0])),
                          (scipy.stats.beta.ppf(u[1], 2, 5) * 10 - 3, _place(u[1]))):
        got = ranks_by_place(values, place)
        np.testing.assert_array_equal(got, scipy.stats.rankdata(values))
    assert sorts.count == 0


def test_what_the_strata_do_not_order_is_sorted(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 2_000
    u = _lhs(n)
    rng = np.random.default_rng(5)
    cases = [
        (np.floor(u[0] * 4), _place(u[0])),                      # a law with steps: ties
        (scipy.stats.norm.ppf(u[0]) * rng.random(n), _place(u[0])),  # fed by other cells
        (-scipy.stats.norm.ppf(u[0]), _place(u[0])),             # descending
        (scipy.stats.norm.ppf(u[0]), _place(u[1])),              # another input's strata
        (u[0], np.zeros(n, dtype=np.intp)),                      # every trial one place
        (u[0], _place(rng.random(n))),                           # Monte Carlo draws
        (u[0], _place(u[0])[:-1]),                               # another shape
        (np.where(np.arange(n) == 7, np.nan, u[0]), _place(u[0])),  # NaN
    ]
    sorts = _Sorts(monkeypatch)
    for values, place in cases:
        expected = scipy.stats.rankdata(values) if not np.isnan(values).any() else None
        got = ranks_by_place(values, place)
        if expected is not None:
            np.testing.assert_array_equal(got, expected)
    assert sorts.count == len(cases)


def test_empty_values_rank_empty() -> None:
    assert ranks_by_place(np.zeros(0), np.zeros(0, dtype=np.intp)).size == 0


def _fed(x: Any, y: Any, keys: Any, chunks: list[slice], reservoir: int,
         u: Any | None) -> Sensitivity:
    s = Sensitivity(["A1", "B1", "C1"], ["out", "twin"], reservoir)
    ok = np.zeros(y.size, dtype=np.int8)
    for part in chunks:
        outputs = {"out": (y[part], ok[part]), "twin": (-y[part] ** 3, ok[part])}
        s.update(np, x[:, part], outputs, keys[part], None if u is None else u[:, part])
    return s


@pytest.mark.parametrize(("chunks", "reservoir", "by_strata"), [
    ([slice(0, 5_000)], 20_000, True),            # one chunk kept whole, in order
    ([slice(0, 5_000)], 5_000, True),             # one chunk that fills the reservoir: sorted
    ([slice(0, 5_000)], 4_000, False),            # a chunk larger than the reservoir
    ([slice(0, 2_500), slice(2_500, 5_000)], 20_000, False),  # two chunks' strata
])
def test_sensitivity_with_strata_equals_it_without(chunks: list[slice], reservoir: int,
                                                   by_strata: bool,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    n = 5_000
    rng = np.random.default_rng(11)
    # each chunk's uniforms stratified within it, as the sampler draws them
    u = np.concatenate([_lhs(part.stop - part.start, seed=i) for i, part in enumerate(chunks)],
                       axis=1)
    x = np.vstack([scipy.stats.norm.ppf(u[0]), scipy.stats.expon.ppf(u[1]), np.round(u[2] * 3)])
    y = 2 * x[0] - x[1] + x[2] + rng.normal(size=n)
    keys = rng.random(n)
    plain = _fed(x, y, keys, chunks, reservoir, None).result()
    sorts = _Sorts(monkeypatch)
    ranked = _fed(x, y, keys, chunks, reservoir, u).result()
    assert ranked == plain
    # two outputs share the inputs' ranks: a sort per output, and one per input not ordered
    # by its strata (the rounded one has ties)
    assert sorts.count == 2 + (1 if by_strata else 3)


def test_a_merge_drops_the_strata() -> None:
    n = 1_000
    u = _lhs(n)
    x = scipy.stats.norm.ppf(u)
    y = x.sum(axis=0)
    keys = np.random.default_rng(2).random(n)
    one = _fed(x, y, keys, [slice(0, n)], 20_000, u)
    other = _fed(x, -y, keys, [slice(0, n)], 20_000, u)
    one.merge(other)
    plain = _fed(x, y, keys, [slice(0, n)], 20_000, None)
    plain.merge(_fed(x, -y, keys, [slice(0, n)], 20_000, None))
    assert one.result() == plain.result()


def test_average_ranks_is_what_the_fallback_gives() -> None:
    values = np.array([3.0, 1.0, 2.0, 2.0])
    np.testing.assert_array_equal(ranks_by_place(values, np.array([3, 0, 1, 2])),
                                  average_ranks(values))
