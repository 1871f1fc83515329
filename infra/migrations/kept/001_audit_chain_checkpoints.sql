-- The kept set: tables outside every projection schema, holding what the log cannot give back.
-- A projection rebuild drops and recreates its schema (and that schema's record of the scripts
-- run in it); these scripts run once per database, recorded in kept.schema_migrations, so no
-- rebuild ever drops or re-runs them. Their tables are named with their schema.

-- Chain heads checkpointed outside the projection schema: a replay must never erase the evidence
-- a later `riskstream audit verify` checks against. Rows are only ever inserted; the log prefix
-- tells apart logs sharing one database.
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.chain_checkpoints (
    log_prefix text        NOT NULL,
    topic      text        NOT NULL,
    partition  integer     NOT NULL,
    position   bigint      NOT NULL,
    head       text        NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (log_prefix, topic, partition, position)
);
