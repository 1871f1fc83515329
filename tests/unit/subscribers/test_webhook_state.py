"""Webhook state folded from the log: an attempt applied twice counts once, delivered messages
leave the state (so a restart never resends them), redeliveries bring them back, rotation keeps
the old secret signing until its end, and only subscribed types are delivered, only of the
times the endpoint was enabled."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from streams.catalogue import new_event
from streams.envelope import Envelope
from streams.webhooks.fanout import WebhookFanout, message_id
from streams.webhooks.state import WebhookState, wants

T, E = "tenant-1", "ep_1"


def registered(types: list[str]) -> object:
    registration = new_event("webhook.endpoint_registered", T, E, {
        "endpoint_id": E, "url": "https://h.example/x", "event_types": types,
        "description": "", "secret": "whsec_AAAA"})
    return replace(registration, occurred_at=registration.occurred_at - timedelta(seconds=1))


def attempted(message: str, attempt: int, outcome: str, next_at: str | None = None) -> object:
    return new_event("webhook.attempted", T, E, {
        "message_id": message, "endpoint_id": E, "attempt": attempt, "outcome": outcome,
        "attempted_at": "2026-11-22T10:00:00+00:00", "status_code": 500, "latency_ms": 1.5,
        "next_attempt_at": next_at})


def test_attempts_fold_once_and_delivered_messages_leave() -> None:
    state = WebhookState()
    state.fold(registered([]))  # type: ignore[arg-type]
    created = new_event("webhook.message_created", T, E, {
        "message_id": "m1", "endpoint_id": E, "event_id": "e1", "event_type": "x",
        "aggregate": "s1", "payload": {"type": "x"}})
    state.fold(created)
    later = "2026-11-22T10:00:05+00:00"
    for event in (attempted("m1", 1, "retrying", later), attempted("m1", 1, "retrying", later)):
        state.fold(event)  # type: ignore[arg-type]
    endpoint = state.endpoints[E]
    assert endpoint.pending["m1"].attempts == 1 and endpoint.failing_since is not None
    assert endpoint.pending["m1"].due == datetime.fromisoformat(later)
    state.fold(attempted("m1", 2, "delivered"))  # type: ignore[arg-type]
    assert endpoint.pending == {} and endpoint.failing_since is None
    state.fold(created)  # a redelivered message_created after delivery: the state holds it again
    state.fold(attempted("m1", 2, "delivered"))  # type: ignore[arg-type]
    redo = new_event("webhook.redelivery_requested", T, E, {"endpoint_id": E, "messages": [
        {"message_id": "m1", "aggregate": "s1", "payload": {}, "attempts": 2}]})
    state.fold(redo)
    assert endpoint.pending["m1"].attempts == 2 and endpoint.pending["m1"].due is None


def test_rotation_keeps_the_old_secret_until_the_overlap_ends() -> None:
    state = WebhookState()
    state.fold(registered([]))  # type: ignore[arg-type]
    until = datetime(2026, 11, 22, 12, tzinfo=UTC)
    state.fold(new_event("webhook.secret_rotated", T, E, {
        "endpoint_id": E, "secret": "whsec_BBBB", "previous_valid_until": until.isoformat()}))
    endpoint = state.endpoints[E]
    assert endpoint.signing_secrets(until - timedelta(seconds=1)) == ["whsec_BBBB", "whsec_AAAA"]
    assert endpoint.signing_secrets(until) == ["whsec_BBBB"]


async def test_fanout_makes_one_stable_message_per_subscribed_endpoint() -> None:
    fanout = WebhookFanout()
    fanout.fold(registered(["simulation."]))  # type: ignore[arg-type]
    done = new_event("simulation.completed", T, "s1", {"iterations_run": 10})
    [message] = await fanout.handle(done)
    assert message.key == E and message.causation_id == done.id
    assert message.data["message_id"] == message_id(E, done.id)
    assert message.data["payload"]["type"] == "simulation.completed"
    assert message.data["payload"]["data"]["data"] == {"iterations_run": 10}
    assert await fanout.handle(new_event("workbook.parsed", T, "w1", {})) == []
    assert await fanout.handle(new_event("simulation.started", "other", "s2", {})) == []
    assert await fanout.handle(message) == []  # deliveries are never delivered
    earlier = replace(done, occurred_at=done.occurred_at - timedelta(days=1))
    assert await fanout.handle(earlier) == []  # from before the registration
    fanout.fold(new_event("webhook.endpoint_deleted", T, E, {"endpoint_id": E}))
    assert await fanout.handle(done) == [] and fanout.state.for_tenant(T) == []
    assert wants([], "tenant.created") and not wants([], "webhook.attempted")
    assert wants(["workbook.parsed"], "workbook.parsed")
    assert not wants(["workbook.parsed"], "workbook.parsed_again")


async def test_fanout_skips_what_occurred_while_disabled_whenever_it_learns_of_it() -> None:
    fanout = WebhookFanout()
    fanout.fold(registered([]))  # type: ignore[arg-type]
    start = datetime.now(UTC)

    def at(seconds: int, type_: str) -> Envelope:
        body = {"iterations": 5, "backend": "numpy"} if type_ == "simulation.started" else \
            {"endpoint_id": E, "reason": "failing"} if type_ == "webhook.endpoint_disabled" else \
            {"endpoint_id": E}
        event = new_event(type_, T, E, body)
        return replace(event, occurred_at=start + timedelta(seconds=seconds))

    before, during, after = (at(s, "simulation.started") for s in (1, 3, 5))
    fanout.fold(at(2, "webhook.endpoint_disabled"))
    fanout.fold(at(2, "webhook.endpoint_disabled"))  # the dispatcher's own, from the log
    assert len(await fanout.handle(before)) == 1  # the fan-out learnt of the disable early
    fanout.fold(at(4, "webhook.endpoint_enabled"))
    assert await fanout.handle(during) == []  # and of the enable before it saw ``during``
    assert len(await fanout.handle(after)) == 1
