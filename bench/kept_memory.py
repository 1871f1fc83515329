"""What a runner process keeps after simulating on a large workbook, measured in child
processes so that the benchmark itself does not count.

The workbook has a quarter of the formulas the default limits allow (200,000 would take 7 GB
at its peak, more than a shared machine should lend a benchmark), all of which the output
reads. Each child runs the simulation in a worker thread, as the runner does, then
reports its resident set: at rest (after a small run, with the code loaded), at its peak, and
once the run is over and its objects are freed. ``kept`` runs the engine's plain
``simulate``; ``given back`` runs it the way the service does (``WorkbookEngine.simulate``,
which returns freed memory once idle).

Run as ``python -m bench.kept_memory``.
"""

from __future__ import annotations

import gc
import io
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.engine_cases import EXAMPLE, ROOT

FORMULAS = 50_000
GOAL_KEPT = 0.10
"""What a runner may keep once idle, as a share of what the run took above its resting size."""
MODES = ("kept", "given back")


def workbook(formulas: int) -> bytes:
    """``formulas`` formulas: Model!Bn = $D$1 * An, and C1 the sum of the Bs; D1 is the
    input."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Model")
    rows = formulas - 1
    for row in range(1, rows + 1):
        extra = [f"=SUM(B1:B{rows})", 1.5] if row == 1 else []
        sheet.append([row, f"=$D$1*A{row}", *extra])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rss_mib(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(path: str, mode: str) -> dict[str, Any]:
    from engines.service import WorkbookEngine, simulate, simulation_spec

    data = Path(path).read_bytes()
    request = simulation_spec({
        "inputs": {"Model!D1": {"distribution": "normal", "params": [1.5, 0.1]}},
        "outputs": ["Model!C1"], "iterations": 1_000, "seed": 1})
    run = WorkbookEngine().simulate if mode == "given back" else simulate
    with ThreadPoolExecutor(1) as pool:
        # a small run first: the resting size is that of a runner that has run (code loaded)
        pool.submit(run, EXAMPLE.read_bytes(), simulation_spec({
            "inputs": {"Model!B2": {"distribution": "normal", "params": [10_000, 1_500]}},
            "outputs": ["Model!B17"], "iterations": 1_000, "seed": 1}),
            lambda done, total: True).result()
        gc.collect()
        before = _rss_mib()
        pool.submit(run, data, request, lambda done, total: True).result()
    gc.collect()
    return {"mode": mode, "before_mib": before, "peak_mib": _rss_mib("VmHWM"),
            "after_mib": _rss_mib(), "kept_mib": _rss_mib() - before}


def run(formulas: int = FORMULAS) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as book:
        book.write(workbook(formulas))
        book.flush()
        results = [json.loads(subprocess.run(
            [sys.executable, "-m", "bench.kept_memory", book.name, mode], cwd=ROOT,
            capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
            for mode in MODES]
    return {"formulas": formulas, "runs": results}


def table(result: dict[str, Any]) -> str:
    lines = [f"memory a runner keeps after a run on a {result['formulas']:,}-formula workbook"
             f" (goal: ≤ {GOAL_KEPT:.0%} of what the run took):"]
    for r in result["runs"]:
        took = r["peak_mib"] - r["before_mib"]
        lines.append(f"  {r['mode']}: {r['kept_mib']:.0f} MiB kept of {took:.0f} MiB taken"
                     f" = {r['kept_mib'] / took:.0%} (resting {r['before_mib']:.0f} MiB,"
                     f" after {r['after_mib']:.0f} MiB)")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps(child(sys.argv[1], sys.argv[2])))
    else:
        print(table(run()))
