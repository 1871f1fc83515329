"""The read side the API uses: tenant-scoped queries over the PostgreSQL views.

Every tenant read runs as ``riskstream_reader`` (a role that owns nothing) with
``app.tenant_id`` set, so PostgreSQL's row-level security shows one tenant's rows whatever the
query says: a single statement (:meth:`Views.one`, :meth:`Views.all`) on a connection of the
pool's reader sibling, whose session is that role, read-only and pinned to the tenant
(:func:`reader_scope`); several statements in :func:`tenant_scope`, a read-only transaction
with the role and tenant set for that transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

import asyncpg
import orjson

from infra import postgres

SIMULATION_COLUMNS = (
    "simulation_id, workbook_id, status, iterations, iterations_done, backend, request,"
    " requested_at, decided_at, started_at, finished_at, compute_seconds, results, reason, refusal,"
    " results_expired_at"
)

WORKBOOK = ("SELECT workbook_id, filename, sha256, size_bytes, status, summary, reason,"
            " uploaded_at, parsed_at FROM workbooks WHERE tenant_id=$1 AND workbook_id=$2")
SIMULATION = (f"SELECT {SIMULATION_COLUMNS} FROM simulations"
              " WHERE tenant_id=$1 AND simulation_id=$2")

JSON_COLUMNS = frozenset({"summary", "request", "results", "refusal", "overrides", "detail"})


def sql_literal(value: str) -> str:
    """``value`` as an SQL string literal (the pools set ``standard_conforming_strings``, so
    only quotes are doubled); for statements that cannot take parameters."""
    if "\x00" in value:
        raise ValueError("a NUL character cannot be sent to PostgreSQL")
    return "'" + value.replace("'", "''") + "'"


@asynccontextmanager
async def tenant_scope(pool: asyncpg.Pool, tenant_id: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection that sees only ``tenant_id``'s rows, for one read-only transaction."""
    async with pool.acquire() as conn:
        # BEGIN, SET LOCAL ROLE and SET LOCAL app.tenant_id in one round trip: a simple query
        # takes several statements, but no parameters, hence the literal
        await conn.execute(f"BEGIN READ ONLY; SELECT set_config('role', '{postgres.READER}',"
                           f" true), set_config('app.tenant_id', {sql_literal(tenant_id)}, true)")
        try:
            yield conn
        except BaseException:
            with suppress(Exception):  # a connection that cannot roll back is closed by the pool
                await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
        postgres.unchanged_session(conn)  # SET LOCAL ended with the transaction: no reset


@asynccontextmanager
async def reader_scope(pool: asyncpg.Pool, tenant_id: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection that sees only ``tenant_id``'s rows, for single statements (each its own
    snapshot): from the reader sibling of ``pool`` (:meth:`infra.postgres.FairPool.readers`,
    as every pool of :func:`infra.postgres.create_pool` has), pinned to the tenant."""
    async with (await pool.readers()).acquire() as conn:
        await postgres.pin_tenant(conn, tenant_id)
        yield conn


def as_dicts(records: list[asyncpg.Record]) -> list[dict[str, Any]]:
    return [r for r in map(as_dict, records) if r is not None]


def _row(record: asyncpg.Record, json_column: Callable[[str], Any]) -> dict[str, Any]:
    """``record`` by column: timestamps as ISO text, JSON columns through ``json_column``."""
    out: dict[str, Any] = {}
    for k, v in record.items():
        if isinstance(v, str) and k in JSON_COLUMNS:
            v = json_column(v)
        elif hasattr(v, "isoformat"):
            v = v.isoformat()
        out[k] = v
    return out


def as_dict(record: asyncpg.Record | None) -> dict[str, Any] | None:
    return None if record is None else _row(record, orjson.loads)


def as_json(record: asyncpg.Record) -> bytes:
    """``as_dict(record)`` as a JSON document, its JSON columns spliced in as PostgreSQL gives
    them rather than parsed and encoded again: a simulation's results are most of its row."""
    return orjson.dumps(_row(record, orjson.Fragment))


PoolFor = Callable[[str], Awaitable[asyncpg.Pool]]


class Views:
    """Queries filter by tenant and run in its scope: another tenant's id reads as absent.

    ``route`` finds the database of a tenant's work (:class:`projections.placement.TenantPools`);
    without it every read goes to ``pool``, as the platform's views (tenants, users) do."""

    def __init__(self, pool: asyncpg.Pool, route: PoolFor | None = None) -> None:
        self.pool, self.route = pool, route

    async def pool_for(self, tenant_id: str) -> asyncpg.Pool:
        return self.pool if self.route is None else await self.route(tenant_id)

    async def one(self, tenant_id: str, sql: str, *args: Any) -> dict[str, Any] | None:
        """The first row of ``sql`` as ``tenant_id`` sees it."""
        async with reader_scope(await self.pool_for(tenant_id), tenant_id) as conn:
            return as_dict(await conn.fetchrow(sql, *args))

    async def one_json(self, tenant_id: str, sql: str, *args: Any) -> bytes | None:
        """``one`` as the JSON document an answer sends (see :func:`as_json`)."""
        async with reader_scope(await self.pool_for(tenant_id), tenant_id) as conn:
            record = await conn.fetchrow(sql, *args)
        return None if record is None else as_json(record)

    async def all(self, tenant_id: str, sql: str, *args: Any) -> list[dict[str, Any]]:
        """Every row of ``sql`` as ``tenant_id`` sees it."""
        async with reader_scope(await self.pool_for(tenant_id), tenant_id) as conn:
            return as_dicts(await conn.fetch(sql, *args))

    async def workbook(self, tenant_id: str, workbook_id: str) -> dict[str, Any] | None:
        return await self.one(tenant_id, WORKBOOK, tenant_id, workbook_id)

    async def workbook_to_run(self, tenant_id: str, workbook_id: str) -> dict[str, Any] | None:
        """What a simulation request is checked against, without the rest of the summary:
        status and reason, content hash, sheet names and the rows and columns their content
        reaches ([rows, columns], NULL where not recorded), how many outputs the workbook marks,
        the cells of its @RISK inputs, the cells it lists as holding formulas (candidate
        outputs, RiskOutput cells, cells with unsupported functions) and the areas holding
        every formula (NULL where the summary has none)."""
        return await self.one(
            tenant_id, "SELECT status, reason, sha256, ARRAY(SELECT sheet->>'name' FROM"
            " jsonb_array_elements(CASE jsonb_typeof(summary->'sheets') WHEN 'array'"
            " THEN summary->'sheets' END) WITH ORDINALITY s(sheet, n) ORDER BY n) AS sheets,"
            " ARRAY(SELECT ARRAY[CASE jsonb_typeof(sheet->'rows') WHEN 'number' THEN"
            " (sheet->>'rows')::bigint END, CASE jsonb_typeof(sheet->'columns') WHEN 'number'"
            " THEN (sheet->>'columns')::bigint END] FROM jsonb_array_elements(CASE"
            " jsonb_typeof(summary->'sheets') WHEN 'array' THEN summary->'sheets' END)"
            " WITH ORDINALITY s(sheet, n) ORDER BY n) AS sheet_sizes,"
            " CASE jsonb_typeof(summary->'risk_outputs') WHEN 'array'"
            " THEN jsonb_array_length(summary->'risk_outputs') ELSE 0 END AS risk_outputs,"
            " ARRAY(SELECT risk->>'cell' FROM jsonb_array_elements(CASE"
            " jsonb_typeof(summary->'risk_inputs') WHEN 'array' THEN summary->'risk_inputs'"
            " END) risk WHERE jsonb_typeof(risk)='object') AS risk_input_cells,"
            " ARRAY(SELECT jsonb_array_elements_text(CASE jsonb_typeof(summary->'candidate"
            "_outputs') WHEN 'array' THEN summary->'candidate_outputs' END) UNION ALL"
            " SELECT jsonb_array_elements_text(CASE jsonb_typeof(summary->'risk_outputs')"
            " WHEN 'array' THEN summary->'risk_outputs' END) UNION ALL"
            " SELECT jsonb_array_elements_text(cells) FROM jsonb_each(CASE"
            " jsonb_typeof(summary->'unsupported_functions') WHEN 'object'"
            " THEN summary->'unsupported_functions' END) used(name, cells)"
            " WHERE jsonb_typeof(cells)='array') AS formula_cells,"
            " CASE jsonb_typeof(summary->'formula_areas') WHEN 'array' THEN ARRAY(SELECT"
            " jsonb_array_elements_text(summary->'formula_areas')) END AS formula_areas"
            " FROM workbooks WHERE tenant_id=$1 AND workbook_id=$2", tenant_id, workbook_id)

    async def workbook_json(self, tenant_id: str, workbook_id: str) -> bytes | None:
        """``workbook`` as the JSON document the API answers with."""
        return await self.one_json(tenant_id, WORKBOOK, tenant_id, workbook_id)

    async def simulation(self, tenant_id: str, simulation_id: str) -> dict[str, Any] | None:
        return await self.one(tenant_id, SIMULATION, tenant_id, simulation_id)

    async def simulation_json(self, tenant_id: str, simulation_id: str) -> bytes | None:
        """``simulation`` as the JSON document the API answers with."""
        return await self.one_json(tenant_id, SIMULATION, tenant_id, simulation_id)

