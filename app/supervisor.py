"""The supervisor: one process per processor kind, each restarted with backoff when it dies.

A processor that crashes (an outage it cannot ride out, a bug, ``kill -9``) stops only its own
concern; the others go on, and it comes back after a backoff that doubles from
``MIN_BACKOFF_S`` to ``MAX_BACKOFF_S`` and resets once it has run ``HEALTHY_AFTER_S``. Its work
resumes from its committed offsets. A stop (SIGTERM, SIGINT) is passed on to every processor;
one still running after ``STOP_GRACE_S`` is killed, so a stop takes well under ten seconds.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

log = logging.getLogger(__name__)
MIN_BACKOFF_S = 0.5
MAX_BACKOFF_S = 30.0
HEALTHY_AFTER_S = 60.0
STOP_GRACE_S = 7.0
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    backoff: float = MIN_BACKOFF_S
    restart_at: float = 0.0
    restarts: int = field(default=0)


def command(name: str) -> list[str]:
    return [sys.executable, "-m", "app.cli", "processor", name]


def supervise(names: Sequence[str], poll_s: float = 0.2) -> int:
    """Run a process for each of ``names`` until SIGTERM or SIGINT."""
    stopping = False

    def stop(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    children = [Child(name) for name in names]
    try:
        while not stopping:
            now = time.monotonic()
            for child in children:
                if child.process is None:
                    if now >= child.restart_at:
                        child.process = subprocess.Popen(command(child.name), cwd=ROOT)
                        child.started = now
                    continue
                code = child.process.poll()
                if code is None:
                    if now - child.started >= HEALTHY_AFTER_S:
                        child.backoff = MIN_BACKOFF_S
                    continue
                child.process, child.restarts = None, child.restarts + 1
                child.restart_at = now + child.backoff
                log.error("processor %s exited with %s; restart %d in %.1f s", child.name, code,
                          child.restarts, child.backoff)
                child.backoff = min(MAX_BACKOFF_S, child.backoff * 2)
            time.sleep(poll_s)
    finally:
        running = [c.process for c in children if c.process is not None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("processor pid %d did not stop in %.0f s; killed", process.pid,
                            STOP_GRACE_S)
                process.kill()
                process.wait()
    return 0
