import threading

import numpy
import pytest

from engines import allocator


def test_the_last_evaluation_to_end_gives_memory_back(monkeypatch) -> None:
    trims: list[int] = []
    monkeypatch.setattr(allocator, "give_back_freed_memory", lambda: trims.append(1) or True)
    monkeypatch.setattr(allocator, "_rested", [None])  # never given back: it is now
    first_inside, second_done = threading.Event(), threading.Event()

    def second() -> None:
        with allocator.evaluating():
            first_inside.wait()
        second_done.set()

    worker = threading.Thread(target=second)
    with allocator.evaluating():
        worker.start()
        first_inside.set()
        second_done.wait()
        assert trims == []  # this evaluation still runs: its temporaries stay for reuse
    worker.join()
    assert trims == [1]


def test_giving_memory_back_works_on_this_c_library() -> None:
    assert allocator.give_back_freed_memory() in (True, False)
    with allocator.evaluating():
        pass


def test_a_small_evaluation_keeps_its_freed_memory_for_the_next(monkeypatch) -> None:
    trims: list[int] = []
    monkeypatch.setattr(allocator, "give_back_freed_memory", lambda: trims.append(1) or True)
    monkeypatch.setattr(allocator, "resident_bytes", lambda: 500 * 2**20)
    monkeypatch.setattr(allocator, "_rested", [500 * 2**20 - allocator.KEEP_FREE])
    with allocator.evaluating():
        pass
    assert trims == []


def test_memory_a_large_evaluation_freed_is_given_back() -> None:
    if allocator.resident_bytes() is None or not allocator.keep_freed_memory():
        pytest.skip("no /proc/self/statm or no glibc malloc here")
    with allocator.evaluating():
        pass  # the resting size
    with allocator.evaluating():
        blocks = [numpy.ones(2**17) for _ in range(256)]  # 1 MiB each: heap blocks
        kept = blocks[1::2]  # half of them freed, each between two kept: holes, not a top
        del blocks
        grown = allocator.resident_bytes()
    after = allocator.resident_bytes()
    assert grown is not None and after is not None
    assert grown - after > allocator.KEEP_FREE  # 128 MiB of holes given back
    assert len(kept) == 128
