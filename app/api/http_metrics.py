"""The API's telemetry: a middleware that gives each request a correlation id for its log lines
(``X-Request-ID`` when the caller sends one), counts and times it under its route template and
logs it; and ``GET /metrics`` in Prometheus' text format, with the business totals read from
the views."""

from __future__ import annotations

import logging
import os
import re
import time
import uuid

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra import metrics, tracing
from infra.log_format import bound
from projections.business_queries import simulations_by_plan

router = APIRouter(tags=["operations"])
log = logging.getLogger("riskstream.http")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = str(value.decode("latin-1"))
            if REQUEST_ID.match(text):
                return text
    return uuid.uuid4().hex


class RequestTelemetry:
    """Counts, times and logs each HTTP request by method, route template and status. A path
    no route matches counts as ``unmatched``, so scanners cannot grow the label set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.monotonic()
        status: list[int] = []

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        with bound(correlation_id=_request_id(scope)), \
                tracing.serving(scope["method"], scope.get("headers")) as span:
            try:
                await self.app(scope, receive, sending)
            finally:
                code = status[0] if status else 500
                route = self._record(scope, code, time.monotonic() - began)
                span.update_name(f"{scope['method']} {route}")
                span.set_attribute("http.response.status_code", code)

    @staticmethod
    def _record(scope: Scope, code: int, seconds: float) -> str:
        # the router sets the matched route in the scope it was given
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        method = scope["method"]
        metrics.HTTP_REQUESTS.labels(method, route, str(code)).inc()
        metrics.HTTP_SECONDS.labels(method, route).observe(seconds)
        if code >= 500:
            metrics.HTTP_ERRORS.labels(method, route).inc()
        with bound(tenant_id=scope.get("state", {}).get("tenant_id")):
            log.info("%s %s %s %.1f ms", method, route, code, seconds * 1000)
        return route


def process_metrics() -> CollectorRegistry:
    """This process's metrics, or every API worker's added up when they share a directory."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


@router.get("/metrics", include_in_schema=False)
async def scrape(request: Request) -> Response:
    """Prometheus' scrape of the API: its workers' request metrics and the business totals."""
    ctx = request.app.state.ctx
    business = CollectorRegistry()
    unreachable: list[str] = []  # a tenant database that is down blinds no other tenant
    rows = await simulations_by_plan(ctx.pool, ctx.tenant_pools.pools, unreachable)
    if unreachable:
        log.warning("GET /metrics: tenant databases unreachable, left out: %s", unreachable)
    business.register(metrics.BusinessTotals(rows, len(unreachable)))
    return Response(generate_latest(process_metrics()) + generate_latest(business),
                    media_type=CONTENT_TYPE_LATEST)
