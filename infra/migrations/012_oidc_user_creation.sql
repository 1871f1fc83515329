-- A tenant's OIDC provider may create the users it vouches for (just in time), with this role;
-- NULL: it signs in existing users only.
ALTER TABLE tenant_oidc ADD COLUMN IF NOT EXISTS create_users_as text;
