"""The views' writes of a whole poll batch, sent as a few pipelined ``executemany`` calls
instead of one round trip per statement, with the same end state as running them one by one.

The views keep writing through ``execute`` as if to a connection; the batch holds each statement
back and schedules it into numbered steps. A statement that provably touches one row of a table
whose only unique key is its primary key (``UPDATE t SET … WHERE pk=$1 [AND …]``, or ``INSERT
INTO t (pk, …) VALUES ($1, …)``, with no sub-select) need only follow the earlier statements on
that row: it joins the earliest step at or after them that already runs the same SQL. Any other
statement, and every read, is a barrier: everything before it runs first. Within a step, groups
of different SQL touch different rows, so their order does not matter; within a group, rows keep
the order the events came in.

A statement registered in :data:`MERGES` folds into the one held before it on the same row when
that one is registered with the same merge and no barrier came between them: the row is written
once, by a statement that ends where the two run in turn would (a simulation's accepted,
started, progressed and completed in one batch of a replay are one upsert, not four versions of
its row).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg

# tables whose only unique key is the primary key named here (a unique e-mail or token hash
# would let two rows' statements conflict, so those tables are not listed)
SINGLE_KEYED = {
    "simulations": "simulation_id", "workbooks": "workbook_id", "usage_records": "usage_event_id",
    "tenants": "tenant_id", "invoices": "invoice_id", "security_audit": "event_id",
    "webhook_endpoints": "endpoint_id", "webhook_messages": "message_id",
    "webhook_attempts": "attempt_id",
}
Merge = Callable[[str, tuple[Any, ...], str, tuple[Any, ...]], tuple[str, tuple[Any, ...]]]
MERGES: dict[str, Merge] = {}
"""Statements that may fold into the one held before them on their row, by SQL: ``merge(held
sql, held args, sql, args)`` is one statement (SQL and arguments) with the same end state as the
two run in turn, whatever the row held before. Views register statements of one row (see
:func:`row_of`) that read nothing but that row."""

_UPDATE = re.compile(r"^\s*UPDATE (\w+) SET .* WHERE (\w+)\s*=\s*\$1(?!\d)(\s+AND .*)?$", re.S)
_INSERT = re.compile(r"^\s*INSERT INTO (\w+)\s*\((\w+)\s*,.*\)\s*VALUES\s*\(\s*\$1\s*,", re.S)


@functools.lru_cache(maxsize=1024)
def _keyed_table(sql: str) -> str | None:
    """The table of whose rows ``sql`` touches only the one keyed by ``$1``; None when that is
    not certain. The views send a few hundred distinct statements at most, so each is read
    once."""
    if "SELECT" in sql.upper() or " OR " in sql.upper():
        return None
    found = _UPDATE.match(sql) or _INSERT.match(sql)
    if found is None or SINGLE_KEYED.get(found.group(1)) != found.group(2):
        return None
    return found.group(1)


def row_of(sql: str, args: Sequence[Any]) -> tuple[str, Any] | None:
    """The one row ``sql`` touches, as ``(table, key)``; None when that is not certain."""
    table = _keyed_table(sql) if args else None
    return None if table is None else (table, args[0])


class StatementBatch:
    """Stands in for the connection while views apply a batch; ``flush`` sends what it holds."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        # None in a group: a statement since merged into another (see _merged)
        self._groups: dict[tuple[int, str], list[tuple[Any, ...] | None]] = {}
        self._steps_of: dict[str, list[int]] = {}  # sql -> steps holding a group of it
        self._last: dict[tuple[str, Any], tuple[int, str]] = {}  # row -> (step, sql) last on it
        self._at: dict[tuple[str, Any], int] = {}  # row -> its last statement's place in its group
        self._floor = 0  # no statement may run before this step (the last barrier's next)
        self._top = -1

    async def execute(self, sql: str, *args: Any) -> None:
        row = row_of(sql, args)
        if row is not None and self._merged(row, sql, args):
            return
        if row is None:
            step = self._top + 1
            self._floor = step + 1
        else:
            earliest = self._floor
            if row in self._last:
                last_step, last_sql = self._last[row]
                earliest = max(earliest, last_step + (0 if last_sql == sql else 1))
            steps = self._steps_of.setdefault(sql, [])
            at = bisect.bisect_left(steps, earliest)
            step = steps[at] if at < len(steps) else earliest
            self._last[row] = (step, sql)
        at = self._hold(step, sql, args)
        if row is not None:
            self._at[row] = at
        self._top = max(self._top, step)

    def _hold(self, step: int, sql: str, args: tuple[Any, ...]) -> int:
        """Hold ``args`` in the group of ``sql`` at ``step``; their place in it."""
        if (step, sql) not in self._groups:
            bisect.insort(self._steps_of.setdefault(sql, []), step)
            self._groups[(step, sql)] = []
        self._groups[(step, sql)].append(args)
        return len(self._groups[(step, sql)]) - 1

    def _merged(self, row: tuple[str, Any], sql: str, args: tuple[Any, ...]) -> bool:
        """Fold this statement into the one held last on ``row``, where :data:`MERGES` allows
        it; the merged statement keeps that one's step (every earlier statement on the row runs
        before it, and none touching the row since)."""
        merge = MERGES.get(sql)
        if merge is None or row not in self._last:
            return False
        step, held_sql = self._last[row]
        if step < self._floor or MERGES.get(held_sql) is not merge:
            return False
        group, at = self._groups[(step, held_sql)], self._at[row]
        held = group[at]
        assert held is not None, "a row's last statement is held"
        merged_sql, merged = merge(held_sql, held, sql, args)
        if merged_sql == held_sql:
            group[at] = merged
            return True
        group[at] = None  # left out when the batch is sent
        self._last[row] = (step, merged_sql)
        self._at[row] = self._hold(step, merged_sql, merged)
        return True

    async def executemany(self, sql: str, args: Sequence[Sequence[Any]]) -> None:
        await self.flush()
        await self.conn.executemany(sql, args)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        await self.flush()
        rows: list[asyncpg.Record] = await self.conn.fetch(sql, *args)
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        await self.flush()
        return await self.conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        await self.flush()
        return await self.conn.fetchval(sql, *args)

    async def flush(self) -> None:
        """Run every statement held, step by step."""
        groups = sorted(self._groups.items(), key=lambda g: g[0][0])
        self._groups, self._steps_of, self._last, self._at = {}, {}, {}, {}
        self._floor, self._top = 0, -1
        for (_step, sql), held in groups:
            rows = [args for args in held if args is not None]
            if not rows:
                continue
            if len(rows) == 1:
                await self.conn.execute(sql, *rows[0])
            else:
                await self.conn.executemany(sql, rows)
