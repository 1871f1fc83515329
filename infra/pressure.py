"""Whether this machine's cores are contended, from Linux's pressure stall information.

``nice`` puts the background processors (billing, analytics rollups, webhooks) behind the
work a run waits for, but only their own CPU: the broker's fetches and transactions they
cause, and the stores' writes, run at the stores' priority, and in a burst of small runs
that work took as much CPU as the background processors themselves. So while the cores
are contended a background processor holds its next batch, up to a bound, and the work it
would cause waits with it.

Contended means that some runnable task waited for a core over at least half of the last
``WINDOW_S``: the kernel's CPU pressure ("some"), read from the process's control group
where it has one (a container's limit) or else the machine's. Where neither can be read
(not Linux, or a kernel without pressure stall information) nothing ever waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

SOURCES = (Path("/sys/fs/cgroup/cpu.pressure"), Path("/proc/pressure/cpu"))
WINDOW_S = 0.1
BUSY = 0.5
"""The share of a window some task waited for a core, from which the cores are contended: at
rest it is near 0, in a burst that holds every core near 1."""


def stalled_us(path: Path) -> int | None:
    """Microseconds some task has waited for a core, all told; None where unreadable."""
    try:
        some = path.read_text().splitlines()[0]
        fields = dict(field.split("=", 1) for field in some.split()[1:])
        return int(fields["total"])
    except (OSError, IndexError, KeyError, ValueError):
        return None


class CpuPressure:
    """Waits for the cores to be free of contention (see the module's docstring)."""

    def __init__(self, sources: Sequence[Path] = SOURCES, window_s: float = WINDOW_S,
                 busy: float = BUSY) -> None:
        self.source = next((p for p in sources if stalled_us(p) is not None), None)
        self.window_s, self.busy = window_s, busy

    async def calm(self, most_s: float) -> float:
        """Return once a window passes without contention, or after ``most_s`` (0: at once);
        the seconds waited beyond the first window."""
        if self.source is None or most_s <= 0:
            return 0.0
        began, contended = time.monotonic(), False
        before = stalled_us(self.source)
        while before is not None:
            start = time.monotonic()
            await asyncio.sleep(self.window_s)
            after = stalled_us(self.source)
            if after is None:
                break
            share = (after - before) / max(1e-9, (time.monotonic() - start) * 1e6)
            if share < self.busy or time.monotonic() - began >= most_s:
                break
            before, contended = after, True
        return max(0.0, time.monotonic() - began - self.window_s) if contended else 0.0
