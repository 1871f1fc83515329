"""Processes of a test's own: whether one is still alive, and waiting for some to end."""

from __future__ import annotations

import time
from collections.abc import Collection
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended and not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def ended(pids: Collection[int], timeout_s: float = 10.0) -> bool:
    """Whether every one of ``pids`` has ended within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not any(alive(pid) for pid in pids)
