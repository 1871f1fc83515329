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

import socket

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


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says a dependency is unavailable (retry later) rather than that the
    event itself cannot be processed."""
    if isinstance(exc, KafkaError) and getattr(exc, "retriable", False):
        return True
    return isinstance(exc, OUTAGES)
