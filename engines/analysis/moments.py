"""Count, mean, central moments, min and max, merged exactly across chunks and workers.

Each chunk's central sums are taken in two passes (mean, then deviations) and combined with
the pairwise formulas of Chan, Golub & LeVeque and Pébay (2008), so the merge of any split of
the data equals one pass over it to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engines.xp import Array


@dataclass
class Moments:
    """Running moments: ``m2``, ``m3``, ``m4`` are sums of powers of deviations from the mean."""

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0
    m3: float = 0.0
    m4: float = 0.0
    min: float = math.inf
    max: float = -math.inf

    @classmethod
    def of(cls, xp: Any, values: Array) -> Moments:
        """The moments of one chunk of finite values."""
        count = int(values.size)
        if count == 0:
            return cls()
        mean = xp.mean(values)
        dev = values - mean
        sq = dev * dev
        return cls(
            count,
            float(mean),
            float(xp.sum(sq)),
            float(xp.sum(sq * dev)),
            float(xp.sum(sq * sq)),
            float(xp.min(values)),
            float(xp.max(values)),
        )

    def merge(self, other: Moments) -> Moments:
        """The moments of both data sets together."""
        if other.count == 0:
            return Moments(**vars(self))
        if self.count == 0:
            return Moments(**vars(other))
        na, nb = self.count, other.count
        n = na + nb
        delta = other.mean - self.mean
        d_n = delta / n
        mean = self.mean + nb * d_n
        m2 = self.m2 + other.m2 + delta * d_n * na * nb
        m3 = (
            self.m3
            + other.m3
            + delta * d_n * d_n * na * nb * (na - nb)
            + 3 * d_n * (na * other.m2 - nb * self.m2)
        )
        m4 = (
            self.m4
            + other.m4
            + delta * d_n**3 * na * nb * (na * na - na * nb + nb * nb)
            + 6 * d_n * d_n * (na * na * other.m2 + nb * nb * self.m2)
            + 4 * d_n * (na * other.m3 - nb * self.m3)
        )
        return Moments(n, mean, m2, m3, m4, min(self.min, other.min), max(self.max, other.max))

    def statistics(self) -> dict[str, float | None]:
        """Summary statistics; None where undefined for this count or a constant output.

        ``variance``/``std`` are the sample (n - 1) forms, Excel's VAR.S and STDEV.S.
        ``skewness`` = m3/m2^1.5 and ``kurtosis`` = m4/m2² on population moments, as @RISK
        reports them (a normal output has kurtosis 3, not excess). ``excel_skew`` and
        ``excel_kurt`` are Excel's bias-corrected SKEW and KURT (KURT is excess: normal → 0).
        """
        n = self.count
        stats: dict[str, float | None] = {
            "mean": self.mean if n else None,
            "min": self.min if n else None,
            "max": self.max if n else None,
            "variance": None,
            "std": None,
            "skewness": None,
            "kurtosis": None,
            "excel_skew": None,
            "excel_kurt": None,
        }
        if n >= 2:
            variance = self.m2 / (n - 1)
            stats["variance"], stats["std"] = variance, math.sqrt(variance)
        if n < 2 or self.m2 <= 0:
            return stats
        pop_var = self.m2 / n
        skewness = (self.m3 / n) / pop_var**1.5
        kurtosis = (self.m4 / n) / pop_var**2
        stats["skewness"], stats["kurtosis"] = skewness, kurtosis
        if n >= 3:
            stats["excel_skew"] = math.sqrt(n * (n - 1)) / (n - 2) * skewness
        if n >= 4:
            sum_z4 = self.m4 / (self.m2 / (n - 1)) ** 2
            stats["excel_kurt"] = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * sum_z4 - 3 * (
                n - 1
            ) ** 2 / ((n - 2) * (n - 3))
        return stats
