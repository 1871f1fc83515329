"""The engine embedded, with no services: ``riskstream recalc`` and ``riskstream simulate``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from engines.errors import ExcelError
from engines.limits import WorkbookLimits
from engines.sampling.parse import parse_distribution
from engines.service import WorkbookEngine, simulation_spec
from streams.plans import limits_for


def _plain(value: object) -> object:
    if isinstance(value, ExcelError):
        return value.code
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def plan_limits(plan: str) -> WorkbookLimits:
    """The limits the service would parse a workbook under for a tenant on ``plan``."""
    return WorkbookLimits.from_mapping(limits_for(plan).workbook_limits())


def recalc(path: Path, limits: WorkbookLimits) -> dict[str, object]:
    """Every formula cell of the workbook at ``path``, evaluated once; errors as their code."""
    from engines.recalc import recalc_workbook

    return {cell: _plain(v) for cell, v in recalc_workbook(path.read_bytes(), limits).items()}


def parse_input(text: str) -> tuple[str, dict[str, Any]]:
    """``'Sheet!B2=normal(100,10)'`` → (cell, spec)."""
    cell, sep, dist = text.partition("=")
    if not sep:
        raise ValueError(
            f"--input {text!r}: expected CELL=distribution(…), e.g. Model!B2=normal(100,10)")
    name, params = parse_distribution(dist)
    return cell.strip(), {"distribution": name, "params": params}


def simulate(path: Path, outputs: list[str], inputs: list[str], iterations: int,
             seed: int | None, sampling: str, backend: str, limits: WorkbookLimits
             ) -> dict[str, Any]:
    request = {
        "inputs": dict(parse_input(text) for text in inputs), "outputs": outputs,
        "iterations": iterations, "seed": seed, "sampling": sampling, "backend": backend,
    }
    return WorkbookEngine().simulate(path.read_bytes(), simulation_spec(request),
                                     lambda done, total: True, limits)


def format_results(outcome: dict[str, Any]) -> str:
    """A few lines per output: moments, range, P5/P50/P95 and the top sensitivity."""
    lines = [f"{outcome['iterations']} iterations in {outcome['compute_seconds']:.3f} s"
             f" (seed {outcome['seed']}, {outcome.get('backend', 'numpy')})"]
    for cell, stats in outcome["outputs"].items():
        pct = {p["p"]: p["value"] for p in stats.get("percentiles", [])}
        lines.append(
            f"{cell}: mean {stats['mean']:.6g}  std {stats['std']:.6g}  min {stats['min']:.6g}"
            f"  max {stats['max']:.6g}  P5 {pct.get(5.0, math.nan):.6g}"
            f"  P50 {pct.get(50.0, math.nan):.6g}  P95 {pct.get(95.0, math.nan):.6g}"
            f"  errors {stats.get('error_count', 0)}")
        drivers = outcome.get("sensitivity", {}).get(cell, {}).get("inputs", [])[:3]
        if drivers:
            lines.append("  drivers (Spearman): " + ", ".join(
                f"{d['input']} {d['spearman']:+.3f}" for d in drivers))
    lines.extend(f"warning: {w}" for w in outcome.get("warnings", []))
    return "\n".join(lines)


def dumps(value: object) -> str:
    return json.dumps(value, indent=2, default=_plain)
