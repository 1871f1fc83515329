"""How each event changes the PostgreSQL views. Pure SQL per event type, applied inside the
projector's transaction; every statement is an upsert that commutes with events of other
topics (status only moves forward by rank, counters only grow), so a replay that interleaves
topics differently ends in the same rows.

Handlers read each body as its event's model (``e.body(Model)``). A view that keeps a body whole
(a workbook's summary, a simulation's request and results) stores ``e.data``, the body as it was
logged: a model's dump would rewrite its numbers (``2`` as ``2.0`` where a float is declared)."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from projections.dead_letter_views import DEAD_LETTER_VIEWS
from projections.json_text import json_text
from projections.placement import SHARED
from projections.postgres_tenancy import TENANCY_TABLES, TENANCY_VIEWS, with_security_audit
from projections.privacy_views import PRIVACY_VIEWS
from projections.statement_batch import MERGES
from projections.webhook_views import WEBHOOK_TABLES, WEBHOOK_VIEWS
from streams.envelope import Envelope
from streams.events import (
    ApiKeyIssued,
    ApiKeyRevoked,
    BillingCustomerCreated,
    BillingUsageReported,
    SimulationAccepted,
    SimulationCancelled,
    SimulationCompleted,
    SimulationFailed,
    SimulationProgressed,
    SimulationRejected,
    SimulationRequested,
    SimulationResultsExpired,
    SimulationStarted,
    TenantCreated,
    TenantPlacementChanged,
    UsageRecorded,
    WorkbookParsed,
    WorkbookRejected,
    WorkbookUploaded,
)
from streams.events.simulations import RunEnd

STATUS_RANK = {
    "requested": 0, "accepted": 1, "rejected": 3, "running": 2,
    "completed": 3, "failed": 3, "cancelled": 3,
}

_GROWS = {"iterations_done"}  # counters that only grow, whatever order events come in


_UPSERT_COLUMNS: dict[str, tuple[str, ...]] = {}


@functools.cache  # a handful of column sets, built once each
def _sim_upsert(columns: tuple[str, ...]) -> str:
    sets = "".join(
        f", {c} = GREATEST(simulations.{c}, EXCLUDED.{c})" if c in _GROWS else
        f", {c} = EXCLUDED.{c}" for c in columns)
    sql = (
        f"INSERT INTO simulations (simulation_id, tenant_id, status, status_rank"
        f"{''.join(', ' + c for c in columns)}) VALUES"
        f" ({', '.join(f'${i}' for i in range(1, len(columns) + 5))})"
        " ON CONFLICT (simulation_id) DO UPDATE SET"
        " status = CASE WHEN EXCLUDED.status_rank >= simulations.status_rank"
        " THEN EXCLUDED.status ELSE simulations.status END,"
        f" status_rank = GREATEST(simulations.status_rank, EXCLUDED.status_rank){sets}")
    _UPSERT_COLUMNS[sql] = columns
    MERGES[sql] = _merge_upserts
    return sql


def _merge_upserts(held_sql: str, held: tuple[Any, ...], sql: str, args: tuple[Any, ...]
                   ) -> tuple[str, tuple[Any, ...]]:
    """One upsert of a simulation's row ending where ``held`` and then ``args`` end, whether
    the row exists or not: the status of the later one unless its rank is lower (as the CASE
    moves it), the row's tenant from the first (which inserts it), each column as the later
    one that sets it leaves it, and a counter that only grows as the larger (NULL as none)."""
    simulation_id, tenant_id, status, rank = held[:4]
    if args[3] >= rank:
        status, rank = args[2], args[3]
    values = dict(zip(_UPSERT_COLUMNS[held_sql], held[4:], strict=True))
    for column, value in zip(_UPSERT_COLUMNS[sql], args[4:], strict=True):
        if column in _GROWS:  # GREATEST, which passes over NULL
            value = max((v for v in (values.get(column), value) if v is not None), default=None)
        values[column] = value
    columns = tuple(sorted(values))  # one statement per set of columns, whatever came first
    return _sim_upsert(columns), (simulation_id, tenant_id, status, rank,
                                  *(values[c] for c in columns))


async def _status(conn: asyncpg.Connection, e: Envelope, sim: str, status: str,
                  **columns: Any) -> None:
    """Moves the simulation's status forward by rank and sets ``columns`` in one statement."""
    await conn.execute(_sim_upsert(tuple(columns)), sim, e.tenant_id, status,
                       STATUS_RANK[status], *columns.values())


async def tenant_created(conn: asyncpg.Connection, e: Envelope) -> None:
    tenant = e.body(TenantCreated)
    await conn.execute(
        "INSERT INTO tenants (tenant_id, name, plan, overrides, created_at)"
        " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (tenant_id) DO UPDATE SET name=EXCLUDED.name,"
        " plan=EXCLUDED.plan, overrides=EXCLUDED.overrides",
        e.tenant_id, tenant.name, tenant.plan, json.dumps(tenant.overrides), e.occurred_at)


async def placement_changed(conn: asyncpg.Connection, e: Envelope) -> None:
    placed = e.body(TenantPlacementChanged)
    await conn.execute(
        "INSERT INTO tenant_placements (tenant_id, database, state, previous, changed_at)"
        " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (tenant_id) DO UPDATE SET"
        " database=EXCLUDED.database, state=EXCLUDED.state, previous=EXCLUDED.previous,"
        " changed_at=EXCLUDED.changed_at", e.tenant_id, placed.database, placed.state,
        placed.previous, e.occurred_at)
    if placed.state == "released" and placed.previous == SHARED:
        await drop_placed_rows(conn, e.tenant_id)


async def drop_placed_rows(conn: asyncpg.Connection, tenant_id: str) -> None:
    """The copy of a tenant's work a database no longer serves (reads left it earlier)."""
    for table in PLACED_TABLES:
        await conn.execute(f"DELETE FROM {table} WHERE tenant_id=$1", tenant_id)


async def customer_created(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute("UPDATE tenants SET customer_id=$2 WHERE tenant_id=$1",
                       e.tenant_id, e.body(BillingCustomerCreated).customer_id)


async def key_issued(conn: asyncpg.Connection, e: Envelope) -> None:
    key = e.body(ApiKeyIssued)
    await conn.execute(
        "INSERT INTO api_keys (key_id, tenant_id, key_hash, issued_at, name, role, created_by,"
        " scopes) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (key_id) DO NOTHING",
        key.key_id, e.tenant_id, key.key_hash, e.occurred_at, key.name, key.role,
        key.audit.actor if key.audit else None, key.scopes)


async def key_revoked(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute("UPDATE api_keys SET revoked_at=$3 WHERE key_id=$1 AND tenant_id=$2",
                       e.body(ApiKeyRevoked).key_id, e.tenant_id, e.occurred_at)


async def workbook_uploaded(conn: asyncpg.Connection, e: Envelope) -> None:
    upload = e.body(WorkbookUploaded)
    await conn.execute(
        "INSERT INTO workbooks (workbook_id, tenant_id, filename, sha256, size_bytes, uri, status,"
        " uploaded_at) VALUES ($1,$2,$3,$4,$5,$6,'uploaded',$7) ON CONFLICT (workbook_id) DO UPDATE"
        " SET filename=EXCLUDED.filename, sha256=EXCLUDED.sha256, size_bytes=EXCLUDED.size_bytes,"
        " uri=EXCLUDED.uri, uploaded_at=EXCLUDED.uploaded_at",
        e.key, e.tenant_id, upload.filename, upload.sha256, upload.size, upload.uri,
        e.occurred_at)


async def workbook_parsed(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute(
        "UPDATE workbooks SET status='parsed', summary=$2, parsed_at=$3 WHERE workbook_id=$1",
        e.key, json.dumps(e.data), e.occurred_at)


async def workbook_rejected(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute(
        "UPDATE workbooks SET status='rejected', reason=$2, parsed_at=$3 WHERE workbook_id=$1",
        e.key, e.body(WorkbookRejected).reason, e.occurred_at)


async def simulation_requested(conn: asyncpg.Connection, e: Envelope) -> None:
    request = e.body(SimulationRequested)
    await _status(conn, e, request.simulation_id, "requested", workbook_id=request.workbook_id,
                  request=json_text(e.data),
                  iterations=request.iterations, backend=request.backend,
                  requested_at=e.occurred_at)


async def simulation_accepted(conn: asyncpg.Connection, e: Envelope) -> None:
    await _status(conn, e, e.key, "accepted", decided_at=e.occurred_at)


async def simulation_rejected(conn: asyncpg.Connection, e: Envelope) -> None:
    rejected = e.body(SimulationRejected)
    await _status(conn, e, e.key, "rejected", decided_at=e.occurred_at,
                  finished_at=e.occurred_at, reason=rejected.reason,
                  refusal=json.dumps(rejected.refusal.model_dump(mode="json",
                                                                 exclude_unset=True)))


async def simulation_started(conn: asyncpg.Connection, e: Envelope) -> None:
    await _status(conn, e, e.key, "running", started_at=e.occurred_at)


async def simulation_progressed(conn: asyncpg.Connection, e: Envelope) -> None:
    await _status(conn, e, e.key, "running",
                  iterations_done=e.body(SimulationProgressed).iterations_done)


def _ended(status: str, model: type[RunEnd]
           ) -> Callable[[asyncpg.Connection, Envelope], Awaitable[None]]:
    async def apply(conn: asyncpg.Connection, e: Envelope) -> None:
        end = e.body(model)
        await _status(conn, e, e.key, status, finished_at=e.occurred_at,
                      compute_seconds=end.compute_seconds,
                      reason=end.reason if isinstance(end, SimulationFailed) else None,
                      iterations_done=end.iterations_run,
                      results=json_text(e.data) if isinstance(end, SimulationCompleted) else None)
    return apply


async def usage_recorded(conn: asyncpg.Connection, e: Envelope) -> None:
    usage = e.body(UsageRecorded)
    await conn.execute(
        "INSERT INTO usage_records (usage_event_id, tenant_id, simulation_id, iterations,"
        " compute_seconds, backend, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7)"
        " ON CONFLICT (usage_event_id) DO NOTHING",
        e.id, e.tenant_id, usage.simulation_id, usage.iterations, usage.compute_seconds,
        usage.backend, e.occurred_at)


async def usage_reported(conn: asyncpg.Connection, e: Envelope) -> None:
    reported = e.body(BillingUsageReported)
    # usage.recorded precedes it: both are keyed by simulation id on the billing topic
    await conn.execute(
        "UPDATE usage_records SET reported_at=$2, meter_event_ids=$3 WHERE usage_event_id=$1",
        reported.usage_event_id, e.occurred_at, json.dumps(reported.meter_event_ids))


async def results_expired(conn: asyncpg.Connection, e: Envelope) -> None:
    await conn.execute("UPDATE simulations SET results=NULL, results_expired_at=$2"
                       " WHERE simulation_id=$1", e.key, e.occurred_at)


async def feed_results_expired(conn: asyncpg.Connection, e: Envelope) -> None:
    """The event feed's copy of the completed event loses its results too; the Kafka log
    keeps them."""
    await conn.execute(
        "UPDATE event_log SET envelope = jsonb_set(envelope, '{data}',"
        " (envelope->'data') - 'outputs' - 'sensitivity')"
        " WHERE tenant_id=$1 AND key=$2 AND type=$3", e.tenant_id, e.key,
        SimulationCompleted.type)


Apply = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]
# The views of a tenant's own work: they live in the tenant's database
# (projections.placement); everything else is the platform's, in the shared one.
PLACED_VIEWS: dict[str, Apply] = {
    WorkbookUploaded.type: workbook_uploaded,
    WorkbookParsed.type: workbook_parsed,
    WorkbookRejected.type: workbook_rejected,
    SimulationRequested.type: simulation_requested,
    SimulationAccepted.type: simulation_accepted,
    SimulationRejected.type: simulation_rejected,
    SimulationStarted.type: simulation_started,
    SimulationProgressed.type: simulation_progressed,
    SimulationCompleted.type: _ended("completed", SimulationCompleted),
    SimulationFailed.type: _ended("failed", SimulationFailed),
    SimulationCancelled.type: _ended("cancelled", SimulationCancelled),
    SimulationResultsExpired.type: results_expired,
    UsageRecorded.type: usage_recorded,
    BillingUsageReported.type: usage_reported,
    **WEBHOOK_VIEWS,
}
PLATFORM_VIEWS: dict[str, Apply] = with_security_audit({
    TenantCreated.type: tenant_created,
    TenantPlacementChanged.type: placement_changed,
    BillingCustomerCreated.type: customer_created,
    ApiKeyIssued.type: key_issued,
    ApiKeyRevoked.type: key_revoked,
    SimulationResultsExpired.type: feed_results_expired,
    **TENANCY_VIEWS,
    **PRIVACY_VIEWS,
    **DEAD_LETTER_VIEWS,
})


def _both(placed: Apply | None, platform: Apply | None) -> Apply:
    async def apply(conn: asyncpg.Connection, e: Envelope) -> None:
        for view in (placed, platform):
            if view is not None:
                await view(conn, e)
    return apply


# a tenant in the shared database gets both
VIEWS: dict[str, Apply] = {t: _both(PLACED_VIEWS.get(t), PLATFORM_VIEWS.get(t))
                           for t in {*PLACED_VIEWS, *PLATFORM_VIEWS}}

PLACED_TABLES: dict[str, str] = {  # table -> primary key, for checksums
    "workbooks": "workbook_id", "simulations": "simulation_id",
    "usage_records": "usage_event_id", **WEBHOOK_TABLES,
}
TABLES: dict[str, str] = {
    "tenants": "tenant_id", "api_keys": "key_id", "tenant_placements": "tenant_id",
    "event_log_rows": "log_position", **PLACED_TABLES,
    **TENANCY_TABLES,
}
