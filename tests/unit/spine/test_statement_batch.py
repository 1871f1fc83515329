"""The projector's statement batch: writes of a poll batch grouped into few ``executemany``
calls, in an order that ends in the same rows as running them one by one."""

from __future__ import annotations

from typing import Any

from projections.statement_batch import StatementBatch, row_of

UPSERT = "INSERT INTO simulations (simulation_id, status) VALUES ($1,$2) ON CONFLICT DO NOTHING"
STARTED = "UPDATE simulations SET started_at=$2 WHERE simulation_id=$1"
EVENT_LOG = "UPDATE event_log SET envelope=$2 WHERE tenant_id=$1"


class Recorder:
    """A connection that notes each call as ``(sql, [args…])``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[Any, ...]]]] = []

    async def execute(self, sql: str, *args: Any) -> None:
        self.calls.append((sql, [args]))

    async def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.calls.append((sql, list(rows)))

    async def fetchval(self, sql: str, *args: Any) -> int:
        self.calls.append((sql, [args]))
        return 1


def test_only_single_row_statements_on_single_keyed_tables_are_reordered() -> None:
    assert row_of(STARTED, ("s1", 0)) == ("simulations", "s1")
    assert row_of(UPSERT, ("s1", "x")) == ("simulations", "s1")
    assert row_of(EVENT_LOG, ("t", "{}")) is None  # not a table keyed by $1 alone
    assert row_of("UPDATE users SET name=$2 WHERE user_id=$1", ("u", "n")) is None  # unique email
    assert row_of("UPDATE simulations SET a=$2 WHERE simulation_id=$1 OR x", ("s", 1)) is None
    assert row_of("UPDATE simulations SET a=(SELECT 1) WHERE simulation_id=$1", ("s",)) is None
    assert row_of("UPDATE simulations SET a=$1 WHERE simulation_id=$2", (1, "s")) is None


async def test_statements_of_many_rows_share_calls_and_keep_each_rows_order() -> None:
    conn = Recorder()
    batch = StatementBatch(conn)  # type: ignore[arg-type]
    for sim in ("s1", "s2", "s3"):
        await batch.execute(UPSERT, sim, "accepted")
        await batch.execute(STARTED, sim, 1)
        await batch.execute(UPSERT, sim, "running")
    await batch.flush()
    assert conn.calls == [(UPSERT, [("s1", "accepted"), ("s2", "accepted"), ("s3", "accepted")]),
                          (STARTED, [("s1", 1), ("s2", 1), ("s3", 1)]),
                          (UPSERT, [("s1", "running"), ("s2", "running"), ("s3", "running")])]


async def test_a_barrier_and_a_read_keep_their_place() -> None:
    conn = Recorder()
    batch = StatementBatch(conn)  # type: ignore[arg-type]
    await batch.execute(UPSERT, "s1", "a")
    await batch.execute(EVENT_LOG, "t", "{}")
    await batch.execute(UPSERT, "s2", "a")  # unrelated row, yet after the barrier
    assert await batch.fetchval("SELECT 1") == 1
    await batch.execute(UPSERT, "s3", "a")
    await batch.flush()
    assert [sql for sql, _ in conn.calls] == [UPSERT, EVENT_LOG, UPSERT, "SELECT 1", UPSERT]


SET_A = "UPDATE simulations SET a=$2 WHERE simulation_id=$1"
SET_B = "UPDATE simulations SET b=$2 WHERE simulation_id=$1"
SET_AB = "UPDATE simulations SET a=$2, b=$3 WHERE simulation_id=$1"


def _fold(held_sql: str, held: tuple[Any, ...], sql: str, args: tuple[Any, ...]
          ) -> tuple[str, tuple[Any, ...]]:
    """A toy merge: the later value of each of a and b."""
    values = {"a": None, "b": None}
    for statement, row in ((held_sql, held), (sql, args)):
        if statement == SET_AB:
            values["a"], values["b"] = row[1], row[2]
        else:
            values["a" if statement == SET_A else "b"] = row[1]
    if values["b"] is None:
        return SET_A, (held[0], values["a"])
    return SET_AB, (held[0], values["a"], values["b"])


async def test_registered_statements_fold_into_the_one_held_on_their_row(
        monkeypatch: Any) -> None:
    monkeypatch.setattr("projections.statement_batch.MERGES",
                        {SET_A: _fold, SET_B: _fold, SET_AB: _fold})
    conn = Recorder()
    batch = StatementBatch(conn)  # type: ignore[arg-type]
    await batch.execute(SET_A, "s1", 1)
    await batch.execute(SET_A, "s2", 1)
    await batch.execute(SET_A, "s1", 2)  # folds in place
    await batch.execute(SET_B, "s2", 3)  # folds into a statement of other SQL, in s2's step
    await batch.execute(STARTED, "s1", 9)  # not registered: after s1's, unfolded
    await batch.execute(SET_A, "s1", 4)  # after an unregistered statement: not folded
    await batch.flush()
    assert conn.calls == [(SET_A, [("s1", 2)]), (SET_AB, [("s2", 1, 3)]),
                          (STARTED, [("s1", 9)]), (SET_A, [("s1", 4)])]


async def test_nothing_folds_across_a_barrier(monkeypatch: Any) -> None:
    monkeypatch.setattr("projections.statement_batch.MERGES", {SET_A: _fold, SET_B: _fold})
    conn = Recorder()
    batch = StatementBatch(conn)  # type: ignore[arg-type]
    await batch.execute(SET_A, "s1", 1)
    await batch.execute(EVENT_LOG, "t", "{}")
    await batch.execute(SET_A, "s1", 2)
    await batch.flush()
    assert conn.calls == [(SET_A, [("s1", 1)]), (EVENT_LOG, [("t", "{}")]), (SET_A, [("s1", 2)])]
