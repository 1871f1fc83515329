"""The catalogue of RiskStream events: every type, its current version, its topic and its key.

Envelope: see :mod:`streams.envelope`. Bodies: one model per type in :mod:`streams.events`,
from which the table below and ``CATALOGUE`` are generated. Each event goes to the topic of its
aggregate, keyed by the aggregate id so one aggregate's events stay in one partition and in
order.

{table}

``simulation.requested`` and ``simulation.released`` go to the tenant-keyed topic with the
tenant's own events because a tenant's quota and concurrency are one invariant, decided by a
single writer per tenant that reads one ordered stream (see streams.ledger).
Plan changes and the billing events from Stripe webhooks go there too: they change the limits
that single writer applies. Security events (logins, refusals) have a topic of their own so a
flood of refused requests never slows the ledger; commands that change credentials or plans
carry an ``audit`` object (actor, client IP, user agent, method, path) in their data.
Personal data (names, e-mail addresses, sign-in addresses) is sealed per data subject when the
API writes it, so that ``subject.erased`` can make it unreadable without changing the log (see
:mod:`streams.personal`); ``simulation.results_expired`` is the plan's retention at work.

A run larger than the engine's split threshold is planned as chunk tasks on the ``chunks``
topic (keyed by simulation and chunk, so any runner takes any chunk); their partial results come
back on the simulation's own partition, where the runner that owns it merges them.
Events the platform's processors cannot process are parked on ``deadletters`` as
``processing.failed`` (tenant ``""``: an operator's concern; see :mod:`streams.deadletter`).

Versions: a reader upcasts an old event step by step (v1 → v2 → …) with the pure functions each
model registers (``upcasters``) before anything sees it, so processors and projections only
handle current ones.
"""

from __future__ import annotations

from typing import Any

from streams.envelope import Envelope
from streams.events import MODELS, TOPICS, EventType, Topic, UnknownEventType, model_for, upcast

__all__ = ["CATALOGUE", "SECRET_FIELDS", "TOPICS", "EventType", "Topic", "UnknownEventType",
           "event_type", "new_event", "table", "topic_of", "upcast"]

CATALOGUE: dict[str, EventType] = {m.type: m.described for m in MODELS}
# Body fields holding credential hashes: kept in the log so a replay rebuilds the credentials,
# never shown to a reader of events (feeds, webhooks, audit details).
SECRET_FIELDS = frozenset({"key_hash", "password_hash", "token_hash", "totp_secret",
                           "recovery_code_hashes", "code_hash"})


def table() -> str:
    """The catalogue as a reStructuredText table: type, version, topic, key (aggregate)."""
    rows = [(t.name, str(t.version), t.topic, t.key) for t in CATALOGUE.values()]
    heads = ("type", "version", "topic", "key (aggregate)")
    widths = [max(len(r[i]) for r in (heads, *rows)) for i in range(4)]
    rule = "  ".join("=" * w for w in widths)

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([rule, line(heads), rule, *map(line, rows), rule])


__doc__ = (__doc__ or "").replace("{table}", table())


def event_type(name: str) -> EventType:
    return model_for(name).described


def topic_of(event: Envelope) -> str:
    return event_type(event.type).topic


def new_event(type: str, tenant_id: str, key: str, data: dict[str, Any], *,
              correlation_id: str = "", causation_id: str = "") -> Envelope:
    """An event of ``type`` at its current version with the body ``data`` as it is, for a body
    that comes whole from elsewhere (a test's, a tool's); producers build the body's model and
    make it an event (``SimulationReleased(...).event(tenant_id, key)``), validated as built."""
    return Envelope(
        type=type, tenant_id=tenant_id, key=key, data=data, version=event_type(type).version,
        correlation_id=correlation_id, causation_id=causation_id,
    )
