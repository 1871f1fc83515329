"""What a plan costs: a monthly fee, iterations beyond the included ones and GPU time, in
integer cents. Pure arithmetic; each metered line is rounded up to the next cent once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MILLION = 1_000_000


@dataclass(frozen=True)
class Price:
    """A plan's price: fee per month, included iterations, and metered rates."""

    monthly_cents: int
    included_iterations: int
    cents_per_million_iterations: int
    cents_per_gpu_hour: int


PRICES: dict[str, Price] = {
    "free": Price(0, 0, 0, 0),
    "basic": Price(4_900, 5 * MILLION, 20, 250),
    "pro": Price(19_900, 100 * MILLION, 10, 200),
    "enterprise": Price(99_900, 1_000 * MILLION, 5, 150),
}


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def charges(plan: str, iterations: int, gpu_seconds: float) -> dict[str, Any]:
    """The period's charges so far: line items and their total, in cents."""
    price = PRICES[plan]
    over = max(0, iterations - price.included_iterations)
    gpu_ms = int(round(gpu_seconds * 1000))
    amounts = [price.monthly_cents,
               _ceil_div(over * price.cents_per_million_iterations, MILLION),
               _ceil_div(gpu_ms * price.cents_per_gpu_hour, 3_600_000)]
    lines = [
        {"item": f"{plan} plan, monthly fee", "quantity": 1, "unit": "month"},
        {"item": "iterations beyond the included", "quantity": over,
         "unit": f"{price.cents_per_million_iterations} cents per million"},
        {"item": "GPU compute", "quantity": gpu_ms / 1000,
         "unit": f"seconds at {price.cents_per_gpu_hour} cents per hour"},
    ]
    for line, amount in zip(lines, amounts, strict=True):
        line["amount_cents"] = amount
    return {"currency": "usd", "lines": lines, "total_cents": sum(amounts)}
