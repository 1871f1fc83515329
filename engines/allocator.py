"""Keeping freed memory in the process for the next evaluation's temporaries.

An evaluation allocates one block per operation and frees it moments later. With glibc's
defaults, blocks above 128 KiB are mapped from the kernel and unmapped when freed, and the
heap is trimmed whenever its free top passes 128 KiB, so every operation pays page faults on
fresh memory: at 10^4-10^5 trials that costs about three times the arithmetic. Raising both
thresholds lets freed blocks be reused instead. Other C libraries are left as they are.

The price is memory a process keeps once a large workbook has been evaluated: the freed blocks
stay in the heap (and in each worker thread's arena) for the next evaluation. ``evaluating``
marks an evaluation; when the last one in the process ends and the process has grown by more
than KEEP_FREE since it last gave memory back, the free memory of every arena is given back to
the kernel (``malloc_trim``), so a long-lived processor returns to near its resting size after
a large run, while small runs one after another keep reusing their temporaries (a trim after
each made the next one fault its pages in again: 15% of a 10,000-trial run's CPU).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD = 64 * 2**20
"""Free memory at the heap's top kept before it is given back to the kernel."""
MMAP_THRESHOLD = 4 * 2**20
"""Blocks below this size come from the heap (and are reused) rather than fresh mappings."""
KEEP_FREE = 64 * 2**20
"""Growth of the resident set past which an evaluation's end gives freed memory back."""


@functools.cache
def _libc() -> Any | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


@functools.cache
def keep_freed_memory() -> bool:
    """Tune glibc's malloc for many short-lived array temporaries (once per process); False
    where the C library has no ``mallopt``."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    trimmed = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    mapped = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return bool(trimmed and mapped)


def give_back_freed_memory() -> bool:
    """Return the free memory of every malloc arena to the kernel; False where the C library
    has no ``malloc_trim``."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True


def resident_bytes() -> int | None:
    """This process's resident set (``/proc/self/statm``), None where unknown."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_rested: list[int | None] = [None]  # the resident set after the last trim


def give_back_if_grown() -> bool:
    """Give freed memory back when the process has grown by more than KEEP_FREE since the
    last time it did (or where that cannot be told); True when a trim was asked for."""
    grown = resident_bytes()
    rested = _rested[0]
    if grown is not None and rested is not None and grown - rested <= KEEP_FREE:
        return False
    trimmed = give_back_freed_memory()
    _rested[0] = resident_bytes()
    return trimmed


_active = 0
_active_lock = threading.Lock()


@contextmanager
def evaluating() -> Iterator[None]:
    """Mark an evaluation (compile and run) in progress, from any thread; the last one to end
    gives the process's freed memory back if it holds much (see the module's docstring)."""
    global _active
    with _active_lock:
        _active += 1
    try:
        yield
    finally:
        with _active_lock:
            _active -= 1
            last = _active == 0
        if last:
            give_back_if_grown()
