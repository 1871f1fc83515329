"""Where a tenant's events are applied and read during each step of a move (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from app.ops.cli import parser, shorthand
from projections.placement import (
    SHARED,
    Placement,
    applies,
    evolve,
    reads_database,
    without_password,
)
from streams.catalogue import new_event
from streams.events import TenantPlacementChanged, TenantPlanChanged

NEW = "postgresql://riskstream@db-acme:5432/acme"
OTHER = "postgresql://riskstream@db-two:5432/two"
NOW = datetime(2026, 12, 5, tzinfo=UTC)


def step(state: str, database: str = NEW, previous: str = SHARED) -> Placement:
    return Placement("t1", database, state, previous, "pro", NOW)


@pytest.mark.parametrize(("state", "shared_applies", "new_applies", "reads"), [
    ("moving", True, True, SHARED),  # both build; reads stay
    ("switching", False, True, SHARED),  # the old copy is frozen, the new one catches up
    ("placed", False, True, NEW),
    ("released", False, True, NEW),
])
def test_each_step_says_who_applies_and_who_answers(state: str, shared_applies: bool,
                                                     new_applies: bool, reads: str) -> None:
    placements = {"t1": step(state)}
    assert applies(placements, "t1", SHARED) is shared_applies
    assert applies(placements, "t1", NEW) is new_applies
    assert reads_database(placements, "t1") == reads
    assert applies(placements, "t2", SHARED) and not applies(placements, "t2", NEW)
    assert reads_database(placements, "t2") == SHARED


def test_a_move_between_dedicated_databases_keeps_the_old_one_until_switching() -> None:
    moving = {"t1": step("moving", OTHER, previous=NEW)}
    assert applies(moving, "t1", NEW) and applies(moving, "t1", OTHER)
    assert not applies(moving, "t1", SHARED)
    assert not applies({"t1": step("switching", OTHER, previous=NEW)}, "t1", NEW)


def test_a_batch_routes_the_events_after_a_step_as_the_next_batch_would() -> None:
    event = new_event(TenantPlacementChanged.type, "t1", "t1",
                      {"database": NEW, "state": "switching", "previous": SHARED})
    before = {"t1": step("moving")}
    after = evolve(before, event)
    assert after["t1"].state == "switching" and after["t1"].plan == "pro"
    assert before["t1"].state == "moving"  # not changed in place
    other = new_event(TenantPlanChanged.type, "t1", "t1", {"plan": "pro"})
    assert evolve(before, other) is before
    assert evolve({}, event)["t1"].plan == "free"  # a tenant the batch has not met yet


def test_the_log_never_holds_a_password() -> None:
    assert without_password("postgresql://ops:s3cret@db:5432/acme") == "postgresql://ops@db:5432/acme"
    assert without_password(NEW) == NEW
    with pytest.raises(ValidationError, match="password"):
        TenantPlacementChanged(database="postgresql://ops:s3cret@db:5432/acme", state="moving")
    with pytest.raises(ValidationError):
        TenantPlacementChanged(database=NEW, state="teleported")  # type: ignore[arg-type]


def test_the_cli_moves_a_tenant_and_still_creates_one_by_its_short_form() -> None:
    args = parser().parse_args(shorthand(["tenant", "move", "t1", "--to", NEW]))
    assert (args.tenant_command, args.tenant_id, args.to) == ("move", "t1", NEW)
    args = parser().parse_args(shorthand(["tenant", "Acme", "--plan", "pro"]))
    assert (args.tenant_command, args.name, args.plan) == ("create", "Acme", "pro")
    with pytest.raises(SystemExit):
        parser().parse_args(shorthand(["tenant", "move", "t1"]))  # --to is required
