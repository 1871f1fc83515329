"""Every distribution against its scipy.stats equivalent, at fixed seeds, with LHS and MC."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import stats

from engines.sampling.continuous import trigen_bounds
from engines.sampling.distributions import (
    NAMES,
    Distribution,
    DistributionError,
    Truncation,
    canonical_name,
    cdf,
    draw,
    draw_per_trial,
    static_value,
    validate,
)
from engines.sampling.parse import parse_distribution
from engines.sampling.uniforms import chunk_rng, uniforms

N = 4000


def _lognorm(mean: float, sd: float) -> Any:
    # RiskLognorm(mean, sd) gives the lognormal's own moments; scipy wants the underlying normal.
    sigma = math.sqrt(math.log1p((sd / mean) ** 2))
    return stats.lognorm(s=sigma, scale=math.exp(math.log(mean) - sigma**2 / 2))


def _trigen(*args: float) -> Any:
    lo, hi = (float(v) for v in trigen_bounds(np, [np.asarray(a, float) for a in args]))
    return stats.triang(c=(args[1] - lo) / (hi - lo), loc=lo, scale=hi - lo)


def _piecewise_cdf(knots: list[float], levels: list[float]) -> Callable[[Any], Any]:
    return lambda x: np.interp(x, knots, levels)


# (@RISK name, params, scipy frozen distribution or a CDF callable)
CONTINUOUS: list[tuple[str, list[Any], Any]] = [
    ("RiskNormal", [10, 2], stats.norm(loc=10, scale=2)),
    ("RiskLognorm", [10, 4], _lognorm(10, 4)),
    ("RiskLognorm2", [1, 0.5], stats.lognorm(s=0.5, scale=math.e)),
    ("RiskUniform", [-1, 3], stats.uniform(loc=-1, scale=4)),
    ("RiskTriang", [1, 2, 5], stats.triang(c=0.25, loc=1, scale=4)),
    ("RiskTrigen", [1, 2, 5, 10, 90], _trigen(1, 2, 5, 10, 90)),
    # PERT(min, mode, max) is a beta with shapes 1 + 4(mode-min)/range and 1 + 4(max-mode)/range.
    ("RiskPert", [1, 2, 5], stats.beta(a=2, b=4, loc=1, scale=4)),
    ("RiskBetaGeneral", [2, 3, 10, 20], stats.beta(a=2, b=3, loc=10, scale=10)),
    ("RiskExpon", [3], stats.expon(scale=3)),
    ("RiskGamma", [2.5, 1.5], stats.gamma(a=2.5, scale=1.5)),
    ("RiskWeibull", [1.5, 2], stats.weibull_min(c=1.5, scale=2)),
    ("RiskStudent", [5], stats.t(df=5)),
    ("RiskCumul", [0, 10, [2, 5], [0.3, 0.8]], _piecewise_cdf([0, 2, 5, 10], [0, 0.3, 0.8, 1])),
    ("RiskHistogrm", [0, 9, [1, 2, 1]], _piecewise_cdf([0, 3, 6, 9], [0, 0.25, 0.75, 1])),
]

DISCRETE: list[tuple[str, list[Any], Any]] = [
    (
        "RiskDiscrete",
        [[5, 1, 2], [0.3, 0.2, 0.5]],
        stats.rv_discrete(values=([1, 2, 5], [0.2, 0.5, 0.3])),
    ),
    ("RiskDUniform", [[1, 3, 4, 8]], stats.rv_discrete(values=([1, 3, 4, 8], [0.25] * 4))),
    ("RiskBinomial", [10, 0.3], stats.binom(n=10, p=0.3)),
    ("RiskPoisson", [3.5], stats.poisson(mu=3.5)),
]


def _u(method: str, seed: int = 11, n: int = N) -> Any:
    return uniforms(np, 1, n, chunk_rng(np, seed, 0), method)[0]  # type: ignore[arg-type]


def _cdf_of(reference: Any) -> Any:
    return reference if callable(reference) and not hasattr(reference, "cdf") else reference.cdf


@pytest.mark.parametrize("method", ["lhs", "mc"])
@pytest.mark.parametrize(
    ("name", "params", "reference"), CONTINUOUS, ids=[c[0] for c in CONTINUOUS]
)
def test_continuous_samples_pass_ks(
    name: str, params: list[Any], reference: Any, method: str
) -> None:
    samples = draw(np, name, _u(method), params)
    assert stats.kstest(samples, _cdf_of(reference)).pvalue > 0.01


def _chi_square_p(samples: Any, reference: Any) -> float:
    support = np.arange(0, 60) if not hasattr(reference, "xk") else np.asarray(reference.xk)
    expected = reference.pmf(support) * samples.size
    observed = np.array([(samples == k).sum() for k in support])
    keep = expected >= 5
    # Lump the thin tails into one cell so every cell expects at least 5.
    obs = np.append(observed[keep], samples.size - observed[keep].sum())
    exp = np.append(expected[keep], samples.size - expected[keep].sum())
    if exp[-1] < 1e-9:
        obs, exp = obs[:-1], exp[:-1]
    return float(stats.chisquare(obs, exp).pvalue)


@pytest.mark.parametrize("method", ["lhs", "mc"])
@pytest.mark.parametrize(("name", "params", "reference"), DISCRETE, ids=[d[0] for d in DISCRETE])
def test_discrete_samples_pass_chi_square(
    name: str, params: list[Any], reference: Any, method: str
) -> None:
    samples = draw(np, name, _u(method), params)
    assert set(np.unique(samples)) <= set(np.arange(0, 60)) | set(getattr(reference, "xk", []))
    assert _chi_square_p(samples, reference) > 0.01


@pytest.mark.parametrize(
    ("name", "params", "reference"),
    CONTINUOUS[:12] + DISCRETE,
    ids=[c[0] for c in CONTINUOUS[:12] + DISCRETE],
)
def test_static_value_is_the_mean(name: str, params: list[Any], reference: Any) -> None:
    assert static_value(name, params) == pytest.approx(reference.mean(), rel=1e-9, abs=1e-12)


def test_static_value_of_table_distributions() -> None:
    assert static_value("RiskCumul", [0, 10, [2, 5], [0.3, 0.8]]) == pytest.approx(
        0.3 * 1 + 0.5 * 3.5 + 0.2 * 7.5
    )
    assert static_value("histogrm", [0, 9, [1, 2, 1]]) == pytest.approx(4.5)


def test_trigen_puts_the_given_percentiles_at_bottom_and_top() -> None:
    assert cdf(np, "RiskTrigen", np.array([1.0, 5.0]), [1, 2, 5, 10, 90]) == pytest.approx(
        [0.1, 0.9], abs=1e-12
    )
    assert cdf(np, "RiskTrigen", np.array([0.0, 3.0]), [0, 1, 3, 0, 100]) == pytest.approx(
        [0.0, 1.0], abs=1e-12
    )


def test_truncation_keeps_samples_inside_and_follows_the_conditional_law() -> None:
    lo, hi = 8.0, 13.0
    samples = draw(np, "normal", _u("mc"), [10, 2], truncate=(lo, hi))
    assert samples.min() >= lo and samples.max() <= hi
    ref = stats.truncnorm((lo - 10) / 2, (hi - 10) / 2, loc=10, scale=2)
    assert stats.kstest(samples, ref.cdf).pvalue > 0.01


def test_truncate_applies_before_the_shift_truncate2_after_truncatep_by_percentile() -> None:
    u = _u("lhs")
    before = draw(np, "expon", u, [1], truncate=(None, 2), shift=100)
    assert before.min() >= 100 and before.max() <= 102
    after = draw(np, "expon", u, [1], truncate=Truncation(None, 100.5, "shifted"), shift=100)
    assert after.min() >= 100 and after.max() <= 100.5
    middle = draw(np, "normal", u, [0, 1], truncate=Truncation(0.1, 0.9, "percentile"))
    assert middle.min() >= stats.norm.ppf(0.1) - 1e-9 and middle.max() <= stats.norm.ppf(0.9)
    assert draw(np, "normal", u[:3], [0, 1], truncate=(1.5, 1.5), shift=1).tolist() == [2.5] * 3


def test_truncated_discrete_laws_keep_their_support() -> None:
    counts = draw(np, "poisson", _u("lhs"), [3.5], truncate=(2, 4))
    assert set(np.unique(counts)) == {2.0, 3.0, 4.0}
    with pytest.raises(DistributionError, match="RiskTruncateP: limits must be in"):
        Truncation(0.5, 2, "percentile")
    with pytest.raises(DistributionError, match="RiskTruncate: minimum must be <= maximum"):
        draw(np, "normal", _u("lhs"), [0, 1], truncate=(2, 1))


def test_draw_per_trial_masks_only_the_trials_with_invalid_arguments() -> None:
    u = np.full(4, 0.5)
    values = draw_per_trial(
        np, "normal", u, [np.array([1.0, 2.0, 3.0, np.nan]), np.array([1.0, -1.0, 1.0, 1.0])]
    )
    assert values[[0, 2]].tolist() == [1.0, 3.0] and np.isnan(values[[1, 3]]).all()
    with pytest.raises(DistributionError, match="RiskNormal: sd must be > 0, got -1"):
        draw_per_trial(np, "normal", u, [0, np.full(4, -1.0)])


def test_parameters_may_vary_per_trial() -> None:
    u = np.full(3, 0.5)
    assert draw(np, "normal", u, [np.array([1.0, 2.0, 3.0]), 1]).tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(DistributionError, match=r"RiskNormal: sd must be > 0, got -1"):
        draw(np, "normal", u, [0, np.array([1.0, -1.0, 2.0])])


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("normal", [0, -1], "RiskNormal: sd must be > 0, got -1"),
        ("triang", [1, 6, 5], "RiskTriang: mode must be between min and max, got 6"),
        ("uniform", [3, 1], "RiskUniform: min must be < max, got 3"),
        ("binomial", [2.5, 0.5], "RiskBinomial: n must be an integer >= 0, got 2.5"),
        ("discrete", [[1, 2], [0.5]], "RiskDiscrete: probabilities must be as many as the values"),
        ("cumul", [0, 10, [5, 2], [0.3, 0.8]], "RiskCumul: values must be strictly increasing"),
        ("trigen", [1, 2, 5, 90, 10], "RiskTrigen: top perc must be in"),
        ("normal", [1], r"RiskNormal takes 2 arguments \(mean, sd\), got 1"),
        ("gamma", [float("nan"), 1], "RiskGamma: alpha must be a finite number"),
        ("bogus", [1], "unknown distribution 'bogus'"),
        ("normal", ["ten", 1], "RiskNormal: mean must be a number, got 'ten'"),
        ("normal", [[1, 2], 1], r"RiskNormal: mean must be a number, got \[1, 2\]"),
        ("discrete", [[1, "x"], [1, 1]], "RiskDiscrete: values must be a table of numbers"),
    ],
)
def test_invalid_parameters_name_the_distribution_and_parameter(
    name: str, params: list[Any], message: str
) -> None:
    with pytest.raises(DistributionError, match=message):
        static_value(name, params)


def test_every_name_resolves_with_and_without_the_prefix() -> None:
    for name in NAMES:
        assert canonical_name(name) == name
        assert canonical_name(name[len("Risk") :].lower()) == name


def test_parse_distribution_strings() -> None:
    assert parse_distribution("normal(100, 10)") == ("RiskNormal", [100.0, 10.0])
    assert parse_distribution("RiskTriang(1,2,5)") == ("RiskTriang", [1.0, 2.0, 5.0])
    assert parse_distribution("discrete({1,2,3},{0.2,0.5,0.3})") == (
        "RiskDiscrete",
        [[1.0, 2.0, 3.0], [0.2, 0.5, 0.3]],
    )
    assert parse_distribution("cumul(0, 1e1, [2, 5], [.3, .8])") == (
        "RiskCumul",
        [0.0, 10.0, [2.0, 5.0], [0.3, 0.8]],
    )
    for bad in [
        "normal(1,,2)",
        "normal(1 2)",
        "normal(1,)",
        "discrete({1,2},{1)",
        "normal",
        "normal(x)",
    ]:
        with pytest.raises(DistributionError):
            parse_distribution(bad)


def test_distribution_spec_validates_on_construction_and_samples() -> None:
    dist = Distribution("pert", (1, 2, 5), shift=10)
    assert dist.name == "RiskPert"
    assert dist.mean() == pytest.approx(10 + 14 / 6)
    assert 11 <= float(dist.sample(np, np.array([0.5]))[0]) <= 15
    with pytest.raises(DistributionError, match="leaves none of RiskUniform's probability"):
        Distribution("uniform", (0, 1), truncate=(5, 6))


@pytest.mark.parametrize(("text", "words"), [
    ("beta(1e308, 1e308)", "no finite values"),  # every trial would be an error
    ("poisson(1e300)", "no finite values"),
    ("uniform(-1e308, 1e308)", "no finite values"),
    ("beta(\u0662, 3)", "cannot read an argument"),  # an Arabic-Indic two is not 2
])
def test_request_strings_that_give_no_numbers_are_refused(text: str, words: str) -> None:
    with pytest.raises(DistributionError, match=words):
        validate(*parse_distribution(text), finite=True)


def test_a_law_found_valid_is_remembered_and_an_invalid_one_refused_every_time() -> None:
    from engines.sampling.distributions import _validated, validate

    _validated.cache_clear()
    validate("RiskUniform", [-1e308, 1e308])  # valid as a constant law ...
    with pytest.raises(DistributionError, match="no finite values"):
        validate("RiskUniform", [-1e308, 1e308], finite=True)  # ... yet no request input
    for _ in range(2):
        with pytest.raises(DistributionError, match="sd must be > 0"):
            validate("RiskNormal", [0, -1])
    validate("RiskDiscrete", [[1, 2], [0.5, 0.5]])
    validate("RiskDiscrete", [[1, 2], [0.5, 0.5]])
    assert _validated.cache_info().hits == 1
    with pytest.raises(DistributionError):  # a table where a number must be: not cached away
        validate("RiskNormal", [[1, 2], 1])
