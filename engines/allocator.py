"""Keeping freed memory in the process for the next evaluation's temporaries.

An evaluation allocates one block per operation and frees it moments later. With glibc's
defaults, blocks above 128 KiB are mapped from the kernel and unmapped when freed, and the
heap is trimmed whenever its free top passes 128 KiB, so every operation pays page faults on
fresh memory: at 10^4-10^5 trials that costs about three times the arithmetic. Raising both
thresholds lets freed blocks be reused instead. Other C libraries are left as they are.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD = 64 * 2**20
"""Free memory at the heap's top kept before it is given back to the kernel."""
MMAP_THRESHOLD = 4 * 2**20
"""Blocks below this size come from the heap (and are reused) rather than fresh mappings."""


@functools.cache
def keep_freed_memory() -> bool:
    """Tune glibc's malloc for many short-lived array temporaries (once per process); False
    where the C library has no ``mallopt``."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    trimmed = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    mapped = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return bool(trimmed and mapped)
