"""Operator side of the audit trail: ``riskstream audit verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra import postgres
from infra.settings import Settings
from projections.audit import verify


async def verify_log(settings: Settings, tenant_id: str | None = None,
                     log_prefix: str | None = None, archive: Path | None = None
                     ) -> dict[str, Any]:
    """Re-read the log (or the copy under ``log_prefix``; with ``archive``, the archived
    messages retention dropped from it) and check every partition's hash chain against what
    was recorded; the report names the first break, if any."""
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        report = await verify(settings, pool, log_prefix=log_prefix, tenant_id=tenant_id,
                              archive=archive)
    finally:
        await pool.close()
    return report.as_dict()
