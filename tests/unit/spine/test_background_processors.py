"""The processors a run does not wait for run further below the others and read in batches;
the ones a run or a reader waits for take each record as it comes."""

from __future__ import annotations

from pydantic import SecretStr

from app.ops.workers import BACKGROUND, PROCESSORS, PROJECTIONS, processor_settings
from infra.settings import Settings
from streams.subscription import FETCH_WAIT_MS, GATHER_BYTES, Subscription


def _settings(**values: object) -> Settings:
    return Settings(jwt_secret=SecretStr("b" * 32), **values)  # type: ignore[arg-type]


def test_background_processors_run_further_below_gather_their_fetches_and_yield() -> None:
    base = _settings(processor_nice=10, background_nice=9, background_gather_ms=250,
                     background_yield_s=0.5, projection_linger_ms=50, projection_nice=5)
    for name in PROCESSORS:
        settings, nice = processor_settings(name, base)
        got = (nice, settings.fetch_gather_ms, settings.yield_to_load_s, settings.batch_linger_ms)
        assert got == ((19, 250, 0.5, 0) if name in BACKGROUND else (15, 0, 0, 50)
                       if name in PROJECTIONS else (10, 0, 0, 0)), name
    assert {"postgres-projector", "redis-progress"} == PROJECTIONS
    assert {"tenant-ledger", "simulation-runner", "postgres-projector",
            "redis-progress"}.isdisjoint(BACKGROUND)
    _, capped = processor_settings("billing", _settings(processor_nice=15, background_nice=9))
    assert capped == 19  # the lowest priority there is


async def test_a_gathering_member_asks_the_broker_to_hold_its_fetch_for_more() -> None:
    taking = Subscription(_settings(), "g", ("simulations",)).consumer
    assert (taking._fetch_min_bytes, taking._fetch_max_wait_ms) == (1, FETCH_WAIT_MS)
    gathering = Subscription(_settings(fetch_gather_ms=250), "g", ("simulations",)).consumer
    assert (gathering._fetch_min_bytes, gathering._fetch_max_wait_ms) == (GATHER_BYTES, 250)
