"""One trace spans a simulation's path: the API's request, the ledger's decision, the runner's
run, the PostgreSQL projection of its end and the webhook that tells a subscriber, its context
carried in the Kafka headers (and in the webhook's ``traceparent``) and the spans exported by
OTLP to a collector (here, one that keeps what it is sent)."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from app.ops.admin import create_tenant
from app.ops.launcher import launched
from tests.conftest import isolated_settings
from tests.e2e.conftest import SUBSCRIBERS
from tests.e2e.flow import ENDED, poll, start, upload_example
from tests.e2e.receiver import Receiver, wait_until
from tests.e2e.test_webhooks import register
from tests.integration.helpers import wait_for

Span = tuple[str, str, str]  # (service, span name, trace id)


class Collector(BaseHTTPRequestHandler):
    spans: list[Span] = []

    def do_POST(self) -> None:  # noqa: N802 - the handler's protocol
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            service = next(a.value.string_value for a in resource.resource.attributes
                           if a.key == "service.name")
            for scope in resource.scope_spans:
                self.spans.extend((service, s.name, s.trace_id.hex()) for s in scope.spans)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def collector() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1/traces"
    server.shutdown()


async def test_one_trace_spans_api_ledger_runner_and_projection(collector: str,
                                                                tmp_path: Path) -> None:
    settings = isolated_settings(otlp_endpoint=collector, **SUBSCRIBERS)
    receiver = await Receiver(answer=lambda request, nth: (204, {})).start()
    with launched(settings, tmp_path / "logs") as service:
        tenant = await create_tenant(settings, "traced", "enterprise")
        async with httpx.AsyncClient(base_url=service.url, timeout=30, headers={
                "Authorization": f"Bearer {tenant['api_key']}"}) as client:
            await register(client, receiver, ["simulation.completed"])
            workbook = await upload_example(client)
            response = await start(client, {"workbook_id": workbook["workbook_id"],
                                            "outputs": ["Model!B17"], "iterations": 1000})
            assert response.status_code == 202, response.text
            await poll(client, f"/v1/simulations/{response.json()['simulation_id']}", ENDED)
            await wait_until(lambda: bool(receiver.delivered()))
        await receiver.stop()

        def trace_of_request() -> set[tuple[str, str]] | None:
            # FastAPI records spans of its own for the request too: any trace of the POST
            # that reaches the processors is the one
            wanted = {"riskstream-tenant-ledger", "riskstream-simulation-runner",
                      "riskstream-postgres-projector", "riskstream-webhook-dispatcher"}
            for root in {t for svc, name, t in Collector.spans
                         if svc == "riskstream-api" and name == "POST /v1/simulations"}:
                found = {(svc, name) for svc, name, t in Collector.spans if t == root}
                if wanted <= {svc for svc, _ in found}:
                    return found
            return None

        async def spans() -> set[tuple[str, str]] | None:
            return trace_of_request()

        try:
            found = await wait_for(spans, timeout_s=30, every_s=0.5)
        except TimeoutError:
            summary = sorted({(svc, name, t[:8]) for svc, name, t in Collector.spans})
            raise AssertionError(f"no trace spans the path; spans received: {summary}"
                                 ) from None
    assert ("riskstream-tenant-ledger", "tenant-ledger simulation.requested") in found
    assert ("riskstream-simulation-runner", "simulation-runner simulation.accepted") in found
    assert ("riskstream-postgres-projector", "postgres-projector apply") in found
    assert ("riskstream-webhook-fanout", "webhook-fanout simulation.completed") in found
    assert ("riskstream-webhook-dispatcher", "webhook-dispatcher deliver") in found
    # the subscriber is told the trace too
    traceparent = receiver.delivered()[0].headers["traceparent"]
    root = next(t for svc, name, t in Collector.spans if name == "webhook-dispatcher deliver")
    assert traceparent.split("-")[1] == root
