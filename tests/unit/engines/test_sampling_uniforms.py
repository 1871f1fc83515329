"""Uniform streams, Latin Hypercube strata and Iman–Conover rank correlation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from engines.sampling.correlation import RankCorrelation, checked_correlation, nearest_correlation
from engines.sampling.errors import CorrelationError
from engines.sampling.uniforms import chunk_rng, uniforms


@pytest.mark.parametrize("method", ["lhs", "mc"])
def test_uniforms_are_in_the_open_unit_interval_with_the_asked_shape(method: str) -> None:
    u = uniforms(np, 3, 1000, chunk_rng(np, 1, 0), method)  # type: ignore[arg-type]
    assert u.shape == (3, 1000)
    assert u.min() > 0 and u.max() < 1


def test_lhs_puts_one_draw_in_each_stratum() -> None:
    n = 1000
    u = uniforms(np, 4, n, chunk_rng(np, 2, 0), "lhs")
    for row in u:
        assert sorted(np.floor(row * n).astype(int)) == list(range(n))


def test_streams_depend_only_on_seed_and_chunk() -> None:
    a = uniforms(np, 2, 100, chunk_rng(np, 5, 3), "lhs")
    b = uniforms(np, 2, 100, chunk_rng(np, 5, 3), "lhs")
    c = uniforms(np, 2, 100, chunk_rng(np, 5, 4), "lhs")
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_unknown_method_is_rejected() -> None:
    with pytest.raises(ValueError, match="sampling must be"):
        uniforms(np, 1, 10, chunk_rng(np, 1, 0), "sobol")  # type: ignore[arg-type]


def test_iman_conover_reaches_the_requested_spearman_and_keeps_strata() -> None:
    target = np.array([[1.0, 0.8, -0.4], [0.8, 1.0, -0.2], [-0.4, -0.2, 1.0]])
    n = 20_000
    u = uniforms(np, 4, n, chunk_rng(np, 3, 0), "lhs", RankCorrelation((0, 1, 3), target))
    achieved = stats.spearmanr(u[[0, 1, 3]], axis=1).statistic
    assert achieved == pytest.approx(target, abs=0.02)
    assert abs(stats.spearmanr(u[0], u[2]).statistic) < 0.03
    assert sorted(np.floor(u[1] * n).astype(int)) == list(range(n))


def test_a_valid_matrix_passes_unchanged() -> None:
    m, warning = checked_correlation([[1, 0.5], [0.5, 1]], ["A1", "B1"])
    assert warning is None
    assert m.tolist() == [[1, 0.5], [0.5, 1]]


def test_a_matrix_that_is_not_psd_is_repaired_with_a_warning() -> None:
    bad = [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]
    m, warning = checked_correlation(bad, ["A1", "B1", "C1"])
    assert warning is not None and "not positive semi-definite" in warning
    assert np.linalg.eigvalsh(m)[0] >= -1e-12
    assert np.diag(m) == pytest.approx(1.0)
    assert np.allclose(m, m.T)


def test_nearest_correlation_is_closer_than_a_naive_fix() -> None:
    bad = np.array([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]])
    assert np.linalg.norm(nearest_correlation(bad) - bad) < np.linalg.norm(np.eye(3) - bad)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 0.5], [0.4, 1]], "symmetric: A1/B1 is 0.5 but B1/A1 is 0.4"),
        ([[1, 2], [2, 1]], r"in \[-1, 1\]"),
        ([[0.9, 0], [0, 1]], "diagonal"),
        ([[1]], "must be 2x2"),
    ],
)
def test_malformed_matrices_are_rejected(matrix: list[list[float]], message: str) -> None:
    with pytest.raises(CorrelationError, match=message):
        checked_correlation(matrix, ["A1", "B1"])


def test_a_repaired_matrix_is_the_one_the_ranks_achieve() -> None:
    asked = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]
    used, warning = checked_correlation(asked, ["a", "b", "c"])
    assert warning is not None and str(round(float(used[0, 1]), 4)) in warning
    u = uniforms(np, 3, 100_000, chunk_rng(np, 3, 0), "lhs",
                 RankCorrelation((0, 1, 2), used))
    achieved = stats.spearmanr(u.T).statistic
    # within the noise of a singular target (the repaired matrix sits on the cone's edge);
    # repaired among the ranks' correlations it was 0.02 off, systematically
    assert np.max(np.abs(achieved - used)) < 0.006
