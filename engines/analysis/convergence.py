"""Auto-stop: has every output's estimate settled, in the manner of @RISK's RiskConvergence?

After each chunk, a statistic counts as converged when the half-width of its confidence
interval at ``confidence`` is within ``tolerance`` of its value (relative; against the standard
deviation when the value is 0). The mean uses the normal interval z·s/√n; a percentile p uses
the distribution-free interval between the order statistics at ranks n·p ± z·√(n·p·(1-p)).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scipy.special import ndtri

from engines.analysis.output import OutputAccumulator


@dataclass(frozen=True)
class ConvergenceSpec:
    """Stop once the mean (if ``mean``) and ``percentiles`` (in percent) of every output are
    known within ``tolerance`` (e.g. 0.03 = 3%) at ``confidence``, after ``min_iterations``."""

    tolerance: float = 0.03
    confidence: float = 0.95
    mean: bool = True
    percentiles: Sequence[float] = ()
    min_iterations: int = 1_000

    def __post_init__(self) -> None:
        if not 0 < self.tolerance < 1:
            raise ValueError(f"convergence tolerance must be in (0, 1), got {self.tolerance}")
        if not 0 < self.confidence < 1:
            raise ValueError(f"convergence confidence must be in (0, 1), got {self.confidence}")
        if any(not 0 < p < 100 for p in self.percentiles):
            raise ValueError(
                f"convergence percentiles must be in (0, 100), got {list(self.percentiles)}"
            )


def converged(spec: ConvergenceSpec, outputs: Iterable[OutputAccumulator]) -> bool:
    """Whether every output meets ``spec`` now."""
    z = float(ndtri(0.5 + spec.confidence / 2))
    return all(_output_converged(spec, z, acc) for acc in outputs)


def _output_converged(spec: ConvergenceSpec, z: float, acc: OutputAccumulator) -> bool:
    n = acc.moments.count
    if n < max(spec.min_iterations, 2):
        return False
    std = acc.moments.statistics()["std"] or 0.0
    if std == 0.0:
        return True
    if spec.mean and z * std / math.sqrt(n) > spec.tolerance * _scale(acc.moments.mean, std):
        return False
    for percent in spec.percentiles:
        p = percent / 100.0
        spread = z * math.sqrt(n * p * (1 - p))
        lo_rank = max(math.floor(n * p - spread), 0)
        hi_rank = min(math.ceil(n * p + spread), n - 1)
        lo, mid, hi = acc.quantile([lo_rank / (n - 1), p, hi_rank / (n - 1)])
        if (hi - lo) / 2 > spec.tolerance * _scale(float(mid), std):
            return False
    return True


def _scale(value: float, std: float) -> float:
    return abs(value) if value != 0 else std
