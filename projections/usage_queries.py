"""A tenant's usage over a period, bucketed by day, week or month: simulations run, iterations,
compute and GPU use, engines, files uploaded and the peak of concurrently running simulations.
Reads run in the tenant's scope (see projections.queries)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from projections.queries import Views

Granularity = Literal["day", "week", "month"]

_RUNS = """
SELECT date_trunc($4, recorded_at, 'UTC') AS bucket, backend, count(*) AS simulations,
       sum(iterations) AS iterations, sum(compute_seconds) AS compute_seconds
FROM usage_records WHERE tenant_id=$1 AND recorded_at >= $2 AND recorded_at < $3
GROUP BY 1, 2
"""
_UPLOADS = """
SELECT date_trunc($4, uploaded_at, 'UTC') AS bucket, count(*) AS files,
       coalesce(sum(size_bytes), 0) AS bytes
FROM workbooks WHERE tenant_id=$1 AND uploaded_at >= $2 AND uploaded_at < $3
GROUP BY 1
"""
_INTERVALS = """
SELECT started_at, finished_at FROM simulations
WHERE tenant_id=$1 AND started_at IS NOT NULL AND started_at < $3
  AND (finished_at IS NULL OR finished_at > $2)
"""


def month_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(start: datetime) -> datetime:
    return (start + timedelta(days=32)).replace(day=1)


def peak_concurrency(intervals: Iterable[tuple[datetime, datetime | None]], start: datetime,
                     end: datetime) -> int:
    """The most intervals open at once within [start, end); None ends means still open. An
    interval ending at the instant another starts does not overlap it."""
    edges: list[tuple[datetime, int]] = []
    for began, ended in intervals:
        if began < end and (ended is None or ended > start):
            edges.append((max(began, start), 1))
            if ended is not None and ended < end:
                edges.append((ended, -1))
    running = peak = 0
    for _, delta in sorted(edges):  # -1 sorts before +1 at the same instant
        running += delta
        peak = max(peak, running)
    return peak


def _bucket_end(start: datetime, granularity: Granularity) -> datetime:
    if granularity == "month":
        return next_month(start)
    return start + timedelta(days=7 if granularity == "week" else 1)


class UsageViews:
    """Usage of one tenant between two instants."""

    def __init__(self, views: Views) -> None:
        self.views = views

    async def usage(self, tenant_id: str, since: datetime, until: datetime,
                    granularity: Granularity) -> dict[str, Any]:
        args = (tenant_id, since, until)
        runs = await self.views.all(tenant_id, _RUNS, *args, granularity)
        uploads = await self.views.all(tenant_id, _UPLOADS, *args, granularity)
        intervals = [(datetime.fromisoformat(r["started_at"]),
                      datetime.fromisoformat(r["finished_at"]) if r["finished_at"] else None)
                     for r in await self.views.all(tenant_id, _INTERVALS, *args)]
        buckets: dict[str, dict[str, Any]] = {}

        def bucket(key: str) -> dict[str, Any]:
            return buckets.setdefault(key, {
                "start": key, "simulations": 0, "iterations": 0, "compute_seconds": 0.0,
                "gpu_simulations": 0, "gpu_seconds": 0.0, "engines": {},
                "files_uploaded": 0, "upload_bytes": 0})

        for row in runs:
            b = bucket(row["bucket"])
            b["simulations"] += row["simulations"]
            b["iterations"] += int(row["iterations"])
            b["compute_seconds"] += row["compute_seconds"]
            b["engines"][row["backend"]] = b["engines"].get(row["backend"], 0) + \
                row["simulations"]
            if row["backend"] == "cupy":
                b["gpu_simulations"] += row["simulations"]
                b["gpu_seconds"] += row["compute_seconds"]
        for row in uploads:
            b = bucket(row["bucket"])
            b["files_uploaded"] += row["files"]
            b["upload_bytes"] += int(row["bytes"])
        for key, b in buckets.items():
            start = datetime.fromisoformat(key)
            b["peak_concurrency"] = peak_concurrency(
                intervals, max(start, since), min(_bucket_end(start, granularity), until))
        ordered = [buckets[k] for k in sorted(buckets)]
        totals = {field: sum(b[field] for b in ordered) for field in (
            "simulations", "iterations", "compute_seconds", "gpu_simulations", "gpu_seconds",
            "files_uploaded", "upload_bytes")}
        engines: dict[str, int] = {}
        for b in ordered:
            for engine, count in b["engines"].items():
                engines[engine] = engines.get(engine, 0) + count
        totals["engines"] = engines
        totals["peak_concurrency"] = peak_concurrency(intervals, since, until)
        return {"since": since.isoformat(), "until": until.isoformat(),
                "granularity": granularity, "totals": totals, "buckets": ordered}
