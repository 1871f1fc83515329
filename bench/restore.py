"""The restore drill at size: simulations over several tenants and a blob store of a few dozen
MiB, backed up, destroyed and restored (see ``tests/e2e/test_restore_drill.py``); reports the
backup's size and time and the restore's time step by step (the RTO at that size)."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.ops.admin import create_tenant
from app.ops.backup import backup, restore
from app.ops.launcher import launched
from infra.blobstore import open_blob_store
from tests.e2e.drill import destroy, drill_settings
from tests.e2e.flow import ENDED, poll, start, upload_example


async def _simulate(url: str, api_key: str, runs: int, ids: list[str]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60, headers={
            "Authorization": f"Bearer {api_key}"}) as client:
        workbook = await upload_example(client)
        for _ in range(runs):
            response = await start(client, {"workbook_id": workbook["workbook_id"],
                                            "outputs": ["Model!B17"], "iterations": 1000})
            assert response.status_code == 202, response.text
            ids.append(response.json()["simulation_id"])
            await poll(client, f"/v1/simulations/{ids[-1]}", ENDED, timeout_s=120)


async def _drill(root: Path, tenants: int, runs: int, blobs: int, blob_bytes: int
                 ) -> dict[str, Any]:
    settings = drill_settings(root)
    simulations: list[str] = []
    with launched(settings, root / "logs") as service:
        made = [await create_tenant(settings, f"restore bench {n}", "enterprise")
                for n in range(tenants)]
        await asyncio.gather(*(_simulate(service.url, t["api_key"], runs, simulations)
                               for t in made))
        store = open_blob_store(settings)
        for _ in range(blobs):
            await asyncio.to_thread(store.put, os.urandom(blob_bytes))
        began = time.monotonic()
        manifest = await backup(settings, root / "backup")
        backup_s = time.monotonic() - began
    await destroy(settings, [t["tenant_id"] for t in made], simulations)
    restored = await restore(settings, root / "backup")
    return {"events": manifest["events"], "simulations": len(simulations),
            "blobs": manifest["blobs"], "blob_bytes": manifest["blob_bytes"],
            "backup_bytes": sum(f["bytes"] for f in manifest["files"]),
            "backup_s": round(backup_s, 2), "restore_s": restored["seconds"],
            "restore_steps_s": restored["timings_s"]}


def run(tenants: int = 4, runs: int = 50, blobs: int = 64, blob_bytes: int = 512 * 1024
        ) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_drill(Path(tmp), tenants, runs, blobs, blob_bytes))


def table(result: dict[str, Any]) -> str:
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in result["restore_steps_s"].items())
    return (f"restore drill: {result['events']} events ({result['simulations']} simulations),"
            f" {result['blobs']} blobs ({result['blob_bytes'] / 2**20:.1f} MiB); backup"
            f" {result['backup_bytes'] / 2**20:.1f} MiB in {result['backup_s']:.1f} s;"
            f" restore in {result['restore_s']:.1f} s ({steps})")
