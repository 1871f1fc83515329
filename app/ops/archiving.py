"""Operator side of the cold archive: ``riskstream archive``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra import postgres
from infra.settings import Settings
from projections.archive import archive, month_start, next_month


async def archive_log(settings: Settings, out: Path, tenant_id: str | None = None,
                      through: str | None = None) -> dict[str, Any]:
    """Write the Parquet archive of every whole month (up to ``through``, YYYY-MM, inclusive)
    under ``out``; returns the manifest."""
    before = next_month(month_start(through)) if through else None
    pool = await postgres.create_pool(settings.postgres_dsn, settings.projection_schema)
    try:
        return await archive(pool, out, tenant_id=tenant_id, before=before)
    finally:
        await pool.close()
