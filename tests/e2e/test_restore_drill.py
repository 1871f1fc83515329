"""The restore drill on the real stack: data is created through the API, backed up, a user is
erased after the backup, the stores are destroyed (views, kept keys, rollups, progress, blobs),
and ``restore`` brings back every view and blob as it was at the failure, checksum for checksum,
with the erased user still erased; the log's hash chains still verify."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from app.ops.admin import create_platform_admin
from app.ops.auditing import verify_log
from app.ops.backup import backup, restore
from app.ops.launcher import launched
from tests.e2e.accounts import new_tenant, new_user
from tests.e2e.drill import destroy, drill_settings, snapshot, stable
from tests.e2e.flow import ENDED, poll, start, upload_example


async def test_a_backup_restores_every_view_and_blob(tmp_path: Path) -> None:
    settings = drill_settings(tmp_path)
    with launched(settings, tmp_path / "logs") as service:
        admin_key = await create_platform_admin(settings)
        async with httpx.AsyncClient(base_url=service.url, timeout=30, headers={
                "Authorization": f"Bearer {admin_key['api_key']}"}) as operator:
            tenant = await new_tenant(operator, "enterprise")
        tenant_id = tenant.tenant_id  # type: ignore[attr-defined]
        await new_user(tenant)  # personal data, sealed under a subject key
        erased_later = await new_user(tenant)
        workbook = await upload_example(tenant)
        simulations = []
        for n in range(2):
            response = await start(tenant, {"workbook_id": workbook["workbook_id"],
                                            "outputs": ["Model!B17"], "iterations": 2000},
                                   headers={"Idempotency-Key": f"drill-{n}"})
            assert response.status_code == 202, response.text
            simulations.append(response.json()["simulation_id"])
        for simulation in simulations:
            assert (await poll(tenant, f"/v1/simulations/{simulation}", ENDED)
                    )["status"] == "completed"
        # rows of the insert-only checkpoints written so far: the backup holds them all
        backed_up = (await snapshot(settings, tenant_id, simulations))["chain_checkpoints"]
        taken = time.monotonic()
        manifest = await backup(settings, tmp_path / "backup")
        backup_s = time.monotonic() - taken
        # erased after the backup: the restore must not bring this user's data back
        erasure = await tenant.delete(
            f"/v1/tenants/{tenant_id}/subjects/{erased_later['user_id']}")
        assert erasure.status_code == 202, erasure.text
        await tenant.aclose()
        before = await stable(lambda: snapshot(settings, tenant_id, simulations))
    assert manifest["blobs"] == len(before["blobs"]) >= 1  # the workbook
    assert len(before["subject_keys"]) == 1 and len(before["idempotency_keys"]) == 2

    await destroy(settings, [tenant_id], simulations)
    restored = await restore(settings, tmp_path / "backup")
    after = await snapshot(settings, tenant_id, simulations)
    assert restored["kept_rows"]["privacy.subject_keys"] == 2  # both users' keys were backed up
    assert restored["kept_rows"]["erased_since_backup"] == 1

    for part in ("views", "subject_keys", "idempotency_keys", "progress", "rollups", "blobs"):
        assert after[part] == before[part], part
    # a replay checkpoints its chain heads at its own batch ends: the rows backed up and each
    # partition's last head are there again (a live batch that ended between the backup and
    # the failure left a row the replay, batching otherwise, need not write again)
    heads: dict[tuple[str, int], tuple[int, str]] = {}
    for topic, partition, position, head in before["chain_checkpoints"]:
        heads[(topic, partition)] = max(heads.get((topic, partition), (0, "")), (position, head))
    assert {(*part, *last) for part, last in heads.items()} <= after["chain_checkpoints"]
    assert backed_up <= after["chain_checkpoints"]
    assert (await verify_log(settings))["ok"]
    size = sum(f["bytes"] for f in manifest["files"])
    print(f"\nrestore drill: {manifest['events']} events, {manifest['blobs']} blobs,"
          f" backup {size} bytes in {backup_s:.1f} s; restore in {restored['seconds']:.1f} s"
          f" {json.dumps(restored['timings_s'])}")
