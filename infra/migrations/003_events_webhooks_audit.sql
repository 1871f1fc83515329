-- Subscribers, webhooks and the audit trail. Every table in the projection schema is rebuilt
-- from the Kafka log by replay; audit.chain_checkpoints deliberately lives outside it (kept/).
-- Indexes, the view and row-level security are created only when missing (catalogue checks):
-- CREATE INDEX IF NOT EXISTS takes a share lock on its table even when the index exists, which
-- would queue behind (and block) the projector each time a process opens a pool.

-- Every event of the log, one row per Kafka message, written by the PostgreSQL projector in the
-- transaction that advances its checkpoint. `seq` is the order rows were applied in (it follows
-- each partition's offsets) and is the only column a replay may number differently; subscribers'
-- cursors are built from (topic, partition, kafka_offset), which never change.
CREATE TABLE IF NOT EXISTS event_log (
    seq            bigserial   NOT NULL UNIQUE,
    topic          text        NOT NULL,
    partition      integer     NOT NULL,
    kafka_offset   bigint      NOT NULL,
    position       bigint      NOT NULL,  -- the message's 1-based place in its partition
    tenant_id      text        NOT NULL,
    event_id       text        NOT NULL,
    type           text        NOT NULL,
    key            text        NOT NULL,
    subjects       text[]      NOT NULL,  -- aggregates the event concerns (key, ids in its body)
    occurred_at    timestamptz NOT NULL,
    correlation_id text        NOT NULL,
    causation_id   text        NOT NULL,
    envelope       jsonb       NOT NULL,
    chain_hash     text        NOT NULL,  -- sha256(previous chain_hash of the partition ‖ bytes)
    PRIMARY KEY (topic, partition, kafka_offset)
);

-- The head of each partition's hash chain as the projector last left it.
CREATE TABLE IF NOT EXISTS audit_chain_heads (
    topic     text    NOT NULL,
    partition integer NOT NULL,
    position  bigint  NOT NULL,
    head      text    NOT NULL,
    PRIMARY KEY (topic, partition)
);

CREATE TABLE IF NOT EXISTS webhook_endpoints (
    endpoint_id  text PRIMARY KEY,
    tenant_id    text        NOT NULL,
    url          text        NOT NULL,
    event_types  text[]      NOT NULL,
    description  text        NOT NULL,
    status       text        NOT NULL,  -- enabled | disabled | deleted
    reason       text,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    rotated_at   timestamptz
);

CREATE TABLE IF NOT EXISTS webhook_messages (
    message_id   text PRIMARY KEY,
    endpoint_id  text        NOT NULL,
    tenant_id    text        NOT NULL,
    event_id     text        NOT NULL,
    event_type   text        NOT NULL,
    aggregate    text        NOT NULL,
    payload      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL,
    status       text        NOT NULL,  -- pending | delivered | failing
    attempts     integer     NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS webhook_attempts (
    attempt_id       text PRIMARY KEY,
    tenant_id        text        NOT NULL,
    endpoint_id      text        NOT NULL,
    message_id       text        NOT NULL,
    attempt          integer     NOT NULL,
    attempted_at     timestamptz NOT NULL,
    status_code      integer,
    latency_ms       double precision NOT NULL,
    outcome          text        NOT NULL,  -- delivered | retrying | failed | disabled
    error            text,
    response_excerpt text,
    next_attempt_at  timestamptz
);

DO $$
DECLARE
    wanted text[][] := ARRAY[
        ['event_log_tenant_seq', 'event_log (tenant_id, seq)'],
        ['event_log_tenant_partition', 'event_log (tenant_id, topic, partition, kafka_offset)'],
        ['webhook_endpoints_tenant', 'webhook_endpoints (tenant_id)'],
        ['webhook_messages_endpoint', 'webhook_messages (endpoint_id, created_at)'],
        ['webhook_attempts_endpoint', 'webhook_attempts (endpoint_id, attempted_at)']
    ];
    t text;
    i int;
BEGIN
    FOR i IN 1 .. array_length(wanted, 1) LOOP
        IF to_regclass(format('%I.%I', current_schema(), wanted[i][1])) IS NULL THEN
            EXECUTE format('CREATE INDEX %I ON %s', wanted[i][1], wanted[i][2]);
        END IF;
    END LOOP;
    -- the rows without `seq`, for checksums that compare a replay with the live projection
    IF to_regclass(format('%I.event_log_rows', current_schema())) IS NULL THEN
        CREATE VIEW event_log_rows AS
        SELECT topic || '/' || partition || '/' || lpad(kafka_offset::text, 20, '0')
                   AS log_position,
               position, tenant_id, event_id, type, key, subjects, occurred_at, correlation_id,
               causation_id, envelope, chain_hash
        FROM event_log;
    END IF;
    -- tenant reads run as riskstream_reader (see 002): one tenant's rows whatever the query
    FOREACH t IN ARRAY ARRAY['event_log', 'webhook_endpoints', 'webhook_messages',
                             'webhook_attempts'] LOOP
        PERFORM enable_tenant_rls(t);
    END LOOP;
END $$;
