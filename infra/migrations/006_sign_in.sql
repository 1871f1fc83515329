-- Sign-in: API key scopes, refresh-token families, TOTP second factors and recovery codes, and
-- tenants' OIDC providers. Rebuilt from the log by replay like 001; DDL guarded as in 002.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = 'api_keys'
                     AND column_name = 'scopes') THEN
        -- keys issued before scopes existed keep full access
        ALTER TABLE api_keys ADD COLUMN scopes text[] NOT NULL
            DEFAULT ARRAY['read', 'simulate', 'admin', 'billing'];
    END IF;
END $$;

CREATE TABLE IF NOT EXISTS sign_in_sessions (
    family_id      text PRIMARY KEY,
    tenant_id      text NOT NULL,
    user_id        text NOT NULL,
    method         text NOT NULL,
    started_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoked_reason text
);
CREATE INDEX IF NOT EXISTS sign_in_sessions_tenant ON sign_in_sessions (tenant_id);

CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_id   text PRIMARY KEY,
    tenant_id  text NOT NULL,
    family_id  text NOT NULL,
    user_id    text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz
);
CREATE INDEX IF NOT EXISTS refresh_tokens_tenant ON refresh_tokens (tenant_id);

CREATE TABLE IF NOT EXISTS user_mfa (
    user_id     text PRIMARY KEY,
    tenant_id   text NOT NULL,
    totp_secret text NOT NULL,
    enrolled_at timestamptz NOT NULL,
    enabled_at  timestamptz
);
CREATE INDEX IF NOT EXISTS user_mfa_tenant ON user_mfa (tenant_id);

CREATE TABLE IF NOT EXISTS recovery_codes (
    code_hash text PRIMARY KEY,
    tenant_id text NOT NULL,
    user_id   text NOT NULL,
    used_at   timestamptz
);
CREATE INDEX IF NOT EXISTS recovery_codes_user ON recovery_codes (user_id);

CREATE TABLE IF NOT EXISTS tenant_oidc (
    tenant_id     text PRIMARY KEY,
    issuer        text NOT NULL,
    client_id     text NOT NULL,
    configured_at timestamptz NOT NULL
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sign_in_sessions', 'refresh_tokens', 'user_mfa', 'recovery_codes',
                             'tenant_oidc'] LOOP
        PERFORM enable_tenant_rls(t);
    END LOOP;
END $$;
