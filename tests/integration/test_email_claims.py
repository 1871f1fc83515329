"""E-mail addresses decided on the write side, on a real PostgreSQL: a second user with an
address is refused before anything is sent, whatever the views hold; a retry of the same
command keeps its claim; an append known to have recorded nothing gives the claim back, one
that may have recorded keeps it; an erasure frees the address; adoption claims the users the
views held before claims existed, once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import asyncpg
import pytest

from infra import postgres
from infra.settings import Settings
from streams.catalogue import new_event
from streams.email_claims import EmailClaims, EmailTaken
from streams.envelope import Envelope
from streams.events import UserCreated
from streams.log import EventLog, LogUnavailable
from streams.personal import subject_id
from tests.integration.helpers import body


class FakeLog(EventLog):
    """Records what is appended, or fails as told."""

    def __init__(self, failure: LogUnavailable | None = None) -> None:
        self.appended: list[Envelope] = []
        self.failure = failure

    async def append(self, events: Iterable[Envelope]) -> None:
        if self.failure is not None:
            raise self.failure
        self.appended += events


def user(user_id: str, email: str, tenant_id: str = "acme") -> Envelope:
    return new_event(UserCreated.type, tenant_id, tenant_id,
                     body(UserCreated, user_id=user_id, email=email))


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    yield pool
    await pool.execute("DELETE FROM accounts.email_claims WHERE log_prefix=$1",
                       settings.topic_prefix)
    await pool.execute("DELETE FROM accounts.email_claims_adopted WHERE log_prefix=$1",
                       settings.topic_prefix)
    await pool.close()
    await postgres.drop_schema(settings.postgres_dsn, settings.projection_schema)


async def test_an_address_names_one_user_and_a_retry_keeps_its_claim(
        settings: Settings, pool: asyncpg.Pool) -> None:
    claims, log = EmailClaims(pool, settings.topic_prefix), FakeLog()
    await claims.append(log, [user("u1", "ada@example.com")])
    assert await claims.held("Ada@Example.com")
    with pytest.raises(EmailTaken):
        await claims.append(log, [user("u2", "ada@example.com", "other")])
    await claims.append(log, [user("u1", "ada@example.com")])  # the same command again
    assert [e.data["user_id"] for e in log.appended] == ["u1", "u1"]
    other = EmailClaims(pool, f"{settings.topic_prefix}_other")  # another log: its own claims
    assert not await other.held("ada@example.com")


async def test_an_append_that_recorded_nothing_gives_the_claim_back(
        settings: Settings, pool: asyncpg.Pool) -> None:
    claims = EmailClaims(pool, settings.topic_prefix)
    with pytest.raises(LogUnavailable):
        await claims.append(FakeLog(LogUnavailable("down", maybe_recorded=False)),
                            [user("u1", "bo@example.com")])
    assert not await claims.held("bo@example.com")
    with pytest.raises(LogUnavailable):
        await claims.append(FakeLog(LogUnavailable("no ack", maybe_recorded=True)),
                            [user("u2", "bo@example.com")])
    assert await claims.held("bo@example.com")
    # the retry of that command is the same user: it may use the address, nobody else may
    with pytest.raises(LogUnavailable):
        await claims.append(FakeLog(LogUnavailable("down", maybe_recorded=False)),
                            [user("u2", "bo@example.com")])
    assert await claims.held("bo@example.com")  # an earlier try may have recorded it
    with pytest.raises(EmailTaken):
        await claims.append(FakeLog(), [user("u3", "bo@example.com")])


async def test_erasure_frees_the_address_and_adoption_runs_once(
        settings: Settings, pool: asyncpg.Pool) -> None:
    claims = EmailClaims(pool, settings.topic_prefix)
    await claims.append(FakeLog(), [user("u1", "cy@example.com")])
    await claims.release_subject(subject_id("cy@example.com"))
    assert not await claims.held("cy@example.com")

    async def projected() -> list[tuple[str, str, str]]:
        return [("u9", "acme", "old@example.com")]

    await claims.adopt(projected)
    assert await claims.held("old@example.com")
    await claims.release_subject(subject_id("old@example.com"))
    await claims.adopt(projected)  # once per log
    assert not await claims.held("old@example.com")
    await claims.append(FakeLog(), [user("u2", "dd@example.com")])
    await claims.adopt(projected, again=True)  # after a restore: the views' users, only
    assert await claims.held("old@example.com") and not await claims.held("dd@example.com")
