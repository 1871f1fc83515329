"""Telling an outage from a fault: what :func:`infra.faults.is_outage` counts (retry later,
answer 503) and what it does not (a bug or bad data: park the event, answer 500)."""

from __future__ import annotations

import errno

import asyncpg
import httpx
from fastapi import FastAPI

from app.api.errors import install_problem_handlers
from app.api.outages import install_outage_handlers
from infra.faults import is_outage


def _postgres(sqlstate: str) -> asyncpg.PostgresError:
    kind = asyncpg.PostgresError.get_message_class_for_sqlstate(sqlstate)
    return kind("server message")


def _raised_in_asyncpg(exc: BaseException) -> BaseException:
    """``exc`` with a traceback through a frame whose module is asyncpg's."""
    scope = {"__name__": "asyncpg.connect_utils", "exc": exc}
    try:
        exec("raise exc", scope)  # noqa: S102 - a frame that reports asyncpg's module name
    except BaseException as raised:  # noqa: BLE001
        return raised
    raise AssertionError("unreachable")


def test_postgres_state_classes_of_going_away_are_outages() -> None:
    for state in ("57P01", "57P02", "57P03", "08006", "08001", "53300", "53100"):
        assert is_outage(_postgres(state)), state
    for state in ("42P01", "23505", "22P02", "57014", "40001"):  # bugs, data, cancel, retry txn
        assert not is_outage(_postgres(state)), state


def test_a_connection_left_mid_operation_by_a_dead_server_is_an_outage() -> None:
    """What asyncpg raises on a pooled connection whose operation PostgreSQL's death cut off
    (the outage e2e test met it once as a 500); its other internal errors stay faults."""
    left = asyncpg.exceptions.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress")
    assert is_outage(left)
    assert not is_outage(asyncpg.exceptions.InternalClientError("unexpected message type"))


def test_a_plain_os_error_counts_only_from_a_client_library() -> None:
    def refused() -> OSError:
        return OSError("Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432),"
                       " [Errno 111] Connect call failed ('127.0.0.1', 5432)")

    assert is_outage(_raised_in_asyncpg(refused()))
    assert not is_outage(refused())  # our own code's OSError is not someone else's outage
    assert is_outage(_raised_in_asyncpg(OSError(errno.ENETUNREACH, "unreachable")))
    assert not is_outage(_raised_in_asyncpg(OSError(errno.ENOSPC, "no space left")))
    assert is_outage(ConnectionResetError())  # a ConnectionError is one wherever it comes from


def test_groups_count_when_every_leaf_is_an_outage() -> None:
    assert is_outage(ExceptionGroup("both", [ConnectionResetError(), _postgres("57P01")]))
    assert not is_outage(ExceptionGroup("mixed", [ConnectionResetError(), ValueError("bug")]))
    assert not is_outage(ValueError("bug"))


async def test_the_api_answers_503_for_an_outage_its_handlers_cannot_name() -> None:
    app = FastAPI()

    @app.get("/crash-shutdown")
    async def crash() -> None:
        raise _postgres("57P02")

    @app.get("/group")
    async def group() -> None:
        raise ExceptionGroup("pool", [ConnectionRefusedError()])

    @app.get("/bug")
    async def bug() -> None:
        raise _postgres("42703")

    install_problem_handlers(app)
    install_outage_handlers(app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        for path in ("/crash-shutdown", "/group"):
            answer = await client.get(path)
            assert answer.status_code == 503, (path, answer.text)
            assert int(answer.headers["retry-after"]) > 0
            assert "unavailable" in answer.json()["detail"]
        assert "PostgreSQL" in (await client.get("/crash-shutdown")).json()["detail"]
        assert (await client.get("/bug")).status_code == 500
