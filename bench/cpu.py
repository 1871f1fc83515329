"""Where a benchmark's CPU went: seconds per process role over a stretch of it, from /proc.

Every process on the machine is counted (the service, its stores, the load generator), by its
command line: the API workers, each processor, Kafka, PostgreSQL, FerretDB, Redis, the
SeaweedFS blob store, wrk and the benchmark itself. Linux only; elsewhere it reports nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
PROCESSOR = re.compile(r"app\.ops\.cli processor (\S+)")
ROLES = (  # (role, what its command line holds), first match wins
    ("kafka", "kafka.Kafka"), ("ferretdb", "ferretdb"), ("redis", "redis-server"),
    ("blob store", "weed"), ("stripe-mock", "stripe-mock"), ("wrk", "wrk"),
    ("api", "app.ops.cli api"),
)


def role(command: str) -> str | None:
    """What a process is, from its command line; None for the rest of the machine."""
    if command.startswith("postgres") or "bin/postgres" in command:
        return "postgresql"
    found = PROCESSOR.search(command)
    if found:
        return found.group(1)
    for name, marker in ROLES:
        if marker in command:
            return name
    return None


def _snapshot() -> dict[int, tuple[str, float]]:
    """Each process's role and CPU seconds so far (user + system). A worker process started
    by another (``multiprocessing``'s spawn: the API's workers, the runner's engine pool)
    takes its parent's role."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    seen: dict[int, tuple[str | None, int, float]] = {}
    for entry in PROC.glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                errors="replace")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = "benchmark" if int(entry.name) == os.getpid() else role(command)
        if "multiprocessing.spawn" in command:
            name = None  # its parent's, below
        seen[int(entry.name)] = (name, int(stat[1]), (int(stat[11]) + int(stat[12])) / tick)
    out: dict[int, tuple[str, float]] = {}
    for pid, (name, parent, used) in seen.items():
        if name is None and parent in seen:
            name = seen[parent][0]
        if name is not None:
            out[pid] = (name, used)
    return out


@dataclass
class CpuWatch:
    """CPU seconds per role between ``start()`` and ``stop()``."""

    before: dict[int, tuple[str, float]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        self.before = _snapshot()

    def stop(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for pid, (name, used) in _snapshot().items():
            spent = used - self.before.get(pid, (name, 0.0))[1]
            if spent > 0:
                totals[name] = totals.get(name, 0.0) + spent
        self.seconds = dict(sorted(totals.items(), key=lambda kv: -kv[1]))
        return self.seconds


def line(seconds: dict[str, float], top: int = 8) -> str:
    """``kafka 3.6, simulation-runner 2.1, …, total 10.1`` (CPU seconds)."""
    shown = ", ".join(f"{name} {spent:.2f}" for name, spent in list(seconds.items())[:top])
    return f"{shown}, total {sum(seconds.values()):.1f}"
