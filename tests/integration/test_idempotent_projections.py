"""MongoDB rollups (on FerretDB) and Redis progress: redelivered and late events change nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from redis.asyncio import Redis

from infra.settings import Settings
from projections.follow import together
from projections.mongo import ROLLUPS, SHARDS, MongoRollups, database, document
from projections.redis_progress import RedisProgress, key
from streams.catalogue import new_event
from streams.deadletter import failed
from streams.envelope import Envelope
from streams.events.examples import EXAMPLES
from tests.integration.helpers import caused


async def test_rollups_count_each_event_once(settings: Settings) -> None:
    db = database(settings.mongo_url, settings.mongo_db)
    rollups = MongoRollups(db)
    completed = new_event("simulation.completed", "acme", "s1",
                          {**EXAMPLES["simulation.completed"], "iterations_run": 1000})
    usage = new_event("usage.recorded", "acme", "s1", {
        "simulation_id": "s1", "iterations": 1000, "compute_seconds": 0.25, "backend": "numpy"})
    failed = new_event("simulation.failed", "acme", "s2",
                       {**EXAMPLES["simulation.failed"], "reason": "x"})
    for event in (completed, usage, completed, usage, failed, failed, usage):
        await rollups.apply(event)
    rows = await rollups.usage("acme")
    assert len(rows) == 1
    row = rows[0]
    assert row["simulations"] == 2 and row["simulations_completed"] == 1
    assert row["simulations_failed"] == 1
    assert row["iterations"] == 1000 and row["compute_seconds"] == 0.25
    assert await rollups.usage("someone-else") == []
    await db.client.drop_database(settings.mongo_db)


async def test_a_busy_day_is_split_over_bounded_documents_and_summed(settings: Settings
                                                                    ) -> None:
    db = database(settings.mongo_url, settings.mongo_db)
    rollups = MongoRollups(db)
    usages = [new_event("usage.recorded", "acme", f"s{i}", {
        "simulation_id": f"s{i}", "iterations": 100 + i, "compute_seconds": 0.5,
        "backend": "numpy"}) for i in range(320)]
    for event in usages + usages[::7]:  # some delivered twice
        await rollups.apply(event)
    rows = await rollups.usage("acme")
    assert [(r["day"], r["backend"]) for r in rows] == [(usages[0].occurred_at.date().isoformat(),
                                                         "numpy")]
    assert rows[0]["iterations"] == sum(100 + i for i in range(320))
    assert rows[0]["compute_seconds"] == 160.0
    assert "shard" not in rows[0] and "counted" not in rows[0]
    docs = await db[ROLLUPS].find({"tenant_id": "acme"}).to_list()
    assert sum(len(d["counted"]) for d in docs) == 320
    assert len(docs) <= SHARDS
    assert max(len(d["counted"]) for d in docs) < 40  # ~10 each: none holds the whole day
    await db.client.drop_database(settings.mongo_db)


async def test_a_batch_is_counted_once_whatever_its_documents_counted_before(
        settings: Settings) -> None:
    db = database(settings.mongo_url, settings.mongo_db)
    rollups = MongoRollups(db)
    usages = [new_event("usage.recorded", "acme", f"s{i}", {
        "simulation_id": f"s{i}", "iterations": 100 + i, "compute_seconds": 0.5,
        "backend": "numpy"}) for i in range(200)]
    ends = [new_event("simulation.completed", "acme", f"s{i}",
                      {**EXAMPLES["simulation.completed"], "iterations_run": 100 + i})
            for i in range(200)]
    updates = 0
    filters: list[dict[str, Any]] = []
    update_one = rollups.rollups.update_one

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal updates
        updates += 1
        filters.append(args[0])
        return await update_one(*args, **kwargs)

    rollups.rollups.update_one = counting  # type: ignore[method-assign]
    await rollups.apply_all([*usages[:100], *ends[:100]])
    assert updates <= SHARDS  # one update per document of the day, not one per event
    for event in usages[100:150:3]:  # some counted one at a time
        await rollups.apply(event)
    await rollups.apply_all([*usages[50:], *ends[50:], *ends[150:]])  # with redeliveries
    await rollups.apply_all(ends[::5])  # a whole batch again
    rows = await rollups.usage("acme")
    assert len(rows) == 1
    assert rows[0]["iterations"] == sum(100 + i for i in range(200))
    assert rows[0]["compute_seconds"] == 100.0
    assert rows[0]["simulations"] == rows[0]["simulations_completed"] == 200
    docs = await db[ROLLUPS].find({"tenant_id": "acme"}).to_list()
    assert sum(len(d["counted"]) for d in docs) == 400
    # the _id alone: FerretDB looks a document up by its key only for such a filter, and
    # reads the whole collection for any other
    assert {tuple(f) for f in filters} == {("_id",)}
    await db.client.drop_database(settings.mongo_db)


async def test_rollups_written_before_entries_count_their_events_once(settings: Settings
                                                                      ) -> None:
    """A document holding sums and the ids it summed (as rollups were written before each
    event had its entry) is read with them, and an event among those ids is not added twice
    when it comes again."""
    db = database(settings.mongo_url, settings.mongo_db)
    rollups = MongoRollups(db)
    old, new = (new_event("usage.recorded", "acme", f"s{i}", {
        "simulation_id": f"s{i}", "iterations": 100 * (i + 1), "compute_seconds": 0.5,
        "backend": "numpy"}) for i in range(2))
    rollup_id, keys = document(old, "numpy")
    new = replace(new, occurred_at=old.occurred_at, id=next(  # an id of the same document
        i for i in (f"{new.id}{n}" for n in range(1000)) if document(replace(
            new, id=i, occurred_at=old.occurred_at), "numpy")[0] == rollup_id))
    await db[ROLLUPS].insert_one({"_id": rollup_id, **keys, "iterations": 100,
                                  "compute_seconds": 0.5, "event_ids": [old.id]})
    await rollups.apply_all([old, new])  # old redelivered after the change, with a new one
    rows = await rollups.usage("acme")
    assert rows[0]["iterations"] == 300 and rows[0]["compute_seconds"] == 1.0
    assert "event_ids" not in rows[0] and "counted" not in rows[0]
    await db.client.drop_database(settings.mongo_db)


async def test_progress_only_moves_forward_and_is_published(settings: Settings) -> None:
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    progress = RedisProgress(redis)
    sim = f"{settings.topic_prefix}-sim"
    accepted = new_event("simulation.accepted", "acme", sim, {"iterations": 100})
    half = caused(accepted, "simulation.progressed", {
        "iterations_done": 50, "iterations_total": 100, "fraction": 0.5, "eta_seconds": 1.0})
    early = caused(accepted, "simulation.progressed", {
        "iterations_done": 10, "iterations_total": 100, "fraction": 0.1})
    done = caused(accepted, "simulation.completed", {"iterations_run": 100, "iterations": 100})
    pubsub = redis.pubsub()
    await pubsub.subscribe(key(sim))
    for event in (accepted, half, early, done, half):
        await progress.apply(event)
    state = await progress.current(sim)
    assert state is not None
    assert state["status"] == "completed" and state["iterations_done"] == 100
    assert state["fraction"] == 1.0
    published = []
    for _ in range(20):  # the subscribe confirmation comes back as None here: read on
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
        if message is not None:
            published.append(json.loads(message["data"])["status"])
    assert published == ["accepted", "running", "completed"]
    await pubsub.aclose()
    await redis.delete(key(sim))
    await redis.aclose()


async def test_a_cancelled_runs_last_state_keeps_what_was_asked(settings: Settings) -> None:
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    progress = RedisProgress(redis)
    sim = f"{settings.topic_prefix}-cancelled"
    accepted = new_event("simulation.accepted", "acme", sim, {"iterations": 1000})
    for event in (accepted, caused(accepted, "simulation.progressed", {
            "iterations_done": 200, "iterations_total": 1000, "fraction": 0.2}),
            caused(accepted, "simulation.cancelled", {"iterations_run": 250})):
        await progress.apply(event)
    state = await progress.current(sim)
    assert state is not None and state["status"] == "cancelled"
    assert (state["iterations_done"], state["iterations_total"], state["fraction"]) == (
        250, 1000, 0.25)
    await redis.delete(key(sim))
    await redis.aclose()


async def test_a_batch_of_progress_is_written_as_one_at_a_time_would(settings: Settings) -> None:
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    progress = RedisProgress(redis)
    sims = [f"{settings.topic_prefix}-batch-{n}" for n in range(3)]
    pubsub = redis.pubsub()
    await pubsub.subscribe(*(key(sim) for sim in sims))
    first = new_event("simulation.accepted", "acme", sims[0], {"iterations": 1000})
    second = new_event("simulation.accepted", "acme", sims[1], {"iterations": 400})
    await progress.apply(second)  # the total an end in a later batch takes from Redis
    await progress.apply_all([
        first, caused(first, "simulation.progressed", {
            "iterations_done": 200, "iterations_total": 1000, "fraction": 0.2}),
        caused(first, "simulation.cancelled", {"iterations_run": 250}),
        caused(second, "simulation.cancelled", {"iterations_run": 100}),
        new_event("simulation.cancelled", "acme", sims[2], {"iterations_run": 0}),
        first])  # late: moves nothing
    states = [await progress.current(sim) for sim in sims]
    assert [(s["status"], s["iterations_done"], s["iterations_total"], s["fraction"])
            for s in states if s] == [("cancelled", 250, 1000, 0.25),
                                      ("cancelled", 100, 400, 0.25), ("cancelled", 0, None, 0.0)]
    published = []
    for _ in range(30):
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
        if message is not None:
            state = json.loads(message["data"])
            published.append((state["simulation_id"][-1], state["status"]))
    assert published == [("1", "accepted"), ("0", "accepted"), ("0", "running"),
                         ("0", "cancelled"), ("1", "cancelled"), ("2", "cancelled")]
    await pubsub.aclose()
    await redis.delete(*(key(sim) for sim in sims))
    await redis.aclose()


async def test_a_batch_with_an_event_it_cannot_count_is_left_to_one_at_a_time(
        settings: Settings) -> None:
    db = database(settings.mongo_url, settings.mongo_db)
    rollups = MongoRollups(db)
    tp = TopicPartition("billing", 0)

    def message(offset: int, value: bytes) -> tuple[TopicPartition, ConsumerRecord[bytes, bytes]]:
        return tp, ConsumerRecord("billing", 0, offset, 0, 0, b"k", value, None, 1, len(value), [])

    usage = new_event("usage.recorded", "acme", "s1", {
        "simulation_id": "s1", "iterations": 100, "compute_seconds": 0.5, "backend": "numpy"})
    unreadable = message(1, b'{"id": "not json')
    parked = message(2, failed("billing", "billing", 0, 9, b"x", ValueError("x")).to_json())
    readable = [message(0, usage.to_json()), unreadable, parked]
    assert await together("mongo-rollups", rollups.apply_all, readable) == [unreadable, parked]
    assert (await rollups.usage("acme"))[0]["iterations"] == 100

    uncountable = Envelope("usage.recorded", "acme", "s2", {"simulation_id": "s2",
                                                            "iterations": "many"})
    batch = [message(3, uncountable.to_json()), *readable]
    assert await together("mongo-rollups", rollups.apply_all, batch) == batch
    assert (await rollups.usage("acme"))[0]["iterations"] == 100  # s1 counted once still
    await db.client.drop_database(settings.mongo_db)


async def test_the_document_store_finds_a_rollup_by_its_id_through_an_index(
        settings: Settings) -> None:
    """Each rollup update looks its document up by ``_id``: the store must do that through an
    index, not by reading the whole collection (FerretDB's SQLite backend built its ``_id``
    index on an expression its own lookups never match; the local stack builds it fixed)."""
    db = database(settings.mongo_url, settings.mongo_db)
    await MongoRollups(db).apply(new_event("usage.recorded", "acme", "s1", {
        "simulation_id": "s1", "iterations": 100, "compute_seconds": 0.5, "backend": "numpy"}))
    doc = await db[ROLLUPS].find_one({})
    assert doc is not None
    plan = await db.command("explain", {"find": ROLLUPS, "filter": {"_id": doc["_id"]}})
    steps = " ".join(plan["queryPlanner"].get("Plan", []))
    if steps:  # FerretDB on SQLite shows SQLite's plan; MongoDB its own (an IDHACK stage)
        assert "USING INDEX" in steps and "SCAN" not in steps, steps
    else:
        assert "IDHACK" in str(plan["queryPlanner"]["winningPlan"]), plan
    await db.client.drop_database(settings.mongo_db)


async def test_an_event_id_that_is_no_plain_field_name_is_counted_once(settings: Settings
                                                                       ) -> None:
    """Ids are system-made, but a log holds what was written to it: a dot, a leading ``$``,
    NUL or other Unicode in an id still makes one entry, counted once however often it comes."""
    db = database(settings.mongo_url, settings.mongo_db)
    rollups = MongoRollups(db)
    odd = [replace(new_event("usage.recorded", "acme", f"s{i}", {
        "simulation_id": f"s{i}", "iterations": 10 ** i, "compute_seconds": 0.5,
        "backend": "numpy"}), id=event_id)
        for i, event_id in enumerate(["a.b", "$inc", "nul\x00id", "ünï·cødé", "a.b "])]
    await rollups.apply_all(odd)
    await rollups.apply_all(odd[::-1])  # all of them again
    rows = await rollups.usage("acme")
    assert rows[0]["iterations"] == 11111 and rows[0]["compute_seconds"] == 2.5
    docs = await db[ROLLUPS].find({"tenant_id": "acme"}).to_list()
    names = [name for d in docs for name in d["counted"]]
    assert len(names) == 5 and all("." not in n and not n.startswith("$") for n in names)
    await db.client.drop_database(settings.mongo_db)
