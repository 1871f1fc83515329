-- Which user holds each e-mail address of a log, by data subject (the sha256 of the lower-cased
-- address: no address in clear). The command that creates a user claims its address before
-- the event is appended, so two users never get one address whatever the views have caught up
-- with; an erasure gives the address back. A log's first start adopts the users its views held
-- before claims existed (email_claims_adopted records that it did).
CREATE SCHEMA IF NOT EXISTS accounts;
CREATE TABLE IF NOT EXISTS accounts.email_claims (
    log_prefix text        NOT NULL,
    subject    text        NOT NULL,
    tenant_id  text        NOT NULL,
    user_id    text        NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (log_prefix, subject)
);
CREATE TABLE IF NOT EXISTS accounts.email_claims_adopted (
    log_prefix text        PRIMARY KEY,
    adopted_at timestamptz NOT NULL DEFAULT now()
);
