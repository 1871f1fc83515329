-- One encryption key per data subject (the sha256 of a lower-cased e-mail address): a replay
-- must find the keys that are left. Erasing a subject deletes its row; what was sealed with it
-- can never be read again.
CREATE SCHEMA IF NOT EXISTS privacy;
CREATE TABLE IF NOT EXISTS privacy.subject_keys (
    log_prefix text        NOT NULL,
    subject    text        NOT NULL,
    key        bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (log_prefix, subject)
);
