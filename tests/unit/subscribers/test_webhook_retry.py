"""The verdict on each delivery attempt: success, 410, the retry schedule with jitter and
Retry-After, and disabling an endpoint that has failed for too long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.webhooks.retry import RetryPolicy, judge

NOW = datetime(2026, 11, 22, 10, tzinfo=UTC)
POLICY = RetryPolicy((0, 5, 300, 1800), jitter=0.1, disable_after_s=3600)


def test_2xx_delivers_and_410_disables() -> None:
    assert judge(POLICY, 204, None, 1, None, NOW, 0.5).outcome == "delivered"
    gone = judge(POLICY, 410, None, 1, None, NOW, 0.5)
    assert gone.outcome == "disabled" and "410" in (gone.disable_reason or "")


def test_failures_follow_the_schedule_within_the_jitter_then_give_up() -> None:
    first = judge(POLICY, 500, None, 1, None, NOW, 0.5)
    assert first.outcome == "retrying" and first.next_attempt_at == NOW + timedelta(seconds=5)
    early = judge(POLICY, None, None, 2, NOW, NOW, 0.0).next_attempt_at
    late = judge(POLICY, None, None, 2, NOW, NOW, 0.999999).next_attempt_at
    assert early == NOW + timedelta(seconds=270)
    assert late is not None and late - NOW < timedelta(seconds=330.001)
    last = judge(POLICY, 500, None, 4, NOW, NOW, 0.5)
    assert last.outcome == "failed" and last.disable_reason is None


def test_retry_after_is_honoured_on_429_and_503_only() -> None:
    busy = judge(POLICY, 503, 120, 1, None, NOW, 0.5)
    assert busy.next_attempt_at == NOW + timedelta(seconds=120)
    assert judge(POLICY, 429, 1, 1, None, NOW, 0.5).next_attempt_at == NOW + timedelta(seconds=5)
    assert judge(POLICY, 500, 120, 1, None, NOW, 0.5).next_attempt_at == NOW + timedelta(
        seconds=5)


def test_an_endpoint_failing_longer_than_the_period_is_disabled() -> None:
    verdict = judge(POLICY, 500, None, 2, NOW - timedelta(seconds=3600), NOW, 0.5)
    assert verdict.outcome == "failed" and "3600" in (verdict.disable_reason or "")
