"""Blobs read lately, kept in memory: a burst of runs of one workbook reads it from the store
once, not once per run (an S3 read costs a few milliseconds of CPU in botocore alone).

A blob's address is its digest, so bytes kept never go stale; what bounds the cache is memory:
the most recently read blobs up to ``max_bytes`` in all, and none larger than a quarter of that
(a large workbook is read once per run anyway, and would push out all the small ones).
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable


class RecentBlobs:
    """``read`` (a blob store's ``get``) with the latest blobs kept; safe from many threads
    (the runner reads in worker threads). A failed read keeps nothing."""

    def __init__(self, read: Callable[[str], bytes], max_bytes: int) -> None:
        self.read = read
        self.max_bytes = max_bytes
        self.kept: OrderedDict[str, bytes] = OrderedDict()
        self.size = 0
        self._lock = threading.Lock()

    def kept_bytes(self, sha256: str) -> bytes | None:
        """The blob when it is kept, else None: never a read from the store, so a caller on
        an event loop can ask first and go to a thread only for a read."""
        with self._lock:
            data = self.kept.get(sha256)
            if data is not None:
                self.kept.move_to_end(sha256)
            return data

    def __call__(self, sha256: str) -> bytes:
        data = self.kept_bytes(sha256)
        if data is not None:
            return data
        data = self.read(sha256)  # outside the lock: other blobs are served meanwhile
        if len(data) <= self.max_bytes // 4:
            with self._lock:
                if sha256 not in self.kept:
                    self.kept[sha256] = data
                    self.size += len(data)
                while self.size > self.max_bytes:
                    _, dropped = self.kept.popitem(last=False)
                    self.size -= len(dropped)
        return data


async def read_on_loop(read: Callable[[str], bytes], sha256: str) -> bytes:
    """``read(sha256)`` for a caller on an event loop: a blob a ``RecentBlobs`` keeps is taken
    on the loop (handing each run of a burst to a thread for it took a twelfth of the runner's
    loop), any other read goes to a thread, as a store's read blocks."""
    kept = read.kept_bytes(sha256) if isinstance(read, RecentBlobs) else None
    return kept if kept is not None else await asyncio.to_thread(read, sha256)
