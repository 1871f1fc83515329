"""The webhook dispatcher: delivers ``webhook.message_created`` messages to their endpoints and
records every attempt as ``webhook.attempted``.

It is a member of its consumer group on the ``webhooks`` topic, which is keyed by endpoint: an
endpoint's registration, messages and attempts are all in one partition, so its state is per
partition. When a partition is assigned the dispatcher folds it from offset 0 (endpoints,
secrets, undelivered messages, attempt counts and due times), serves its endpoints once it has
read up to the partition's end as it was then, and follows it; when the partition is revoked,
its endpoints' tasks are cancelled and its state dropped. The dispatcher commits no offsets:
the group only shares the partitions. Each endpoint has its own task sending one message at a
time in creation order, so a slow or failing endpoint never delays another. A failed message
waits for its retry while later messages of other aggregates go ahead; later messages of its
own aggregate wait behind it, so each aggregate's events arrive in log order. Delivery is at
least once: a crash, or a hand-over, between an answer and its recorded attempt sends that
message again, under the same ``webhook-id``. Personal data stays sealed in the messages (they
are in the log) and is opened as each attempt is sent, so an erased subject's fields go out as
``"[erased]"``, re-deliveries included.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from infra import metrics, tracing
from infra.faults import is_outage
from infra.secretbox import SealedSecretError, secret_box
from infra.settings import Settings
from infra.webhook_http import Destinations, Reply, post
from streams.catalogue import upcast
from streams.deadletter import failed
from streams.envelope import Envelope, utcnow
from streams.events import WebhookAttempted, WebhookEndpointDisabled, WebhookMessageCreated
from streams.log import EventLog
from streams.personal import Opener
from streams.public import public_envelope
from streams.subscription import Batch, Subscription
from streams.webhooks import signing
from streams.webhooks.retry import RetryPolicy, judge
from streams.webhooks.state import Endpoint, Message, WebhookState

log = logging.getLogger(__name__)
IDLE_WAIT_S = 1.0
RECORD_BATCH = 500
TRACED_KEPT = 10_000


@dataclass
class Partition:
    """What the dispatcher keeps for one partition of the webhooks topic while it owns it."""

    end: int  # its end when it was assigned: its endpoints are served once read up to here
    state: WebhookState = field(default_factory=WebhookState)
    live: bool = False
    workers: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    wake: dict[str, asyncio.Event] = field(default_factory=dict)


class WebhookDispatcher:
    """The group member, and the ``PartitionOwner`` of its partitions (see the module)."""

    name = "webhook-dispatcher"

    def __init__(self, settings: Settings, log_: EventLog, client: httpx.AsyncClient, *,
                 clock: Callable[[], datetime] = utcnow,
                 rand: Callable[[], float] = random.random, opener: Opener | None = None
                 ) -> None:
        self.settings = settings
        self.opener = opener
        self.log = log_
        self.client = client
        self.clock = clock
        self.rand = rand
        self.partitions: dict[TopicPartition, Partition] = {}
        self.destinations = Destinations.parse(settings.webhook_allowed_ports,
                                               settings.webhook_allow_private_networks)
        self.policy = RetryPolicy(tuple(settings.webhook_retry_schedule_s),
                                  settings.webhook_retry_jitter, settings.webhook_disable_after_s)
        self.outcomes: asyncio.Queue[Envelope] = asyncio.Queue()
        # the trace context each message was created in (its Kafka headers), when traced:
        # an attempt's span is its child, and the context goes on in the request's headers
        self.traced: dict[str, list[tuple[str, bytes]]] = {}
        self.consumer: AIOKafkaConsumer | None = None  # the group member's, while it runs
        metrics.WEBHOOK_BACKLOG.set_function(self.backlog)

    def backlog(self) -> float:
        """Messages this instance's endpoints have not delivered nor given up on yet. Read by
        the metrics server's thread while the event loop changes the state: a read that meets
        a change in flight gives NaN, the next scrape the count."""
        try:
            return sum(len(e.pending) for part in list(self.partitions.values())
                       for e in list(part.state.endpoints.values()))
        except RuntimeError:
            return float("nan")

    async def assigned(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        """Fold the partitions from offset 0; their endpoints wait until they are read up
        to their current end. Messages fetched before the rebalance may come first: folded
        again in order from offset 0, each endpoint's registration starts it afresh."""
        assert self.consumer is not None, "assigned only while running"
        end = await self.consumer.end_offsets(partitions)
        for tp in partitions:
            self.partitions[tp] = Partition(end[tp], live=end[tp] == 0)
        return {tp: 0 for tp in partitions}

    async def revoked(self, partitions: list[TopicPartition]) -> None:
        """Stop the partitions' endpoints and record the outcomes they had: what is still on
        its way to the log is sent again by the next owner, under the same ``webhook-id``."""
        dropped = [self.partitions.pop(tp) for tp in partitions if tp in self.partitions]
        tasks = [task for part in dropped for task in part.workers.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        remaining = self._take(self.outcomes.qsize())
        if remaining:
            await self.log.append(remaining)

    async def run(self, stop: asyncio.Event) -> None:
        subscription = Subscription(self.settings, self.name, ("webhooks",), self)
        self.consumer = subscription.consumer
        recorder = asyncio.create_task(self._record(), name="webhooks:recorder")
        try:
            async with contextlib.aclosing(subscription.batches(
                    stop, max_records=1000, idle=True)) as batches:
                async for batch in batches:
                    await self._fold(batch)
                    await self._go_live(self.consumer)
                    for task in [recorder, *(task for part in self.partitions.values()
                                             for task in part.workers.values())]:
                        if task.done() and not task.cancelled() and \
                                task.exception() is not None:
                            raise task.exception()  # type: ignore[misc]
        finally:
            recorder.cancel()
            await asyncio.gather(recorder, return_exceptions=True)
            await self.revoked(list(self.partitions))  # what the group did not revoke at leave

    async def _fold(self, batch: Batch) -> None:
        for tp, messages in batch.items():
            part = self.partitions[tp]
            for message in messages:
                try:
                    event = upcast(Envelope.from_json(message.value))
                    about = part.state.fold(event)
                    if event.type == WebhookMessageCreated.type and message.headers:
                        self._remember(event.body(WebhookMessageCreated).message_id,
                                       message.headers)
                except Exception as exc:
                    if is_outage(exc):
                        raise
                    # the failure's id is its position: a re-read after a restart or a
                    # hand-over records the same failure, not a second one
                    await self.log.append([failed(
                        self.name, tp.topic, tp.partition, message.offset, message.value, exc)])
                    continue
                if part.live and about is not None:
                    self._nudge(part, about)

    def _remember(self, message_id: str, headers: Any) -> None:
        if len(self.traced) > TRACED_KEPT:  # a bound: contexts of long-delivered messages
            self.traced.clear()
        self.traced[message_id] = [(str(k), bytes(v)) for k, v in headers]

    async def _go_live(self, consumer: AIOKafkaConsumer) -> None:
        """Serve the endpoints of each partition read up to its end since it was assigned."""
        for tp, part in self.partitions.items():
            if not part.live and await consumer.position(tp) >= part.end:
                part.live = True
                for endpoint_id in list(part.state.endpoints):
                    self._nudge(part, endpoint_id)

    async def _record(self) -> None:
        """Append attempt outcomes in batches: senders go on without waiting for the broker,
        and a failure to record stops the dispatcher (its restart re-sends, same webhook-id)."""
        while True:
            first = await self.outcomes.get()
            await self.log.append([first, *self._take(RECORD_BATCH - 1)])

    def _take(self, most: int) -> list[Envelope]:
        taken: list[Envelope] = []
        while not self.outcomes.empty() and len(taken) < most:
            taken.append(self.outcomes.get_nowait())
        return taken

    def _nudge(self, part: Partition, endpoint_id: str) -> None:
        """Wake the endpoint's task, starting it if it is not running."""
        if endpoint_id not in part.state.endpoints:
            return
        part.wake.setdefault(endpoint_id, asyncio.Event()).set()
        task = part.workers.get(endpoint_id)
        if task is None or task.done():
            part.workers[endpoint_id] = asyncio.create_task(
                self._serve(part, endpoint_id), name=f"webhooks:{endpoint_id}")

    def _next(self, endpoint: Endpoint) -> tuple[Message | None, float]:
        """The first due message in creation order whose aggregate has no earlier message
        waiting for a retry, else the seconds until one may be due."""
        now = self.clock()
        wait = IDLE_WAIT_S
        waiting: set[str] = set()
        for message in endpoint.pending.values():
            due = message.due is None or message.due <= now
            if due and message.aggregate not in waiting:
                return message, 0.0
            if message.due is not None and not due:
                wait = min(wait, (message.due - now).total_seconds())
            waiting.add(message.aggregate)
        return None, wait

    async def _serve(self, part: Partition, endpoint_id: str) -> None:
        wake = part.wake[endpoint_id]
        while True:
            endpoint = part.state.endpoints.get(endpoint_id)
            if endpoint is None or not endpoint.enabled or not endpoint.pending:
                return  # started again by the next event that concerns the endpoint
            message, wait = self._next(endpoint)
            if message is not None:
                await self._attempt(part.state, endpoint, message)
                continue
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), wait)

    async def _opened(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload with the event's personal data revealed (or erased)."""
        envelope = payload["data"]
        if self.opener is None or "personal" not in envelope["data"]:
            return payload
        event = await self.opener.open(Envelope.from_json(json.dumps(envelope).encode()))
        return {**payload, "data": public_envelope(event)}

    async def _attempt(self, state: WebhookState, endpoint: Endpoint, message: Message
                       ) -> None:
        now = self.clock()
        attempt = message.attempts + 1
        body = json.dumps(await self._opened(message.payload), separators=(",", ":")).encode()
        box = secret_box(self.settings)
        try:  # the log keeps them sealed (infra.secretbox)
            secrets = [box.open(s, f"webhook:{endpoint.endpoint_id}")
                       for s in endpoint.signing_secrets(now)]
        except SealedSecretError as exc:  # not sent: retried as a failed attempt is
            log.error("%s: %s", self.name, exc)
            reply = Reply(None, 0.0, "", error=f"not sent: {exc}")
        else:
            headers = signing.headers(secrets, message.message_id, int(now.timestamp()), body)
            with tracing.consuming(f"{self.name} deliver", self.traced.get(message.message_id),
                                   endpoint_id=endpoint.endpoint_id, attempt=attempt):
                reply = await post(self.client, self.destinations, endpoint.url,
                                   {**headers, **tracing.carrier()}, body,
                                   timeout_s=self.settings.webhook_timeout_s,
                                   max_bytes=self.settings.webhook_max_response_bytes)
        verdict = judge(self.policy, reply.status, reply.retry_after_s, attempt,
                        endpoint.failing_since, self.clock(), self.rand())
        attempted = WebhookAttempted(
            message_id=message.message_id, endpoint_id=endpoint.endpoint_id, attempt=attempt,
            attempted_at=now, status_code=reply.status, latency_ms=round(reply.latency_ms, 3),
            outcome=verdict.outcome, error=reply.error, response_excerpt=reply.excerpt,
            next_attempt_at=verdict.next_attempt_at,
        ).event(endpoint.tenant_id, endpoint.endpoint_id, correlation_id=message.message_id)
        metrics.WEBHOOK_ATTEMPTS.labels(verdict.outcome).inc()
        events: list[Envelope] = [attempted]
        if verdict.disable_reason is not None:
            events.append(attempted.caused(WebhookEndpointDisabled(
                endpoint_id=endpoint.endpoint_id, reason=verdict.disable_reason)))
            log.warning("webhook endpoint %s disabled: %s", endpoint.endpoint_id,
                        verdict.disable_reason)
        if verdict.outcome != "retrying":
            self.traced.pop(message.message_id, None)
        for event in events:  # act on the outcome now; folding it again later changes nothing
            state.fold(event)
            self.outcomes.put_nowait(event)
