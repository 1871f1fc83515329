"""Operations without services: the pg_dump reader of a restore, the request metrics' route
templates, log lines as scrubbed JSON with their context, the status report's text, the
dashboard's metric names and the trace context an event is sent with."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import httpx
from fastapi import FastAPI, HTTPException, Request
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from prometheus_client import REGISTRY, Counter, Gauge, Histogram

from app.api.http_metrics import RequestTelemetry
from app.ops.backup import copy_blocks
from app.ops.status import render
from infra import log_format, metrics, tracing
from infra.log_format import JsonLines, bound, scrub

DUMP = """--
-- PostgreSQL database dump
--
SET statement_timeout = 0;

COPY privacy.subject_keys (log_prefix, subject, key, created_at) FROM stdin;
riskstream\tab12\t\\\\x00ff\t2026-12-01 10:00:00+00
other\tcd34\t\\\\x0102\t2026-12-01 10:00:01+00
\\.

COPY api.idempotency_keys (tenant_id, route, "position", body_hash) FROM stdin;
\\.
"""


def test_a_restore_reads_each_table_of_a_plain_dump() -> None:
    blocks = copy_blocks(DUMP)
    columns, rows = blocks["privacy.subject_keys"]
    assert columns == ["log_prefix", "subject", "key", "created_at"]
    assert rows.decode().splitlines()[1].startswith("other\tcd34\t")
    assert blocks["api.idempotency_keys"] == (["tenant_id", "route", "position", "body_hash"],
                                              b"")


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_requests_are_counted_per_route_template_not_per_path() -> None:
    app = FastAPI()

    @app.get("/v1/things/{thing_id}")
    async def thing(thing_id: str, request: Request) -> dict[str, str]:
        request.state.tenant_id = "tenant-7"
        if thing_id == "broken":
            raise HTTPException(503, "down")
        return {"id": thing_id}

    app.add_middleware(RequestTelemetry)
    route = "/v1/things/{thing_id}"
    ok = _sample("riskstream_http_requests_total", method="GET", route=route, status="200")
    errors = _sample("riskstream_http_errors_total", method="GET", route=route)
    unmatched = _sample("riskstream_http_requests_total", method="GET", route="unmatched",
                        status="404")
    lines: list[dict[str, str]] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(json.loads(JsonLines("api").format(record)))
    http_log = logging.getLogger("riskstream.http")
    http_log.addHandler(handler)
    http_log.setLevel(logging.INFO)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test") as client:
        for n in range(3):
            assert (await client.get(f"/v1/things/{n}", headers={
                "X-Request-ID": f"r-{n}"})).status_code == 200
        assert (await client.get("/v1/things/broken")).status_code == 503
        assert (await client.get("/nowhere/x")).status_code == 404
    assert _sample("riskstream_http_requests_total", method="GET", route=route,
                   status="200") == ok + 3
    assert _sample("riskstream_http_errors_total", method="GET", route=route) == errors + 1
    assert _sample("riskstream_http_requests_total", method="GET", route="unmatched",
                   status="404") == unmatched + 1
    assert _sample("riskstream_http_request_duration_seconds_count", method="GET",
                   route=route) >= 4
    http_log.removeHandler(handler)
    http_log.setLevel(logging.NOTSET)
    assert lines[0]["correlation_id"] == "r-0" and lines[0]["tenant_id"] == "tenant-7"
    assert lines[0]["message"].startswith("GET /v1/things/{thing_id} 200")


def test_log_lines_are_json_with_their_context_and_no_secrets() -> None:
    record = logging.LogRecord("riskstream.test", logging.WARNING, __file__, 1,
                               "sign-in for %s failed with Bearer %s (password=%s)",
                               ("ada@example.com", "rsk_abcdef123", "hunter22"), None)
    with bound(correlation_id="c-1", tenant_id="t-1", event_id=None):
        line = json.loads(JsonLines("api").format(record))
    assert line["correlation_id"] == "c-1" and line["tenant_id"] == "t-1"
    assert "event_id" not in line and line["process"] == "api" and line["level"] == "warning"
    for secret in ("ada@example.com", "rsk_abcdef123", "hunter22"):
        assert secret not in line["message"]
    assert scrub("key sk_test_123 and eyJa.eyJb.sig") == "key [secret] and [token]"


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from([
    "a", "Z", "0", ".", "-", "_", " ", "=", ":", "'", '"', "@", "x.io", "sk", "rk", "rsk",
    "whsec", "eyJ", "Bearer", "BEARER ", "PassWord", "passwd", "secret", "Token", "api_key",
    "AUTHORIZATION", "GET /v1/simulations/{simulation_id} 200 3.1 ms"]), max_size=12))
def test_a_line_the_quick_check_passes_holds_nothing_to_scrub(parts: list[str]) -> None:
    text = "".join(parts)
    scrubbed = text
    for pattern, replacement in log_format._SCRUB:
        scrubbed = pattern.sub(replacement, scrubbed)
    assert scrub(text) == scrubbed  # the quick check never lets a secret through


def test_the_status_report_reads_as_text() -> None:
    text = render({
        "dependencies": {"kafka": {"ok": True, "ms": 3.2},
                         "redis": {"ok": False, "error": "ConnectionError: refused"}},
        "processors": {"tenant-ledger": [{"instance": "0", "pid": 42, "heartbeat_age_s": 1.0,
                                          "up_s": 60.0, "metrics_port": 9101}],
                       "billing": []},
        "lag": {"tenant-ledger": {"rs.tenants/0": 0, "rs.tenants/1": 7}},
        "dead_letters": 2, "ok": False})
    assert "redis        DOWN" in text and "billing              NOT RUNNING" in text
    assert "tenant-ledger        7 behind: rs.tenants/1=7" in text
    assert "metrics 9101" in text and "dead letters (parked, not handed back): 2" in text
    assert text.endswith("NOT OK")


def test_the_dashboard_queries_only_metrics_riskstream_exports() -> None:
    exported = {m._name for m in vars(metrics).values()  # noqa: SLF001 - the metric's name
                if isinstance(m, Counter | Gauge | Histogram)}
    exported |= {metrics.BusinessTotals.SIMULATIONS, metrics.BusinessTotals.TRIALS}
    dashboard = json.loads((Path(__file__).parents[3] / "infra" / "grafana" / "riskstream.json")
                           .read_text())
    used = {re.sub(r"_(total|bucket|count|sum)$", "", name)
            for panel in dashboard["panels"] for target in panel["targets"]
            for name in re.findall(r"riskstream_[a-z_]+", target["expr"])}
    assert used and used <= {re.sub(r"_total$", "", n) for n in exported}


def test_an_event_is_sent_with_the_trace_context_it_was_made_in() -> None:
    made_in = SpanContext(trace_id=0x0AF7651916CD43DD8448EB211C80319C,
                          span_id=0xB7AD6B7169203331, is_remote=False,
                          trace_flags=TraceFlags(TraceFlags.SAMPLED))
    token = otel_context.attach(trace.set_span_in_context(NonRecordingSpan(made_in)))
    try:
        tracing.stamp(["event-1"])
    finally:
        otel_context.detach(token)
    [(name, value)] = tracing.headers("event-1")
    assert name == "traceparent" and value.decode().split("-")[1] == f"{made_in.trace_id:032x}"
    assert tracing.headers("event-1") == []  # sent once; outside any span nothing is carried
    extracted = trace.get_current_span(tracing.context_of([(name, value)])).get_span_context()
    assert extracted.trace_id == made_in.trace_id
