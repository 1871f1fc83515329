-- Where each tenant's views live (projections/placement.py): absent or 'shared' is this
-- database; a DSN (without its password) is a database of the tenant's own. `moving` while
-- that database catches up from the log (reads stay here), `switching` while it takes the
-- last events (this copy no longer changes), `placed` once reads switched, `released` once
-- the previous database dropped its copy.
CREATE TABLE IF NOT EXISTS tenant_placements (
    tenant_id text PRIMARY KEY,
    database text NOT NULL,
    state text NOT NULL CHECK (state IN ('moving', 'switching', 'placed', 'released')),
    previous text NOT NULL,
    changed_at timestamptz NOT NULL
);
SELECT enable_tenant_rls('tenant_placements');
