import threading

from engines import allocator


def test_the_last_evaluation_to_end_gives_memory_back(monkeypatch) -> None:
    trims: list[int] = []
    monkeypatch.setattr(allocator, "give_back_freed_memory", lambda: trims.append(1) or True)
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
