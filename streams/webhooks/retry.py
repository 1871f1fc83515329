"""What an attempt's reply means for the message and the endpoint (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """``schedule[n]`` is the wait before attempt n+1 after a failed attempt n (``schedule[0]``,
    the first attempt, is immediate); its length is the number of attempts."""

    schedule: tuple[float, ...]
    jitter: float
    disable_after_s: float


@dataclass(frozen=True)
class Verdict:
    outcome: str  # delivered | retrying | failed | disabled
    next_attempt_at: datetime | None = None
    disable_reason: str | None = None


def judge(policy: RetryPolicy, status: int | None, retry_after_s: float | None, attempt: int,
          failing_since: datetime | None, now: datetime, random: float) -> Verdict:
    """The verdict on attempt number ``attempt`` (1-based) answered by ``status`` (None: no
    answer); ``random`` in [0, 1) spreads retries by ±jitter so failed endpoints recover
    without a thundering herd."""
    if status is not None and 200 <= status < 300:
        return Verdict("delivered")
    if status == 410:
        return Verdict("disabled", disable_reason="the endpoint answered 410 Gone")
    since = failing_since or now
    if (now - since).total_seconds() >= policy.disable_after_s:
        return Verdict("failed", disable_reason=(
            f"every attempt failed for {policy.disable_after_s:.0f} s (since {since.isoformat()})"))
    if attempt >= len(policy.schedule):
        return Verdict("failed")
    wait = policy.schedule[attempt] * (1 + policy.jitter * (2 * random - 1))
    if status in (429, 503) and retry_after_s is not None:
        wait = max(wait, retry_after_s)
    return Verdict("retrying", next_attempt_at=now + timedelta(seconds=wait))
