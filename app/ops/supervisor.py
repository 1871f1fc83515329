"""The supervisor: N processes per processor kind, each restarted with backoff when it dies.

A processor that crashes (an outage it cannot ride out, a bug, ``kill -9``) stops only its own
concern; the others go on, and it comes back after a backoff that doubles from
``min_backoff_s`` to ``max_backoff_s`` and resets once it has run ``healthy_after_s``. Each
instance of a kind has its own backoff, so one crashing replica does not hold back the rest.
Its work resumes from its group's committed offsets. A stop (SIGTERM, SIGINT) is passed on to
every processor; one still running after ``stop_grace_s`` is killed, so a stop takes well under
ten seconds.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
# Which instance of its kind a child is (0..N-1), so its logs and heartbeat can say so.
INSTANCE_ENV = "RISKSTREAM_INSTANCE"


@dataclass(frozen=True)
class Policy:
    """How the supervisor paces restarts and stops."""

    min_backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    healthy_after_s: float = 60.0
    stop_grace_s: float = 7.0
    poll_s: float = 0.2


@dataclass
class Child:
    name: str
    instance: int
    backoff: float
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restart_at: float = 0.0
    restarts: int = 0

    def __str__(self) -> str:
        return f"{self.name}#{self.instance}"

    def start(self, now: float) -> None:
        env = dict(os.environ, **{INSTANCE_ENV: str(self.instance)})
        self.process = subprocess.Popen(command(self.name), cwd=ROOT, env=env)
        self.started = now


def command(name: str) -> list[str]:
    return [sys.executable, "-m", "app.ops.cli", "processor", name]


def supervise(replicas: Mapping[str, int], policy: Policy = Policy()) -> int:
    """Run ``replicas[name]`` processes of each kind until SIGTERM or SIGINT."""
    stopping = False

    def stop(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    children = [Child(name, instance, policy.min_backoff_s)
                for name, count in replicas.items() for instance in range(count)]
    try:
        while not stopping:
            now = time.monotonic()
            for child in children:
                _tend(child, now, policy)
            time.sleep(policy.poll_s)
    finally:
        _stop_all([c.process for c in children if c.process is not None], policy.stop_grace_s)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _tend(child: Child, now: float, policy: Policy) -> None:
    """Start ``child`` when its backoff is over; note its death and schedule the restart."""
    if child.process is None:
        if now >= child.restart_at:
            child.start(now)
        return
    code = child.process.poll()
    if code is None:
        if now - child.started >= policy.healthy_after_s:
            child.backoff = policy.min_backoff_s
        return
    child.process, child.restarts = None, child.restarts + 1
    child.restart_at = now + child.backoff
    log.error("processor %s exited with %s; restart %d in %.2f s", child, code, child.restarts,
              child.backoff)
    child.backoff = min(policy.max_backoff_s, child.backoff * 2)


def _stop_all(running: list[subprocess.Popen[bytes]], grace_s: float) -> None:
    for process in running:
        process.terminate()
    deadline = time.monotonic() + grace_s
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("processor pid %d did not stop in %.1f s; killed", process.pid, grace_s)
            process.kill()
            process.wait()
