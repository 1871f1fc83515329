"""``python -m bench [spine|simulations|engine|api|webhooks|scaleout|restore|workbench ...]``:
runs the benchmarks, prints a table per part and writes bench-results/latest.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "bench-results"


def main(parts: list[str]) -> int:
    from bench import scratch

    try:
        return _run(parts)
    finally:
        scratch.remove()  # every part's topics, schema and database


def _run(parts: list[str]) -> int:
    results: dict[str, Any] = {}
    if "spine" in parts:
        from bench import spine

        results["spine"] = spine.run()
        lat, proj = results["spine"]["latency"], results["spine"]["projection"]
        print(f"command → simulation.completed, {lat['iterations']} iterations, {lat['runs']}"
              f" runs: p50 {lat['p50_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms")
        print(f"PostgreSQL projection replay: {proj['events_per_second']:,.0f} events/s"
              f" ({proj['events']} events in {proj['seconds']:.2f} s; goal ≥ 10,000)")
        print(f"PostgreSQL projection live: {proj['live_events_per_second']:,.0f} events/s"
              f" (appended while it follows, {proj['live_seconds']:.2f} s; goal ≥ 10,000)")
    if "simulations" in parts:
        from bench import kept_memory, simulations

        results["simulations"] = {**simulations.run(), "memory": kept_memory.run()}
        print(simulations.table(results["simulations"]))
        print(kept_memory.table(results["simulations"]["memory"]))
    if "engine" in parts:
        from bench import engine

        results["engine"] = engine.run()
        print(engine.table(results["engine"]))
    if "api" in parts:
        from bench import api

        results["api"] = api.run()
        print(api.table(results["api"]))
    if "webhooks" in parts:
        from bench import webhooks

        results["webhooks"] = webhooks.run()
        print(webhooks.table(results["webhooks"]))
    if "scaleout" in parts:
        from bench import scaleout

        results["scaleout"] = scaleout.run()
        print(scaleout.table(results["scaleout"]))
    if "restore" in parts:
        from bench import restore

        results["restore"] = restore.run()
        print(restore.table(results["restore"]))
    if "workbench" in parts:
        from bench import workbench

        results["workbench"] = workbench.run()
        print(workbench.table(results["workbench"]))
    OUT.mkdir(exist_ok=True)
    (OUT / "latest.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["spine", "simulations", "engine", "api", "webhooks",
                                         "scaleout", "restore", "workbench"]))
