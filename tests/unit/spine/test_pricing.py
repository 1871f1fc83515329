from streams.pricing import PRICES, charges


def amounts(result: dict) -> list[int]:  # type: ignore[type-arg]
    return [line["amount_cents"] for line in result["lines"]]


def test_within_the_included_iterations_only_the_fee_is_due() -> None:
    result = charges("pro", 100_000_000, 0.0)
    assert amounts(result) == [19_900, 0, 0] and result["total_cents"] == 19_900


def test_overage_is_charged_per_million_and_rounded_up_to_the_cent() -> None:
    # basic: 5 M included, 20 cents per million beyond
    assert amounts(charges("basic", 5_000_000 + 2_500_000, 0.0))[1] == 50
    assert amounts(charges("basic", 5_000_000 + 1, 0.0))[1] == 1  # 0.00002 cents → 1 cent
    assert charges("basic", 5_000_001, 0.0)["lines"][1]["quantity"] == 1


def test_gpu_time_is_charged_per_hour_to_the_millisecond() -> None:
    assert amounts(charges("pro", 0, 3600.0))[2] == 200  # one hour at 200 cents
    assert amounts(charges("pro", 0, 90.0))[2] == 5      # 200 * 90/3600 = 5 exactly
    assert amounts(charges("pro", 0, 1.0))[2] == 1       # 0.0556 cents → 1 cent
    assert amounts(charges("pro", 0, 0.0004))[2] == 0    # rounds to 0 ms: nothing


def test_the_free_plan_costs_nothing_and_totals_add_up() -> None:
    assert charges("free", 10**9, 10_000.0)["total_cents"] == 0
    result = charges("enterprise", 1_001_000_000, 7200.0)
    assert result["total_cents"] == PRICES["enterprise"].monthly_cents + 5 + 300
    assert result["total_cents"] == sum(amounts(result))
