"""Shared fixtures. Services come from the local stack (`make test` starts it and exports the
RISKSTREAM_* settings); each test session works under its own topic prefix and schema."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from infra.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "project-npv.xlsx"


def isolated_settings(**overrides: object) -> Settings:
    """Settings for the running stack with a topic prefix, schema and database of their own."""
    if "RISKSTREAM_KAFKA_BOOTSTRAP" not in os.environ:
        pytest.fail("the service tests need the local stack: run them with `make test`")
    prefix = f"t{uuid.uuid4().hex[:10]}"
    values: dict[str, object] = {"topic_prefix": prefix, "mongo_db": prefix}
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    _MADE.append(settings)
    return settings


_MADE: list[Settings] = []
"""Settings made by :func:`isolated_settings`, in order: a test's topics go when it ends."""


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A server on 127.0.0.1 that takes what it is sent and never answers (a paused Redis, say):
    its port, while the block runs."""
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1 << 16)  # takes the command, answers nothing
        await asyncio.sleep(30)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()


@asynccontextmanager
async def api_redis_at(port: int, timeout_s: float) -> AsyncIterator[tuple[Any, Settings]]:
    """The API's Redis client (``app.api.context.api_redis``) for a server on 127.0.0.1:``port``
    with ``timeout_s`` as its timeout, and its settings; closed when the block ends."""
    from app.api.context import api_redis

    settings = isolated_settings(redis_url=f"redis://127.0.0.1:{port}/0", redis_timeout_s=timeout_s)
    redis = api_redis(settings)
    try:
        yield redis, settings
    finally:
        await redis.aclose()


def removed_after(settings: Settings) -> Settings:
    """``settings`` (a copy under another topic prefix): its topics go when the test ends, as
    those of :func:`isolated_settings` do."""
    _MADE.append(settings)
    return settings


async def _delete_topics(made: list[Settings]) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    shared = os.environ["RISKSTREAM_KAFKA_BOOTSTRAP"]
    prefixes = tuple(f"{s.topic_prefix}." for s in made if s.kafka_bootstrap == shared)
    if not prefixes:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=shared)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(prefixes)]
        if names:
            await admin.delete_topics(names)
    finally:
        await admin.close()


def _delete_topics_of(made: list[Settings]) -> None:
    """Delete the topics of ``made``, in a thread of its own: a test's event loop may still be
    open."""
    if not made or "RISKSTREAM_KAFKA_BOOTSTRAP" not in os.environ:
        return
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(_delete_topics(made))
        except Exception as exc:  # noqa: BLE001 - reported below
            failure.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(60)
    if failure:
        raise failure[0]


@pytest.fixture(autouse=True)
def _topics_deleted_after_the_test() -> Iterator[None]:
    """Delete the topics of the settings a test made (not those of wider fixtures, made
    before it began): a full suite would otherwise leave ~20,000 partitions on the shared
    broker, one open file each, past the usual limit of open files."""
    before = len(_MADE)
    yield
    made, _MADE[before:] = _MADE[before:], []
    _delete_topics_of(made)


@pytest.fixture(scope="session", autouse=True)
def _topics_deleted_after_the_session() -> Iterator[None]:
    """Delete the topics of the wider fixtures' settings once every test is done: left on the
    shared broker, each run's would slow the next (it tends every partition it holds)."""
    yield
    made, _MADE[:] = list(_MADE), []
    _delete_topics_of(made)


@pytest.fixture
def settings() -> Iterator[Settings]:
    yield isolated_settings()
