"""Worker processes that end with the process that started them.

A process started with ``multiprocessing``'s spawn (the API's uvicorn workers, the runner's
engine workers) lives on when its parent is killed outright (``kill -9``, the kernel's OOM
killer), holding its memory with no one to hand it work. Each such worker watches its parent
and ends once another process has adopted it.
"""

from __future__ import annotations

import os
import threading
import time

PARENT_ENV = "RISKSTREAM_PARENT_PID"
"""Where a process passes its pid to the workers a library spawns for it (uvicorn's)."""
PARENT_CHECK_S = 0.5
"""How often a worker checks that the process that started it is still there."""


def end_with_parent(parent: int) -> None:
    """End this process (at once, without cleanup: what it served is gone) when its parent is
    no longer ``parent``, the pid of the process that started it, passed down rather than read
    here, since that parent may have died already."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
