-- Parked messages: every processing.failed, and the PostgreSQL projector's own failures, which it
-- writes here in the same transaction as its checkpoint. One row per processor and position.
CREATE TABLE IF NOT EXISTS dead_letters (
    processor     text NOT NULL,
    topic         text NOT NULL,
    partition     integer NOT NULL,
    kafka_offset  bigint NOT NULL,
    failure_id    text NOT NULL UNIQUE,
    event_id      text NOT NULL DEFAULT '',
    event_type    text NOT NULL DEFAULT '',
    tenant_id     text NOT NULL DEFAULT '',
    error         text NOT NULL,
    size_bytes    integer NOT NULL DEFAULT 0,
    message       bytea,
    failures      integer NOT NULL DEFAULT 1,
    failed_at     timestamptz NOT NULL,
    retried_at    timestamptz,
    retried_by    text,
    PRIMARY KEY (processor, topic, partition, kafka_offset)
);
