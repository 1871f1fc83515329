"""The runner's cache of blobs read lately: a burst of runs of one workbook reads it from the
store once; the cache holds no more than its bound, most recent first, keeps no blob larger
than a quarter of it, and keeps nothing from a failed read."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter

import pytest

from infra.blobcache import RecentBlobs, read_on_loop
from infra.blobstore import BlobMissing


class Store:
    """Blobs by digest, counting the reads that reach it."""

    def __init__(self, *blobs: bytes) -> None:
        self.blobs = {hashlib.sha256(b).hexdigest(): b for b in blobs}
        self.reads: Counter[str] = Counter()

    def get(self, sha256: str) -> bytes:
        self.reads[sha256] += 1
        if sha256 not in self.blobs:
            raise BlobMissing(sha256)
        return self.blobs[sha256]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_blob_read_again_comes_from_memory() -> None:
    workbook = b"x" * 100
    store = Store(workbook)
    read = RecentBlobs(store.get, 1000)
    assert [read(_sha(workbook)) for _ in range(50)] == [workbook] * 50
    assert store.reads[_sha(workbook)] == 1


def test_asking_what_is_kept_never_reads_the_store() -> None:
    a, b = b"a" * 100, b"b" * 100
    store = Store(a, b)
    read = RecentBlobs(store.get, 1000)
    assert read.kept_bytes(_sha(a)) is None and not store.reads
    read(_sha(a))
    read(_sha(b))
    assert read.kept_bytes(_sha(a)) == a and store.reads[_sha(a)] == 1
    assert list(read.kept) == [_sha(b), _sha(a)]  # asked for: the most recent again


def test_the_least_recent_blobs_go_first_and_the_bound_holds() -> None:
    a, b, c, d, e = (bytes([n]) * 120 for n in b"abcde")
    store = Store(a, b, c, d, e)
    read = RecentBlobs(store.get, 500)
    for blob in (a, b, c, d, a):  # a is now the most recent
        read(_sha(blob))
    read(_sha(e))  # 600 bytes > 500: b, the least recent, goes
    assert read.size == 480 and list(read.kept) == [_sha(c), _sha(d), _sha(a), _sha(e)]
    read(_sha(b))
    assert store.reads == Counter({_sha(a): 1, _sha(b): 2, _sha(c): 1, _sha(d): 1, _sha(e): 1})


def test_a_blob_over_a_quarter_of_the_bound_is_not_kept() -> None:
    large, small = b"L" * 300, b"s" * 10
    store = Store(large, small)
    read = RecentBlobs(store.get, 1000)
    read(_sha(small))
    for _ in range(3):
        assert read(_sha(large)) == large
    assert store.reads[_sha(large)] == 3 and list(read.kept) == [_sha(small)]


def test_a_failed_read_keeps_nothing() -> None:
    store = Store()
    read = RecentBlobs(store.get, 1000)
    missing = "0" * 64
    for _ in range(2):
        with pytest.raises(BlobMissing):
            read(missing)
    assert store.reads[missing] == 2 and not read.kept and read.size == 0


def test_threads_reading_together_get_the_same_bytes_within_the_bound() -> None:
    blobs = [bytes([i]) * 100 for i in range(20)]
    store = Store(*blobs)
    read = RecentBlobs(store.get, 1000)
    wrong: list[int] = []

    def worker(k: int) -> None:
        for i in range(200):
            blob = blobs[(i * 7 + k) % len(blobs)]
            if read(_sha(blob)) != blob:
                wrong.append(i)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong
    assert read.size == sum(len(b) for b in read.kept.values()) <= 1000


class ThreadedStore(Store):
    """A store that also notes the thread each read ran in."""

    def __init__(self, *blobs: bytes) -> None:
        super().__init__(*blobs)
        self.threads: list[int] = []

    def get(self, sha256: str) -> bytes:
        self.threads.append(threading.get_ident())
        return super().get(sha256)


async def test_on_a_loop_a_kept_blob_is_taken_there_and_a_read_goes_to_a_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    workbook = b"w" * 100
    store = ThreadedStore(workbook)
    cached = RecentBlobs(store.get, 1000)
    assert await read_on_loop(cached, _sha(workbook)) == workbook
    assert await read_on_loop(store.get, _sha(workbook)) == workbook  # no cache: the store's
    assert len(store.threads) == 2 and threading.get_ident() not in store.threads

    handed: list[object] = []

    async def to_thread(*args: object) -> object:
        handed.append(args)
        raise AssertionError("a kept blob went to a thread")

    monkeypatch.setattr("infra.blobcache.asyncio.to_thread", to_thread)
    assert [await read_on_loop(cached, _sha(workbook)) for _ in range(3)] == [workbook] * 3
    assert not handed and len(store.threads) == 2
