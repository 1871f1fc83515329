"""A background batch waits while the cores are contended, and only then, at most its bound.

The pressure file is the kernel's format, written by the test: "some" stall time grows as fast
as the clock while contended, not at all while calm."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from infra.pressure import CpuPressure, stalled_us


class Stalls:
    """A pressure file whose stall total follows the clock while ``contended``."""

    def __init__(self, path: Path) -> None:
        self.path, self.total, self.contended, self.at = path, 1_000, False, time.monotonic()
        self.write()

    def write(self) -> None:
        self.path.write_text(f"some avg10=0.00 avg60=0.00 avg300=0.00 total={self.total}\n"
                             "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")

    async def follow(self) -> None:
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            if self.contended:
                self.total += int((now - self.at) * 1e6)
            self.at = now
            self.write()


@pytest.fixture
async def stalls(tmp_path: Path):  # type: ignore[no-untyped-def]
    stalls = Stalls(tmp_path / "cpu.pressure")
    task = asyncio.create_task(stalls.follow())
    yield stalls
    task.cancel()


def test_the_kernels_format_reads_as_the_some_total(tmp_path: Path) -> None:
    path = tmp_path / "cpu"
    path.write_text("some avg10=6.11 avg60=31.35 avg300=36.35 total=8740404316\n"
                    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
    assert stalled_us(path) == 8740404316
    path.write_text("")
    assert stalled_us(path) is None
    assert stalled_us(tmp_path / "missing") is None


async def test_calm_cores_cost_one_window(stalls: Stalls) -> None:
    pressure = CpuPressure([stalls.path], window_s=0.05)
    began = time.monotonic()
    assert await pressure.calm(1.0) == 0.0
    assert time.monotonic() - began < 0.5


async def test_contended_cores_hold_the_batch_until_calm(stalls: Stalls) -> None:
    pressure = CpuPressure([stalls.path], window_s=0.05)
    stalls.contended = True
    asyncio.get_running_loop().call_later(0.4, setattr, stalls, "contended", False)
    waited = await pressure.calm(5.0)
    assert 0.25 <= waited < 2.0


async def test_a_burst_that_lasts_holds_the_batch_for_its_bound_only(stalls: Stalls) -> None:
    pressure = CpuPressure([stalls.path], window_s=0.05)
    stalls.contended = True
    began = time.monotonic()
    await pressure.calm(0.3)
    assert 0.25 <= time.monotonic() - began < 1.5
    assert await pressure.calm(0) == 0.0  # 0: never held


async def test_no_pressure_information_never_holds(tmp_path: Path) -> None:
    pressure = CpuPressure([tmp_path / "absent"])
    assert pressure.source is None
    began = time.monotonic()
    assert await pressure.calm(5.0) == 0.0
    assert time.monotonic() - began < 0.05
