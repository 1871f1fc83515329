-- RiskStream's PostgreSQL projections. Every row here is rebuilt from the Kafka log by replay.
-- Runs inside the projection's schema (search_path), so a replay can build a second copy.

CREATE TABLE IF NOT EXISTS projection_checkpoints (
    topic       text    NOT NULL,
    partition   integer NOT NULL,
    next_offset bigint  NOT NULL,
    PRIMARY KEY (topic, partition)
);

CREATE TABLE IF NOT EXISTS tenants (
    tenant_id   text PRIMARY KEY,
    name        text NOT NULL,
    plan        text NOT NULL,
    customer_id text,
    created_at  timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS api_keys (
    key_id     text PRIMARY KEY,
    tenant_id  text NOT NULL,
    key_hash   text NOT NULL UNIQUE,
    issued_at  timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE TABLE IF NOT EXISTS workbooks (
    workbook_id text PRIMARY KEY,
    tenant_id   text NOT NULL,
    filename    text,
    sha256      text,
    size_bytes  bigint,
    uri         text,
    status      text NOT NULL,
    summary     jsonb,
    reason      text,
    uploaded_at timestamptz,
    parsed_at   timestamptz
);
CREATE INDEX IF NOT EXISTS workbooks_tenant ON workbooks (tenant_id);

CREATE TABLE IF NOT EXISTS simulations (
    simulation_id   text PRIMARY KEY,
    tenant_id       text NOT NULL,
    workbook_id     text,
    status          text NOT NULL,
    status_rank     smallint NOT NULL,
    request         jsonb,
    iterations      bigint,
    iterations_done bigint NOT NULL DEFAULT 0,
    backend         text,
    requested_at    timestamptz,
    decided_at      timestamptz,
    started_at      timestamptz,
    finished_at     timestamptz,
    compute_seconds double precision,
    results         jsonb,
    reason          text,
    refusal         jsonb
);
CREATE INDEX IF NOT EXISTS simulations_tenant_status ON simulations (tenant_id, status);

CREATE TABLE IF NOT EXISTS usage_records (
    usage_event_id  text PRIMARY KEY,
    tenant_id       text NOT NULL,
    simulation_id   text NOT NULL,
    iterations      bigint NOT NULL,
    compute_seconds double precision NOT NULL,
    backend         text NOT NULL,
    recorded_at     timestamptz NOT NULL,
    reported_at     timestamptz,
    meter_event_ids jsonb
);
CREATE INDEX IF NOT EXISTS usage_tenant ON usage_records (tenant_id, recorded_at);
