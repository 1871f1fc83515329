"""Peak memory of a 10^7-trial run of the example model, measured in a child process so that
what the benchmark itself holds does not count.

Run as ``python -m bench.engine_memory TRIALS``: prints one JSON line with the child's peak
resident set (VmHWM) and the run's seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.engine_cases import EXAMPLE_OUTPUTS, ROOT, example_case
from engines.simulation import SimulationSpec, run_simulation

TRIALS = 10_000_000


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def peak_memory(trials: int = TRIALS) -> dict[str, Any]:
    """Run ``trials`` trials in a fresh interpreter; its peak memory (MiB) and seconds."""
    child = subprocess.run([sys.executable, "-m", "bench.engine_memory", str(trials)],
                           cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def main(trials: int) -> None:
    case = example_case()
    # The default chunk size: memory is meant to stay bounded by it whatever the run size.
    spec = SimulationSpec(case.inputs, EXAMPLE_OUTPUTS, trials, seed=11)
    before = _peak_mib()
    started = time.perf_counter()
    outcome = run_simulation(case.model, spec)
    seconds = time.perf_counter() - started
    print(json.dumps({"trials": outcome.iterations, "chunk_size": spec.chunk_size,
                      "seconds": seconds, "peak_mib": _peak_mib(),
                      "peak_mib_before_run": before}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else TRIALS)
