"""Retention per plan (pure): results past the tenant's retention_days expire, an override
changes the period, unlimited plans keep everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.retention import Held, expirations

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def held(sim: str, plan: str, age_days: float, overrides: dict[str, object] | None = None
         ) -> Held:
    return Held(sim, "t1", NOW - timedelta(days=age_days), plan, overrides or {})


def test_only_results_past_the_plans_retention_expire() -> None:
    events = expirations(NOW, [
        held("free-old", "free", 30.5), held("free-new", "free", 29.5),
        held("basic-old", "basic", 91), held("pro-new", "pro", 364),
        held("ent", "enterprise", 10_000), held("short", "enterprise", 2, {"retention_days": 1}),
        held("kept", "free", 400, {"retention_days": None}),
    ])
    assert [(e.key, e.data["retention_days"]) for e in events] == [
        ("free-old", 30), ("basic-old", 90), ("short", 1)]
    assert {e.type for e in events} == {"simulation.results_expired"}
