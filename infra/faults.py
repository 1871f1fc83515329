"""Telling an outage from a poison event.

A processor that fails on an event must know why: when a dependency is down (the broker, the
database, Redis, MongoDB, Stripe, the blob store, a network), the same event will succeed
later, so the processor stops without committing and is restarted with backoff; any other
failure is the event's own (bad data, a bug it triggers) and would fail forever, so the event
is parked and the partition moves on. Misreading an outage as poison would park good work;
misreading poison as an outage would stop a partition for good, so only known connection
failures count as outages.
"""

from __future__ import annotations

import errno
import socket
import traceback

import asyncpg
import httpx
import pymongo.errors
import redis.exceptions
import stripe
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError

from infra.blobstore import BlobStoreUnavailable

OUTAGES: tuple[type[BaseException], ...] = (
    ConnectionError, TimeoutError, socket.gaierror,
    KafkaConnectionError, KafkaTimeoutError,
    asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError,
    asyncpg.exceptions.ConnectionDoesNotExistError, asyncpg.InterfaceError,
    asyncpg.exceptions.AdminShutdownError, asyncpg.exceptions.TooManyConnectionsError,
    redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
    pymongo.errors.AutoReconnect, pymongo.errors.ServerSelectionTimeoutError,
    pymongo.errors.NetworkTimeout, pymongo.errors.ConnectionFailure,
    httpx.TransportError,
    stripe.APIConnectionError, stripe.RateLimitError,
    BlobStoreUnavailable,
)

REDIS_UNREACHABLE: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
"""What a Redis call raises when Redis cannot be reached: where Redis only speeds a request
up or limits it (the accepted cache, the rate limiter), the request goes on without it."""


# SQLSTATE classes that say the server or the connection is going away, not that the statement
# is wrong: 08 connection exception, 53 insufficient resources (too many connections, disk
# full, out of memory), 57P operator intervention (shutdown, crash of another backend, startup)
_OUTAGE_SQLSTATES = ("08", "53", "57P")
# the errors a plain OSError carries when a connection could not be made or was lost
_CONNECTION_ERRNOS = frozenset({
    errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, errno.ETIMEDOUT,
    errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.EADDRNOTAVAIL})
CLIENT_PACKAGES = frozenset({"asyncpg", "redis", "pymongo", "motor", "aiokafka", "httpx",
                             "httpcore", "aiobotocore", "botocore", "stripe"})
"""The client libraries through which RiskStream reaches its dependencies."""


BY_VALUE: tuple[type[Exception], ...] = (
    KafkaError, asyncpg.PostgresError, asyncpg.exceptions.InternalClientError, OSError)
"""The kinds :func:`is_outage` judges by their value (retriable, state code, message, errno)."""


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says a dependency is unavailable (retry later) rather than that the
    event itself cannot be processed: one of :data:`OUTAGES`, a retriable Kafka error, a
    PostgreSQL error of a connection, resource or shutdown class, a plain ``OSError`` raised
    inside a client library (e.g. asyncio's "Multiple exceptions" when every address of a host
    refused), or an exception group whose every member is one of those."""
    if isinstance(exc, BaseExceptionGroup):
        return bool(exc.exceptions) and all(is_outage(e) for e in exc.exceptions)
    if isinstance(exc, OUTAGES):
        return True
    if isinstance(exc, KafkaError) and getattr(exc, "retriable", False):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        return str(getattr(exc, "sqlstate", "") or "").startswith(_OUTAGE_SQLSTATES)
    if isinstance(exc, asyncpg.exceptions.InternalClientError):
        # a pooled connection whose last operation the server's death cut off: "cannot switch
        # to state 12; another operation (2) is in progress" (seen as PostgreSQL was killed)
        return "another operation" in str(exc)
    if type(exc) is OSError:  # noqa: E721 - only the plain class: its subclasses say more
        if exc.errno in _CONNECTION_ERRNOS or str(exc).startswith("Multiple exceptions"):
            return client_of(exc) is not None  # not our own file handling
        return False
    return False


def client_of(exc: BaseException) -> str | None:
    """The innermost client library (of :data:`CLIENT_PACKAGES`) ``exc`` came through."""
    found = None
    for frame, _line in traceback.walk_tb(exc.__traceback__):
        package = frame.f_globals.get("__name__", "").split(".")[0]
        if package in CLIENT_PACKAGES:
            found = package
    return found
