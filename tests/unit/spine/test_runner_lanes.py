import asyncio
import os
from pathlib import Path

from streams.processors.lanes import SMALL_PER_CORE, SMALL_RUN_TRIALS, Lane, Lanes, Slot, cores


def test_small_runs_have_a_lane_of_their_own_as_wide_as_the_cores_allow() -> None:
    lanes = Lanes.for_machine(large_width=1, cpus=4)
    assert lanes.of(10_000) is lanes.of(SMALL_RUN_TRIALS) is lanes.small
    assert lanes.of(SMALL_RUN_TRIALS + 1) is lanes.large
    assert lanes.small.width == 4 * SMALL_PER_CORE and lanes.large.width == 1


async def test_a_lane_counts_what_waits_for_a_slot_until_it_has_one_or_gives_up() -> None:
    lane = Lanes.for_machine(large_width=1, cpus=1).large
    async with lane:
        assert lane.waiting() == 0  # a free slot is taken without waiting
        queued = [asyncio.create_task(lane.acquire()) for _ in range(3)]
        await asyncio.sleep(0)
        assert lane.waiting() == 3
        queued[0].cancel()
        await asyncio.sleep(0)
        assert lane.waiting() == 2
    await asyncio.sleep(0)
    assert lane.waiting() == 1 and queued[1].done()  # the next one got the slot
    lane.release()
    await asyncio.sleep(0)
    assert lane.waiting() == 0
    lane.release()


async def test_tenants_take_turns_for_the_slots_each_tenants_runs_in_order() -> None:
    lane = Lane("large", 2)
    order: list[str] = []

    async def run(tenant: str, name: str, done: asyncio.Event) -> None:
        async with Slot(lane, tenant):
            order.append(name)
            await done.wait()

    finish = {name: asyncio.Event() for name in ("a1", "a2", "a3", "a4", "a5", "b1", "c1")}
    tasks = [asyncio.create_task(run(name[0], name, finish[name]))
             for name in ("a1", "a2", "a3", "a4", "a5")]  # a's burst first
    await asyncio.sleep(0)
    tasks += [asyncio.create_task(run(name[0], name, finish[name])) for name in ("b1", "c1")]
    await asyncio.sleep(0)
    assert order == ["a1", "a2"] and lane.waiting() == 5
    finish["a1"].set()  # a holds one slot, b and c none: b, who waited longest of those
    await asyncio.sleep(0.01)
    assert order == ["a1", "a2", "b1"]
    finish["a2"].set()  # a and c hold none now, b one: c, never given one, before a
    await asyncio.sleep(0.01)
    assert order == ["a1", "a2", "b1", "c1"]
    finish["b1"].set()
    await asyncio.sleep(0.01)
    assert order == ["a1", "a2", "b1", "c1", "a3"]  # only a waits
    for event in finish.values():
        event.set()
    await asyncio.gather(*tasks)
    assert order == ["a1", "a2", "b1", "c1", "a3", "a4", "a5"] and lane.waiting() == 0
    assert not lane.locked()


async def test_in_a_lane_one_slot_wide_tenants_take_turns() -> None:
    lane = Lane("large", 1)
    order: list[str] = []

    async def run(tenant: str, name: str) -> None:
        async with Slot(lane, tenant):
            order.append(name)
            await asyncio.sleep(0.01)

    flood = [asyncio.create_task(run("a", f"a{i}")) for i in range(4)]
    await asyncio.sleep(0)
    await asyncio.gather(*flood, run("b", "b0"), run("c", "c0"))
    assert order == ["a0", "b0", "c0", "a1", "a2", "a3"]  # not a's four before b's one


async def test_a_slot_handed_to_a_run_cancelled_meanwhile_goes_to_the_next() -> None:
    lane = Lane("large", 1)
    await lane.acquire("a")
    cancelled = asyncio.create_task(lane.acquire("b"))
    after = asyncio.create_task(lane.acquire("c"))
    await asyncio.sleep(0)
    lane.release("a")  # b is handed the slot, and cancelled before it runs
    cancelled.cancel()
    await asyncio.sleep(0.01)
    assert cancelled.cancelled() and after.done() and lane.waiting() == 0
    lane.release("c")
    assert not lane.locked()


def test_the_cores_a_runner_uses_are_bounded_by_its_cpu_limit(tmp_path: Path) -> None:
    """A container limited to 1.5 CPUs on a larger machine gets two cores' worth of workers,
    not one per core of the machine (cgroup v2's cpu.max, then v1's quota)."""
    allowed = len(os.sched_getaffinity(0))
    assert cores(tmp_path) == allowed  # no limit written: the affinity
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cores(tmp_path) == allowed
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert cores(tmp_path) == min(allowed, 2)
    (tmp_path / "cpu.max").write_text("10000 100000\n")
    assert cores(tmp_path) == 1
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("100000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert cores(tmp_path) == 1
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert cores(tmp_path) == allowed


async def test_a_lane_remembers_only_tenants_holding_or_waiting() -> None:
    lane = Lane("large", 1)
    async with Slot(lane, "a"):
        waiting = asyncio.create_task(lane.acquire("b"))
        await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.sleep(0)
    async with Slot(lane, "c"):
        pass
    assert lane._given == {} and lane.waiting() == 0
