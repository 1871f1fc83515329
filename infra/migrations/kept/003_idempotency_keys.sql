-- The API's Idempotency-Key claims and the answers they keep (app/api/idempotency.py): a retry
-- after a rebuild must still get the first answer, not run the command again.
CREATE SCHEMA IF NOT EXISTS api;
CREATE TABLE IF NOT EXISTS api.idempotency_keys (
    tenant_id  text        NOT NULL,
    route      text        NOT NULL,
    key        text        NOT NULL,
    body_hash  text        NOT NULL,
    status     integer,
    response   jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    unsettled  boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, route, key)
);
-- databases whose table predates the column
ALTER TABLE api.idempotency_keys ADD COLUMN IF NOT EXISTS unsettled boolean NOT NULL
    DEFAULT false;
