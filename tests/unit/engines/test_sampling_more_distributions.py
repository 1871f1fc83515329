"""The @RISK families beyond the first eighteen, each against an independent reference:
scipy.stats with @RISK's parameters mapped onto scipy's (written out below), or, where scipy
has no such law, the CDF written from its definition and inverted by root finding."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from scipy import integrate, optimize, special, stats

from engines.compiler import compile_model
from engines.sampling.distributions import (
    DistributionError,
    cdf,
    draw,
    draw_per_trial,
    static_value,
)
from engines.sampling.parse import parse_distribution
from engines.sampling.uniforms import chunk_rng, uniforms
from engines.simulation import SimulationSpec, run_simulation
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook

EULER = 0.5772156649015329
U = np.array([1e-6, 0.001, 0.02, 0.25, 0.5, 0.6, 0.9, 0.999, 1 - 1e-6])
DRAWS = 200_000


class Inverted:
    """A law given by its CDF; its quantiles found by bracketing root search."""

    def __init__(self, cdf: Any, lo: float, hi: float) -> None:
        self.cdf, self.lo, self.hi = cdf, lo, hi

    def ppf(self, u: Any) -> Any:
        return np.array([optimize.brentq(lambda x, q=q: self.cdf(x) - q, self.lo, self.hi,
                                         xtol=1e-14, rtol=1e-15) for q in np.atleast_1d(u)])


def _general(lo: float, hi: float, xs: list[float], ps: list[float]) -> tuple[Inverted, Any]:
    """RiskGeneral's law from its definition: density the polyline (lo, 0), (x, p)..., (hi, 0)
    scaled to area 1, its CDF integrated numerically; also the density, for moments."""
    knots, heights = [lo, *xs, hi], [0.0, *ps, 0.0]
    area = float(integrate.quad(lambda t: np.interp(t, knots, heights), lo, hi, points=xs)[0])

    def density(t: float) -> float:
        return float(np.interp(t, knots, heights)) / area

    def law_cdf(x: Any) -> Any:
        return np.vectorize(lambda v: integrate.quad(density, lo, min(max(v, lo), hi),
                                                     points=xs, epsabs=1e-15)[0])(x)

    return Inverted(law_cdf, lo, hi), density


def _double_triang(lo: float, mode: float, hi: float, p: float) -> Inverted:
    # Probability p in a triangle rising from min to the mode, 1 - p in one falling to max.
    left = stats.triang(c=1, loc=lo, scale=mode - lo)
    right = stats.triang(c=0, loc=mode, scale=hi - mode)
    return Inverted(lambda x: p * left.cdf(x) + (1 - p) * right.cdf(x), lo, hi)


def _kumaraswamy(a1: float, a2: float, lo: float, hi: float) -> Inverted:
    # F(z) = 1 - (1 - z^a1)^a2 on z = (x - min) / (max - min): z^a1 ~ Beta(1, a2).
    return Inverted(
        lambda x: stats.beta(1, a2).cdf(np.clip((x - lo) / (hi - lo), 0, 1) ** a1), lo, hi)


GENERAL, GENERAL_DENSITY = _general(0, 10, [2, 5, 7, 9], [1, 2, 3, 1])


def _moment(density: Any, k: int) -> float:
    return float(integrate.quad(lambda t: t**k * density(t), 0, 10, points=[2, 5, 7, 9])[0])


GENERAL_MEAN = _moment(GENERAL_DENSITY, 1)
GENERAL_VAR = _moment(GENERAL_DENSITY, 2) - GENERAL_MEAN**2


def _kumaraswamy_moment(a1: float, a2: float, k: int) -> float:
    return float(a2 * special.beta(1 + k / a1, a2))


def _double_triang_moments(lo: float, mode: float, hi: float, p: float) -> tuple[float, float]:
    left = stats.triang(c=1, loc=lo, scale=mode - lo)
    right = stats.triang(c=0, loc=mode, scale=hi - mode)
    mean = p * (lo + 2 * mode) / 3 + (1 - p) * (2 * mode + hi) / 3
    second = p * left.moment(2) + (1 - p) * right.moment(2)
    return mean, second - mean**2


@dataclass(frozen=True)
class Case:
    """A family at given parameters, its reference law, closed-form mean and variance, and a
    bound on its excess kurtosis (for the tolerance on a sample variance)."""

    name: str
    params: list[Any]
    reference: Any
    mean: float
    variance: float
    kurtosis: float


_LL = math.pi / 5  # RiskLoglogistic(1, 3, 5): theta = pi / alpha
_KM1 = _kumaraswamy_moment(2, 3, 1)
_DT = _double_triang_moments(0, 4, 10, 0.3)

CONTINUOUS = [
    Case("RiskBeta", [2, 3], stats.beta(2, 3), 0.4, 6 / (25 * 6), 0),
    # Logistic(alpha, beta): location alpha, scale beta.
    Case("RiskLogistic", [5, 2], stats.logistic(loc=5, scale=2), 5, math.pi**2 * 4 / 3, 1.2),
    # Loglogistic(gamma, beta, alpha) = gamma + fisk(c=alpha, scale=beta).
    Case("RiskLoglogistic", [1, 3, 5], stats.fisk(c=5, loc=1, scale=3),
         1 + 3 * _LL / math.sin(_LL),
         9 * (2 * _LL / math.sin(2 * _LL) - _LL**2 / math.sin(_LL) ** 2), 0),
    # Extvalue(alpha, beta): Gumbel for maxima, location alpha, scale beta.
    Case("RiskExtvalue", [1, 2], stats.gumbel_r(loc=1, scale=2), 1 + 2 * EULER,
         math.pi**2 * 4 / 6, 2.4),
    Case("RiskExtvalueMin", [1, 2], stats.gumbel_l(loc=1, scale=2), 1 - 2 * EULER,
         math.pi**2 * 4 / 6, 2.4),
    Case("RiskChiSq", [5], stats.chi2(df=5), 5, 10, 0),
    Case("RiskErlang", [3, 2], stats.gamma(a=3, scale=2), 6, 12, 0),
    # Laplace(mu, sigma): sigma is the standard deviation, scipy's scale is sigma / sqrt(2).
    Case("RiskLaplace", [1, 2], stats.laplace(loc=1, scale=2 / math.sqrt(2)), 1, 4, 3),
    # Pareto(theta, alpha): shape theta, minimum (scale) alpha.
    Case("RiskPareto", [5, 2], stats.pareto(b=5, scale=2), 2.5, 4 * 5 / (16 * 3), 0),
    # Pareto2(b, q): scale b, shape q; Lomax.
    Case("RiskPareto2", [2, 5], stats.lomax(c=5, scale=2), 0.5, 4 * 5 / (16 * 3), 0),
    Case("RiskRayleigh", [2], stats.rayleigh(scale=2), 2 * math.sqrt(math.pi / 2),
         (4 - math.pi) / 2 * 4, 0),
    # Invgauss(mu, lambda): mean mu, shape lambda; scipy's mu is mu / lambda, scale lambda.
    Case("RiskInvgauss", [2, 5], stats.invgauss(mu=2 / 5, scale=5), 2, 8 / 5, 0),
    # Pearson5(alpha, beta): inverse gamma, shape alpha, scale beta.
    Case("RiskPearson5", [5, 2], stats.invgamma(a=5, scale=2), 0.5, 4 / (16 * 3), 0),
    # Pearson6(beta1, beta2, beta): beta prime with shapes beta1, beta2, scale beta.
    Case("RiskPearson6", [2, 6, 3], stats.betaprime(a=2, b=6, scale=3), 6 / 5,
         9 * 2 * 7 / (25 * 4), 0),
    Case("RiskF", [4, 12], stats.f(dfn=4, dfd=12), 1.2, 2 * 144 * 14 / (4 * 100 * 8), 0),
    Case("RiskReciprocal", [2, 50], stats.reciprocal(2, 50), 48 / math.log(25),
         (2500 - 4) / (2 * math.log(25)) - (48 / math.log(25)) ** 2, 0),
    Case("RiskKumaraswamy", [2, 3, 10, 20], _kumaraswamy(2, 3, 10, 20), 10 + 10 * _KM1,
         100 * (_kumaraswamy_moment(2, 3, 2) - _KM1**2), 3),
    # Frechet(gamma, beta, alpha) = gamma + invweibull(c=alpha, scale=beta).
    Case("RiskFrechet", [1, 2, 5], stats.invweibull(c=5, loc=1, scale=2),
         1 + 2 * math.gamma(1 - 1 / 5),
         4 * (math.gamma(1 - 2 / 5) - math.gamma(1 - 1 / 5) ** 2), 0),
    Case("RiskDoubleTriang", [0, 4, 10, 0.3], _double_triang(0, 4, 10, 0.3), *_DT, 3),
    Case("RiskGeneral", [0, 10, [2, 5, 7, 9], [1, 2, 3, 1]], GENERAL, GENERAL_MEAN,
         GENERAL_VAR, 3),
]

DISCRETE = [
    Case("RiskIntUniform", [3, 9], stats.randint(3, 10), 6, (49 - 1) / 12, 0),
    Case("RiskBernoulli", [0.3], stats.bernoulli(0.3), 0.3, 0.21, 0),
    # Geomet(p): failures before the first success; scipy's geom counts trials, hence loc=-1.
    Case("RiskGeomet", [0.2], stats.geom(0.2, loc=-1), 4, 0.8 / 0.04, 0),
    # Negbin(s, p): failures before the s-th success.
    Case("RiskNegbin", [5, 0.25], stats.nbinom(n=5, p=0.25), 15, 5 * 0.75 / 0.0625, 0),
    # Hypergeo(n, D, M): n drawn from M of which D are marked; scipy's (M, n, N) = (M, D, n).
    Case("RiskHypergeo", [10, 20, 50], stats.hypergeom(M=50, n=20, N=10), 4,
         10 * 0.4 * 0.6 * 40 / 49, 0),
]

ALL = CONTINUOUS + DISCRETE


def _kurtosis_bound(case: Case) -> float:
    if hasattr(case.reference, "stats"):
        return float(case.reference.stats(moments="k"))
    return case.kurtosis


def _ids(cases: list[Case]) -> list[str]:
    return [c.name for c in cases]


@pytest.mark.parametrize("case", CONTINUOUS, ids=_ids(CONTINUOUS))
def test_continuous_inverse_cdf_and_cdf_match_the_reference(case: Case) -> None:
    expected = case.reference.ppf(U)
    got = draw(np, case.name, U, case.params)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert cdf(np, case.name, expected, case.params) == pytest.approx(U, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("case", DISCRETE, ids=_ids(DISCRETE))
def test_discrete_inverse_cdf_and_cdf_match_the_reference(case: Case) -> None:
    assert draw(np, case.name, U, case.params).tolist() == case.reference.ppf(U).tolist()
    support = np.arange(-2, 40) + 0.5 * (np.arange(42) % 2)  # whole and half points
    assert cdf(np, case.name, support, case.params) == pytest.approx(
        case.reference.cdf(np.floor(support)), abs=1e-12)


@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_static_value_is_the_closed_form_mean(case: Case) -> None:
    assert static_value(case.name, case.params) == pytest.approx(case.mean, rel=1e-9)


@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_samples_have_the_closed_form_mean_and_variance(case: Case) -> None:
    """200,000 Monte Carlo draws: the sample mean within 5 standard errors of the mean, the
    sample variance within 5 of its standard errors, sd^2 sqrt((excess kurtosis + 2) / n)."""
    u = uniforms(np, 1, DRAWS, chunk_rng(np, 7, 0), "mc")[0]
    samples = draw(np, case.name, u, case.params)
    sd = math.sqrt(case.variance)
    assert abs(samples.mean() - case.mean) < 5 * sd / math.sqrt(DRAWS)
    spread = case.variance * math.sqrt((_kurtosis_bound(case) + 2) / DRAWS)
    assert abs(samples.var() - case.variance) < 5 * spread


@pytest.mark.parametrize("method", ["lhs", "mc"])
def test_laws_without_moments_are_sampled_at_their_quantiles(method: str) -> None:
    """RiskCauchy and RiskLevy have no mean: their sample quartiles stand in for moments."""
    u = uniforms(np, 1, DRAWS, chunk_rng(np, 3, 0), method)[0]  # type: ignore[arg-type]
    laws = {"RiskCauchy": ([1, 2], stats.cauchy(loc=1, scale=2)),
            "RiskLevy": ([1, 2], stats.levy(loc=1, scale=2))}
    for name, (params, reference) in laws.items():
        got = np.quantile(draw(np, name, u, params), [0.25, 0.5, 0.75])
        assert got == pytest.approx(reference.ppf([0.25, 0.5, 0.75]), rel=0.02)
        assert draw(np, name, U, params) == pytest.approx(reference.ppf(U), rel=1e-9)
        assert cdf(np, name, reference.ppf(U), params) == pytest.approx(U, rel=1e-9)


@pytest.mark.parametrize(
    ("name", "params", "median"),
    [
        ("RiskCauchy", [1, 2], 1.0),
        ("RiskLevy", [1, 2], stats.levy(loc=1, scale=2).median()),
        ("RiskPareto", [0.8, 2], stats.pareto(b=0.8, scale=2).median()),
        ("RiskPareto2", [2, 0.5], stats.lomax(c=0.5, scale=2).median()),
        ("RiskLoglogistic", [1, 3, 0.9], stats.fisk(c=0.9, loc=1, scale=3).median()),
        ("RiskPearson5", [0.7, 2], stats.invgamma(a=0.7, scale=2).median()),
        ("RiskPearson6", [2, 0.9, 3], stats.betaprime(a=2, b=0.9, scale=3).median()),
        ("RiskF", [4, 2], stats.f(dfn=4, dfd=2).median()),
        ("RiskFrechet", [1, 2, 1], stats.invweibull(c=1, loc=1, scale=2).median()),
    ],
)
def test_static_value_without_a_mean_is_the_median(name: str, params: list[float],
                                                   median: float) -> None:
    assert static_value(name, params) == pytest.approx(median, rel=1e-9)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("beta", [0, 1], "RiskBeta: alpha1 must be > 0, got 0"),
        ("logistic", [0, 0], "RiskLogistic: beta must be > 0, got 0"),
        ("loglogistic", [0, 1, -2], "RiskLoglogistic: alpha must be > 0, got -2"),
        ("extvalue", [0, -1], "RiskExtvalue: beta must be > 0, got -1"),
        ("extvaluemin", [0, 0], "RiskExtvalueMin: beta must be > 0, got 0"),
        ("chisq", [-1], "RiskChiSq: nu must be > 0, got -1"),
        ("erlang", [2.5, 1], "RiskErlang: m must be an integer > 0, got 2.5"),
        ("laplace", [0, -1], "RiskLaplace: sigma must be > 0, got -1"),
        ("pareto", [1, 0], "RiskPareto: alpha must be > 0, got 0"),
        ("pareto2", [0, 1], "RiskPareto2: b must be > 0, got 0"),
        ("rayleigh", [0], "RiskRayleigh: beta must be > 0, got 0"),
        ("invgauss", [1, 0], "RiskInvgauss: lambda must be > 0, got 0"),
        ("pearson5", [0, 1], "RiskPearson5: alpha must be > 0, got 0"),
        ("pearson6", [1, 1, 0], "RiskPearson6: beta must be > 0, got 0"),
        ("levy", [0, -1], "RiskLevy: c must be > 0, got -1"),
        ("cauchy", [0, 0], "RiskCauchy: beta must be > 0, got 0"),
        ("f", [1, 0], "RiskF: nu2 must be > 0, got 0"),
        ("reciprocal", [0, 5], "RiskReciprocal: min must be > 0, got 0"),
        ("reciprocal", [5, 2], "RiskReciprocal: min must be < max, got 5"),
        ("kumaraswamy", [1, 1, 3, 3], "RiskKumaraswamy: min must be < max, got 3"),
        ("frechet", [0, 1, 0], "RiskFrechet: alpha must be > 0, got 0"),
        ("doubletriang", [0, 0, 1, 0.5],
         "RiskDoubleTriang: most likely must be strictly between min and max, got 0"),
        ("doubletriang", [0, 0.5, 1, 1], "RiskDoubleTriang: p must be in (0, 1), got 1"),
        ("general", [0, 10, [5, 2], [1, 1]], "RiskGeneral: values must be strictly increasing"),
        ("general", [0, 10, [2, 12], [1, 1]], "RiskGeneral: values must be between min and max"),
        ("general", [0, 10, [2, 5], [1]], "RiskGeneral: probabilities must be as many as the"),
        ("general", [0, 10, [2, 5], [1, -1]], "RiskGeneral: probabilities must be >= 0, got -1"),
        ("general", [0, 10, [2, 5], [0, 0]], "RiskGeneral: probabilities must be not all zero"),
        ("intuniform", [1.5, 4], "RiskIntUniform: min must be an integer, got 1.5"),
        ("intuniform", [4, 4], "RiskIntUniform: min must be < max, got 4"),
        ("bernoulli", [1.2], "RiskBernoulli: p must be in [0, 1], got 1.2"),
        ("geomet", [0], "RiskGeomet: p must be in (0, 1], got 0"),
        ("negbin", [0, 0.5], "RiskNegbin: s must be an integer > 0, got 0"),
        ("negbin", [2, 1.5], "RiskNegbin: p must be in (0, 1], got 1.5"),
        ("hypergeo", [11, 5, 10], "RiskHypergeo: n must be an integer in [0, M], got 11"),
        ("hypergeo", [3, 2.5, 10], "RiskHypergeo: D must be an integer in [0, M], got 2.5"),
        ("hypergeo", [0, 0, 0], "RiskHypergeo: M must be an integer >= 1, got 0"),
        ("beta", [1], r"RiskBeta takes 2 arguments (alpha1, alpha2), got 1"),
    ],
)
def test_invalid_parameters_name_the_distribution_and_parameter(
    name: str, params: list[Any], message: str
) -> None:
    with pytest.raises(DistributionError, match=re.escape(message)):
        static_value(name, params)
    with pytest.raises(DistributionError, match=re.escape(message)):
        draw(np, name, U, params)


def test_edge_parameters_give_their_degenerate_laws() -> None:
    u = np.array([1e-9, 0.5, 1 - 1e-9])
    assert draw(np, "bernoulli", u, [0]).tolist() == [0, 0, 0]
    assert draw(np, "bernoulli", u, [1]).tolist() == [1, 1, 1]
    assert draw(np, "geomet", u, [1]).tolist() == [0, 0, 0]
    assert draw(np, "negbin", u, [3, 1]).tolist() == [0, 0, 0]
    assert draw(np, "hypergeo", u, [5, 10, 10]).tolist() == [5, 5, 5]
    assert draw(np, "hypergeo", u, [0, 4, 10]).tolist() == [0, 0, 0]
    # A RiskGeneral point at min or max: the density starts or ends at that height.
    ramp = draw(np, "general", u, [0, 1, [0], [1]])
    assert ramp == pytest.approx(1 - np.sqrt(1 - u), rel=1e-9)


def test_per_trial_arguments_give_each_trial_its_own_law() -> None:
    u = np.array([0.1, 0.5, 0.9, 0.5])
    n = np.array([10.0, 10.0, 3.0, 50.0])
    got = draw_per_trial(np, "hypergeo", u, [n, 20.0, np.array([50.0, 50.0, 50.0, -1.0])])
    assert got[:3].tolist() == [stats.hypergeom(M=50, n=20, N=k).ppf(q)
                                for k, q in zip(n[:3], u[:3], strict=True)]
    assert np.isnan(got[3])
    shapes = np.array([0.5, 2.0, 5.0, 9.0])
    assert draw(np, "invgauss", u, [2.0, shapes]) == pytest.approx(
        [stats.invgauss(mu=2 / lam, scale=lam).ppf(q) for lam, q in zip(shapes, u, strict=True)],
        rel=1e-9)


def test_truncation_uses_the_new_cdfs() -> None:
    u = uniforms(np, 1, 4000, chunk_rng(np, 5, 0), "lhs")[0]
    samples = draw(np, "pareto", u, [3, 2], truncate=(None, 5))
    assert samples.min() >= 2 and samples.max() <= 5
    law = stats.pareto(b=3, scale=2)
    assert stats.kstest(samples, lambda x: law.cdf(x) / law.cdf(5)).pvalue > 0.01
    counts = draw(np, "hypergeo", u, [10, 20, 50], truncate=(3, 5))
    assert set(np.unique(counts)) == {3.0, 4.0, 5.0}


def test_request_strings_name_the_new_distributions() -> None:
    assert parse_distribution("general(0, 10, {2,5}, [1,2])") == (
        "RiskGeneral", [0.0, 10.0, [2.0, 5.0], [1.0, 2.0]])
    assert parse_distribution("ExtValueMin(1, 2)") == ("RiskExtvalueMin", [1.0, 2.0])
    assert parse_distribution("gumbel(1, 2)")[0] == "RiskExtvalue"
    assert parse_distribution("negative_binomial(5, .25)") == ("RiskNegbin", [5.0, 0.25])
    assert parse_distribution("RiskHypergeo(10,20,50)")[0] == "RiskHypergeo"


def test_workbook_cells_and_request_strings_simulate_the_new_distributions() -> None:
    """Cells with seven of the new laws and two inputs given as request strings, summed in
    C1: independent draws, so the mean and variance are the sums of the closed forms."""
    cells = {"A1": "=RiskBeta(2, 3)*10", "A2": "=RiskGeomet(0.2)", "A3": "=RiskLaplace(1, 2)",
             "A4": "=RiskGeneral(0, 10, {2,5,7,9}, {1,2,3,1})", "A5": "=RiskHypergeo(10, 20, 50)",
             "A6": "=RiskLoglogistic(1, 3, 5)", "A7": "=RiskIntUniform(3, 9)"}
    data = model_workbook(**cells, B1=0, B2=0, C1="=SUM(A1:A7)+B1+B2")
    model = compile_model(load_workbook(data), inputs=["Model!B1", "Model!B2"],
                          outputs=["Model!C1"] + [f"Model!{cell}" for cell in cells])
    static = model.recalc()
    by_name = {c.name: c for c in ALL}
    parts = [(10 * 0.4, 100 * 0.04)] + [
        (by_name[name].mean, by_name[name].variance)
        for name in ("RiskGeomet", "RiskLaplace", "RiskGeneral", "RiskHypergeo",
                     "RiskLoglogistic", "RiskIntUniform")]
    for cell, (mean, _) in zip(cells, parts, strict=True):
        shown = static[f"Model!{cell}"]
        assert float(shown) == pytest.approx(mean, rel=1e-9)  # type: ignore[arg-type]
    requests = [by_name["RiskPareto2"], by_name["RiskNegbin"]]
    spec = SimulationSpec({"Model!B1": "pareto2(2, 5)", "Model!B2": "negbin(5, 0.25)"},
                          ["Model!C1"], 100_000, seed=11, chunk_size=25_000)
    result = run_simulation(model, spec).outputs["Model!C1"]
    mean = sum(m for m, _ in parts) + sum(c.mean for c in requests)
    sd = math.sqrt(sum(v for _, v in parts) + sum(c.variance for c in requests))
    assert result["error_count"] == 0
    assert abs(result["mean"] - mean) < 4 * sd / math.sqrt(result["count"])
    assert result["std"] == pytest.approx(sd, rel=0.02)
