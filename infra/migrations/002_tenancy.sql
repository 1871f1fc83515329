-- Tenancy: users and invitations, roles on API keys, plans with overrides, billing state, the security audit,
-- and row-level security on every tenant table. Rebuilt from the log by replay like 001.
-- DDL is guarded by catalogue checks: this script runs whenever a process opens a pool, and
-- a no-op run must take no table locks while the projector writes.

DO $$
DECLARE
    wanted text[][] := ARRAY[
        ['tenants', 'overrides', 'jsonb NOT NULL DEFAULT ''{}''::jsonb'],
        ['tenants', 'status', 'text NOT NULL DEFAULT ''active'''],
        ['tenants', 'subscription_id', 'text'],
        ['api_keys', 'name', 'text NOT NULL DEFAULT '''''],
        ['api_keys', 'role', 'text NOT NULL DEFAULT ''admin'''],
        ['api_keys', 'created_by', 'text']
    ];
    i int;
BEGIN
    FOR i IN 1 .. array_length(wanted, 1) LOOP
        IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                       WHERE table_schema = current_schema() AND table_name = wanted[i][1]
                         AND column_name = wanted[i][2]) THEN
            EXECUTE format('ALTER TABLE %I ADD COLUMN %I %s',
                           wanted[i][1], wanted[i][2], wanted[i][3]);
        END IF;
    END LOOP;
END $$;

CREATE TABLE IF NOT EXISTS users (
    user_id         text PRIMARY KEY,
    tenant_id       text NOT NULL,
    email           text NOT NULL UNIQUE,
    name            text NOT NULL,
    role            text NOT NULL,
    password_hash   text NOT NULL,
    created_at      timestamptz NOT NULL,
    role_changed_at timestamptz
);
CREATE INDEX IF NOT EXISTS users_tenant ON users (tenant_id);

CREATE TABLE IF NOT EXISTS invitations (
    invitation_id text PRIMARY KEY,
    tenant_id     text NOT NULL,
    email         text NOT NULL,
    role          text NOT NULL,
    token_hash    text NOT NULL UNIQUE,
    invited_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    accepted_at   timestamptz,
    user_id       text
);
CREATE INDEX IF NOT EXISTS invitations_tenant ON invitations (tenant_id);

CREATE TABLE IF NOT EXISTS security_audit (
    event_id    text PRIMARY KEY,
    tenant_id   text NOT NULL,
    action      text NOT NULL,
    severity    text NOT NULL,
    actor       text,
    ip          text,
    user_agent  text,
    method      text,
    path        text,
    detail      jsonb NOT NULL,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS security_audit_tenant ON security_audit (tenant_id, occurred_at);

CREATE TABLE IF NOT EXISTS invoices (
    invoice_id      text PRIMARY KEY,
    tenant_id       text NOT NULL,
    status          text NOT NULL,
    amount_cents    bigint NOT NULL,
    currency        text NOT NULL,
    period_start    timestamptz,
    period_end      timestamptz,
    stripe_event_id text NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS invoices_tenant ON invoices (tenant_id);

-- The API reads tenant data as riskstream_reader, a role that owns nothing, with the tenant set
-- per transaction (SET LOCAL app.tenant_id): a query missing its WHERE still sees one tenant.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'riskstream_reader') THEN
        CREATE ROLE riskstream_reader NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- another schema's migration created it at the same moment
END $$;

DO $$
DECLARE
    t text;
BEGIN
    IF NOT pg_has_role(current_user, 'riskstream_reader', 'MEMBER') THEN
        EXECUTE format('GRANT riskstream_reader TO %I', current_user);
    END IF;
    IF NOT has_schema_privilege('riskstream_reader', current_schema(), 'USAGE') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO riskstream_reader', current_schema());
    END IF;
    FOREACH t IN ARRAY ARRAY['tenants', 'api_keys', 'users', 'invitations', 'workbooks',
                             'simulations', 'usage_records', 'security_audit', 'invoices'] LOOP
        PERFORM enable_tenant_rls(t);
    END LOOP;
END $$;
