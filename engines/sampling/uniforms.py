"""Uniform streams: Monte Carlo or Latin Hypercube, one reproducible stream per chunk.

Chunk i of a run draws from a stream derived from (seed, i) alone, so a run split across workers
by chunk gives exactly the numbers of one run over all chunks (on the same backend).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy

from engines.sampling.correlation import RankCorrelation, impose
from engines.xp import Array

Method = Literal["lhs", "mc"]

# u must lie in the open interval (0, 1): the inverse CDF of an unbounded law is infinite at 0 or 1.
_LOWEST = 2.0**-54
_HIGHEST = 1.0 - 2.0**-53


def chunk_rng(xp: Any, seed: int, chunk: int) -> Any:
    """The random generator for chunk ``chunk`` of the run seeded with ``seed``."""
    sequence = numpy.random.SeedSequence(entropy=seed, spawn_key=(chunk,))
    if xp is numpy:
        return numpy.random.Generator(numpy.random.PCG64(sequence))
    return xp.random.default_rng(int(sequence.generate_state(1, numpy.uint64)[0]))


def uniforms(
    xp: Any,
    n_inputs: int,
    n: int,
    rng: Any,
    method: Method = "lhs",
    corr: RankCorrelation | None = None,
) -> Array:
    """Uniforms of shape (n_inputs, n) in (0, 1), independent across inputs unless ``corr``.

    ``lhs`` puts exactly one draw of each input in each of the n equal strata of (0, 1), the
    strata in random order (stratified within this chunk).
    """
    draws = rng.random((n_inputs, n))
    if method == "lhs":
        strata = xp.argsort(rng.random((n_inputs, n)), axis=1)
        draws = (strata + draws) / n
    elif method != "mc":
        raise ValueError(f"sampling must be 'lhs' or 'mc', got {method!r}")
    draws = xp.clip(draws, _LOWEST, _HIGHEST)
    return draws if corr is None else impose(xp, draws, corr)
