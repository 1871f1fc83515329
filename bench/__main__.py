"""``python -m bench [spine|engine|api|webhooks|scaleout|restore ...]``: runs the benchmarks,
prints a table per part and writes bench-results/latest.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "bench-results"


def main(parts: list[str]) -> int:
    results: dict[str, Any] = {}
    if "spine" in parts:
        from bench import spine

        results["spine"] = spine.run()
        lat, proj = results["spine"]["latency"], results["spine"]["projection"]
        print(f"command → simulation.completed, {lat['iterations']} iterations, {lat['runs']}"
              f" runs: p50 {lat['p50_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms")
        print(f"PostgreSQL projection: {proj['events']} events in {proj['seconds']:.2f} s ="
              f" {proj['events_per_second']:.0f} events/s")
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
    OUT.mkdir(exist_ok=True)
    (OUT / "latest.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["spine", "engine", "api", "webhooks",
                                         "scaleout", "restore"]))
