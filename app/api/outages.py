"""Outages answer 503 with Retry-After and a reason, never 500 or a reset connection.

A route that reaches a dependency that is down (PostgreSQL, Redis, MongoDB, Kafka, a network)
raises one of :data:`infra.faults.OUTAGES`; these handlers turn it into a problem answer that
tells the client to come back, and say which dependency is missing.
"""

from __future__ import annotations

import logging

import asyncpg
import pymongo.errors
import redis.exceptions
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app.api.problems import unavailable
from infra.faults import OUTAGES, client_of

log = logging.getLogger(__name__)
RETRY_AFTER_S = 5


CLIENTS = {"asyncpg": "the database (PostgreSQL)", "redis": "the live store (Redis)",
           "pymongo": "the analytics store (MongoDB)", "aiokafka": "the event log (Kafka)"}


def dependency(exc: BaseException) -> str:
    """Which dependency failed: by the exception's type, or (for a plain ConnectionRefused
    raised inside a client library) by the innermost client frame it came through."""
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return dependency(exc.exceptions[0])
    if isinstance(exc, (asyncpg.PostgresError, asyncpg.InterfaceError)):
        return CLIENTS["asyncpg"]
    if isinstance(exc, redis.exceptions.RedisError):
        return CLIENTS["redis"]
    if isinstance(exc, pymongo.errors.PyMongoError):
        return CLIENTS["pymongo"]
    return CLIENTS.get(client_of(exc) or "", "a service RiskStream depends on")


async def outage_problem(request: Request, exc: Exception) -> JSONResponse:
    log.warning("%s %s: outage: %r", request.method, request.url.path, exc)
    return unavailable(f"{dependency(exc)} is unavailable; retry in a few seconds",
                       RETRY_AFTER_S)


def install_outage_handlers(app: FastAPI) -> None:
    for kind in OUTAGES:
        if issubclass(kind, Exception):
            app.add_exception_handler(kind, outage_problem)
