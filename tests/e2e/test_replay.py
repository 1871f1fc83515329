"""After the other end-to-end tests, the live projections rebuilt from offset 0 equal the live
ones: PostgreSQL by checksum, MongoDB rollup by rollup."""

from __future__ import annotations

import asyncio

import httpx

from infra import postgres
from projections.mongo import ROLLUPS, database
from projections.postgres import checksum
from projections.replay import replay_mongo, replay_postgres
from tests.e2e.conftest import Service
from tests.e2e.flow import ENDED, poll, start, upload_example


async def test_replays_equal_the_live_projections(service: Service,
                                                  own_tenant: httpx.AsyncClient) -> None:
    workbook = await upload_example(own_tenant)
    response = await start(own_tenant, {"workbook_id": workbook["workbook_id"],
                                        "outputs": ["Model!B17"], "iterations": 3000})
    await poll(own_tenant, f"/v1/simulations/{response.json()['simulation_id']}", ENDED)

    settings = service.settings
    live_pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    previous = None
    for _ in range(100):  # wait until the live views stop changing
        current = await checksum(live_pool)
        if current == previous:
            break
        previous = current
        await asyncio.sleep(0.5)
    rebuilt_schema = f"{settings.projection_schema}_rebuilt"
    assert await replay_postgres(settings, rebuilt_schema) == previous
    await live_pool.close()
    await postgres.drop_schema(settings.postgres_dsn, rebuilt_schema)

    rebuilt_db = f"{settings.mongo_db}_rebuilt"
    await replay_mongo(settings, rebuilt_db)

    def comparable(docs: list[dict]) -> dict:  # type: ignore[type-arg]
        # each event's entry under its id: the same whatever order the events came in
        return {d["_id"]: d for d in docs}

    live = comparable(await database(settings.mongo_url, settings.mongo_db)[ROLLUPS]
                      .find().to_list())
    rebuilt_coll = database(settings.mongo_url, rebuilt_db)[ROLLUPS]
    rebuilt = comparable(await rebuilt_coll.find().to_list())
    assert rebuilt == live and live
    await rebuilt_coll.database.client.drop_database(rebuilt_db)
