"""The tenant's simulations, newest request first, a page at a time (see projections.pages)."""

from __future__ import annotations

from projections.pages import Keyset

LISTED = ("simulation_id", "workbook_id", "status", "iterations", "iterations_done", "backend",
          "requested_at", "finished_at", "compute_seconds", "reason")
SIMULATIONS = Keyset("simulation", "s1.", "simulations", "requested_at", "simulation_id", LISTED,
                     """
SELECT simulation_id, workbook_id, status, iterations, iterations_done, backend, requested_at,
       finished_at, compute_seconds, reason
FROM simulations
WHERE tenant_id=$1 AND ($2::text IS NULL OR status=$2)
  AND ($3::timestamptz IS NULL OR (requested_at, simulation_id) < ($3, $4))
ORDER BY requested_at DESC NULLS LAST, simulation_id DESC
LIMIT $5
""")
