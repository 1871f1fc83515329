"""Traces across the Kafka hops (OpenTelemetry): one trace from an API request through every
processor its events reach.

The trace context travels in each Kafka message's headers (W3C ``traceparent``), written by
whoever sends the message with the span current at that moment, and read by whoever consumes
it. Spans are exported by OTLP over HTTP only when ``RISKSTREAM_OTLP_ENDPOINT`` is set; without
it the API's no-op tracer is used and the headers carry nothing, so tracing costs nothing.
A processor computes a batch's outcomes before it sends them (see
:mod:`streams.processors.runtime`), so the context each emitted event was made in is kept by
event id until its send (``stamp`` and ``headers``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Link, Span, SpanKind

TRACER = trace.get_tracer("riskstream")
Headers = list[tuple[str, bytes]]
_MADE_IN: dict[str, dict[str, str]] = {}  # event id -> the context it was made in, until sent
_KEEP = 10_000  # a bound, should an emitted event never be sent (its transaction failed)
_exporting = False  # whether configure() set an exporter: without one, requests open no span


def configure(process: str, endpoint: str | None) -> None:
    """Export this process's spans to the OTLP/HTTP ``endpoint`` (…/v1/traces); off if None."""
    global _exporting
    if not endpoint:
        return
    _exporting = True
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": f"riskstream-{process}"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint),
                                                   schedule_delay_millis=500))
    trace.set_tracer_provider(provider)


def shutdown() -> None:
    """Send the spans still buffered (at a process's end)."""
    provider: Any = trace.get_tracer_provider()
    if hasattr(provider, "shutdown"):
        provider.shutdown()


def carrier() -> dict[str, str]:
    """The current trace context as headers (``traceparent``), empty when nothing is traced."""
    found: dict[str, str] = {}
    propagate.inject(found)
    return found


def stamp(event_ids: Sequence[str]) -> None:
    """Remember the current context for events made now and sent later."""
    context = carrier()
    if not context:
        return
    if len(_MADE_IN) > _KEEP:
        _MADE_IN.clear()
    for event_id in event_ids:
        _MADE_IN[event_id] = context


def headers(event_id: str | None = None) -> Headers:
    """Kafka headers carrying the context ``event_id`` was made in, else the current one."""
    made_in = _MADE_IN.pop(event_id, None) if event_id else None
    return [(k, v.encode()) for k, v in (made_in or carrier()).items()]


def context_of(message_headers: Sequence[tuple[str | bytes, bytes]] | None) -> Any:
    """The trace context in Kafka (or HTTP) headers; the root when they carry none."""
    return propagate.extract({(k.decode("latin-1") if isinstance(k, bytes) else k).lower():
                              v.decode("latin-1") for k, v in message_headers or ()})


@contextlib.contextmanager
def consuming(name: str, message_headers: Sequence[tuple[str, bytes]] | None,
              **attributes: str | int) -> Iterator[None]:
    """A span for handling one message, a child of the span that sent it."""
    with TRACER.start_as_current_span(name, context=context_of(message_headers),
                                      kind=SpanKind.CONSUMER, attributes=attributes):
        yield


@contextlib.contextmanager
def consuming_batch(name: str, each_headers: Sequence[Sequence[tuple[str, bytes]] | None],
                    **attributes: str | int) -> Iterator[None]:
    """A span for one batch: a child of its first traced message, linked to the others."""
    contexts = [trace.get_current_span(context_of(h)).get_span_context() for h in each_headers]
    traced = [c for c in contexts if c.is_valid]
    parent = trace.set_span_in_context(trace.NonRecordingSpan(traced[0])) if traced else None
    with TRACER.start_as_current_span(name, context=parent, kind=SpanKind.CONSUMER,
                                      links=[Link(c) for c in traced[1:]],
                                      attributes=attributes):
        yield


@contextlib.contextmanager
def serving(name: str, request_headers: Sequence[tuple[bytes, bytes]] | None) -> Iterator[Span]:
    """A span for one HTTP request: a child of the server span the web framework opened, if it
    opened one (FastAPI does, when a tracer is configured), else of the caller's context.
    Nothing is opened when no exporter is set (a no-op span, ~3 % of a read's CPU otherwise)."""
    if not _exporting:
        yield trace.INVALID_SPAN
        return
    if trace.get_current_span().get_span_context().is_valid:
        with TRACER.start_as_current_span(name) as span:
            yield span
        return
    with TRACER.start_as_current_span(name, context=context_of(request_headers),
                                      kind=SpanKind.SERVER) as span:
        yield span
