"""The API process: ``create_app`` is its composition root."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from starlette.exceptions import HTTPException

from app.api import http_metrics
from app.api.context import ApiContext
from app.api.errors import install_problem_handlers
from app.api.http_metrics import RequestTelemetry
from app.api.outages import install_outage_handlers
from app.api.ratelimit import RateLimitHeaders
from app.api.routes import (
    analytics,
    api_keys,
    audit,
    auth_token,
    billing,
    dead_letters,
    events,
    health,
    invitations,
    oidc,
    placements,
    report,
    security_audit,
    sign_in,
    simulations,
    stripe_webhook,
    subjects,
    tenants,
    trials,
    users,
    webhooks,
    workbook_sheets,
    workbooks,
)
from app.api.sheetview import sandboxed
from app.api.workbench import mount_workbench
from infra import tracing
from infra.lifetime import PARENT_ENV, end_with_parent
from infra.log_format import configure as configure_logs
from infra.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ctx = await ApiContext.build(settings)
        await route_all(app)
        # what start-up built lives as long as the process: out of the collector's way
        gc.collect()
        gc.freeze()
        warming = asyncio.create_task(sandboxed(settings).warm())  # off the first request
        try:
            yield
        finally:
            warming.cancel()
            await app.state.ctx.close()
            tracing.shutdown()  # the spans still buffered; a no-op when tracing is off

    app = FastAPI(title="RiskStream", version="0.1.0", lifespan=lifespan,
                  description="Monte Carlo simulation for Excel models, event-sourced on Kafka.")
    for module in (workbooks, workbook_sheets, simulations, trials, report, analytics, events,
                   webhooks, audit):
        app.include_router(module.router)
    for module in (tenants, subjects, users, invitations, api_keys, auth_token, sign_in, oidc,
                   security_audit, billing, stripe_webhook):
        app.include_router(module.router)
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(RequestTelemetry)  # outside the others: it times them too
    install_problem_handlers(app)
    install_outage_handlers(app)
    app.include_router(health.router)
    app.include_router(dead_letters.router)
    app.include_router(placements.router)
    app.include_router(sign_in.users_router)
    app.include_router(http_metrics.router)
    mount_workbench(app)

    return app


async def route_all(app: FastAPI) -> None:
    """Have the router place a path that no route takes. FastAPI builds an included router's
    routes (their parameters' validators) at the first request it matches against them: 20 to
    50 ms of CPU a router, paid by the first requests a fresh worker serves; a path no route
    takes is matched against them all, which builds them before the first request."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": "/.route-all", "raw_path": b"/.route-all",
             "query_string": b"", "headers": [], "root_path": "", "state": {}}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: object) -> None:
        pass

    # the workbench's files, mounted last, have no such file either: a 404 raised
    with suppress(HTTPException):
        await app.router(scope, receive, send)


def worker_app() -> FastAPI:
    """The app of one API worker process among several (``riskstream api`` with
    ``api_workers`` > 1): its own logs and tracing, then the app."""
    end_with_parent(int(os.environ[PARENT_ENV]))  # no worker outlives the API killed outright
    settings = Settings()
    configure_logs("api")
    tracing.configure("api", settings.otlp_endpoint)
    return create_app(settings)
