"""A worker remembers the parsed workbooks it checked requests against: per tenant, for a
while, the most recently used first to stay."""

from __future__ import annotations

from app.api.runnable import RunnableWorkbooks


def row(sha: str) -> dict[str, object]:
    return {"status": "parsed", "sha256": sha, "sheets": ["Model"], "risk_outputs": 0,
            "risk_input_cells": ["Model!B3"], "formula_cells": ["Model!B17"]}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_workbook_is_remembered_for_its_tenant_for_a_while() -> None:
    clock = Clock()
    kept = RunnableWorkbooks(kept=8, keep_s=60.0, clock=clock)
    assert kept.get("t1", "w") is None
    runnable = kept.keep("t1", "w", row("a" * 64))
    assert kept.get("t1", "w") is runnable and runnable.sha256 == "a" * 64
    assert kept.get("t2", "w") is None  # another tenant's workbook of the same id: not this one
    clock.now = 60.5
    assert kept.get("t1", "w") is None


def test_the_least_recently_used_goes_first() -> None:
    kept = RunnableWorkbooks(kept=2, keep_s=60.0, clock=Clock())
    kept.keep("t", "a", row("a" * 64))
    kept.keep("t", "b", row("b" * 64))
    assert kept.get("t", "a") is not None  # used: b is now the oldest
    kept.keep("t", "c", row("c" * 64))
    assert kept.get("t", "b") is None
    assert kept.get("t", "a") is not None and kept.get("t", "c") is not None
