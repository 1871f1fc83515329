"""What the pure producers emit fits the models: the ledger's decisions, parked and retried
messages, retention, Stripe's events translated, and the parser's summary of a workbook."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from engines.limits import WorkbookLimits, WorkbookTooLarge
from engines.service import WorkbookEngine
from streams.catalogue import new_event
from streams.deadletter import failed, retry_requested
from streams.envelope import Envelope
from streams.events import (
    ProcessingFailed,
    SimulationAccepted,
    SimulationDecided,
    SimulationRejected,
    SimulationRequested,
    WorkbookParsed,
    WorkbookRejected,
    parse_body,
)
from streams.events.examples import EXAMPLES
from streams.ledger import TenantLedger, decide
from streams.retention import Held, expirations
from streams.stripe_inbound import translate
from tests.conftest import EXAMPLE


def fits(events: list[Envelope]) -> list[str]:
    for event in events:
        parse_body(event)
    return [e.type for e in events]


def test_the_ledgers_decisions_fit() -> None:
    requested = new_event(SimulationRequested.type, "t", "t", EXAMPLES[SimulationRequested.type])
    assert fits(decide(TenantLedger("t", plan="pro"), requested)) == [
        SimulationDecided.type, SimulationAccepted.type]
    assert fits(decide(TenantLedger("t", suspended=True), requested)) == [
        SimulationDecided.type, SimulationRejected.type]
    busy = TenantLedger("t", plan="free", running=frozenset({"a", "b", "c"}))
    assert fits(decide(busy, requested))[1] == SimulationRejected.type


def test_parked_and_retried_messages_fit() -> None:
    parked = failed("postgres-projector", "riskstream.tenants", 1, 42, b'{"id": "not json',
                    ValueError("bad"))
    body = parse_body(parked)
    assert isinstance(body, ProcessingFailed) and body.message_b64 is not None
    row = {"failure_id": parked.id, **parked.data}
    fits([retry_requested(row, "operator:cli")])
    assert base64.b64decode(row["message_b64"]) == b'{"id": "not json'


def test_retention_and_stripe_events_fit() -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    held = [Held("s1", "t", now - timedelta(days=40), "free", {})]
    assert len(fits(expirations(now, held))) == 1
    subscription = translate({"id": "evt_1", "type": "customer.subscription.updated", "data": {
        "object": {"id": "sub_1", "status": "active", "customer": "cus_1",
                   "metadata": {"riskstream_tenant_id": "t", "riskstream_plan": "pro"}}}})
    invoice = translate({"id": "evt_2", "type": "invoice.paid", "data": {"object": {
        "id": "in_1", "amount_paid": 4900, "currency": "usd", "customer": "cus_1",
        "period_start": 1763596800, "period_end": 1766188800}}})
    assert subscription is not None and invoice is not None
    fits([i.body.event("t", "t") for i in (subscription, invoice)])


def test_the_parsers_summary_and_refusals_fit() -> None:
    summary = WorkbookEngine().summarize(EXAMPLE.read_bytes(), WorkbookLimits())
    parsed = WorkbookParsed.model_validate(summary)
    assert parsed.sheets and parsed.formula_count > 0
    too_large = WorkbookTooLarge("cells", 10, 11, "Model")
    WorkbookRejected.model_validate({"reason": str(too_large), "limit": too_large.as_dict()})
