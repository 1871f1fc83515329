"""A plan that comes with a database: upgrading a tenant to it moves the tenant there by
replay (a database of its own, created on the tier's server), and its work reads on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import httpx

from app.ops.admin import create_tenant
from app.ops.launcher import launched
from infra import postgres
from projections.postgres_views import PLACED_TABLES
from tests.conftest import isolated_settings
from tests.e2e.flow import ENDED, poll, start, upload_example
from tests.e2e.own_stack import own_postgres


async def test_an_upgrade_moves_the_tenant_to_a_database_of_its_own(tmp_path: Path) -> None:
    with own_postgres() as (home, _server):
        server = home.rsplit("/", 1)[0]
        settings = isolated_settings(metrics_port=0,
                                     tier_databases={"enterprise": f"{server}/t_{{tenant}}"})
        with launched(settings, tmp_path / "logs") as service:
            tenant = await create_tenant(settings, "growing analytics", "pro")
            tenant_id = tenant["tenant_id"]
            async with httpx.AsyncClient(base_url=service.url, timeout=30, headers={
                    "Authorization": f"Bearer {tenant['api_key']}"}) as client:
                workbook = await upload_example(client)
                started = await start(client, {"workbook_id": workbook["workbook_id"],
                                               "outputs": ["Model!B17"], "iterations": 1000})
                simulation = f"/v1/simulations/{started.json()['simulation_id']}"
                await poll(client, simulation, ENDED)
                await asyncio.sleep(3)  # a pro tenant stays in the shared database
                shown = (await client.get(f"/v1/tenants/{tenant_id}")).json()["placement"]
                assert shown["kind"] == "shared"

                upgraded = await client.put(f"/v1/tenants/{tenant_id}/plan",
                                            json={"plan": "enterprise"})
                assert upgraded.status_code == 202, upgraded.text
                for _ in range(300):
                    shown = (await client.get(f"/v1/tenants/{tenant_id}")).json()["placement"]
                    if shown == {**shown, "kind": "dedicated", "state": "placed"}:
                        break
                    await asyncio.sleep(0.2)
                assert shown["kind"] == "dedicated", shown
                assert (await poll(client, simulation, ENDED))["status"] == "completed"
                assert (await client.get(f"/v1/workbooks/{workbook['workbook_id']}")
                        ).status_code == 200

            own = f"{server}/t_{tenant_id}"
            pool = await postgres.create_pool(own, settings.projection_schema)
            shared = await asyncpg.connect(settings.postgres_dsn,
                                           server_settings={"search_path":
                                                            settings.projection_schema})
            try:
                assert await pool.fetchval("SELECT count(*) FROM simulations WHERE"
                                           " tenant_id=$1", tenant_id) == 1
                for _ in range(50):  # the shared copy goes once every reader has switched
                    left = sum([await shared.fetchval(
                        f"SELECT count(*) FROM {table} WHERE tenant_id=$1", tenant_id)
                        for table in PLACED_TABLES])
                    if left == 0:
                        break
                    await asyncio.sleep(0.2)
                assert left == 0
            finally:
                await pool.close()
                await shared.close()
