"""Work in a child process: its answer or its exception comes back; past its memory cap or its
time limit it fails alone, named, and leaves no process behind."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from engines.limits import WorkbookLimits, WorkbookTooLarge
from engines.package import check_package
from infra.sandbox import MB, ChildDied, OutOfMemory, OutOfTime, Sandbox
from tests import workbook_bombs as bombs

BOX = Sandbox(256 * MB, 20, preload=("engines.package",))


def test_the_answer_and_the_exceptions_of_the_child_come_back() -> None:
    assert BOX.run(pow, 2, 10) == 1024
    with pytest.raises(ValueError, match="invalid literal"):
        BOX.run(int, "x")
    with pytest.raises(WorkbookTooLarge) as refused:
        BOX.run(check_package, bombs.corners(), WorkbookLimits())
    assert refused.value.limit == "area_cells"


def test_past_its_memory_cap_the_child_fails_alone() -> None:
    with pytest.raises(OutOfMemory) as failed:
        Sandbox(64 * MB, 20).run(bytearray, 1 << 30)
    assert (str(failed.value), failed.value.limit) == ("needed more than 64 MB", 64 * MB)
    assert BOX.run(len, bytearray(1 << 20)) == 1 << 20  # the caller lives on


def test_past_its_time_limit_the_child_is_killed() -> None:
    began = time.perf_counter()
    with pytest.raises(OutOfTime, match=r"took longer than 0\.5 s"):
        Sandbox(256 * MB, 0.5).run(time.sleep, 30)
    assert time.perf_counter() - began < 5
    assert multiprocessing.active_children() == []


def test_a_child_that_dies_without_an_answer_is_named_so() -> None:
    with pytest.raises(ChildDied, match="exit code 3"):
        BOX.run(os._exit, 3)
