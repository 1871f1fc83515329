-- The API caches who a credential is (app/api/credential_cache.py). Any change to the rows that
-- answer it (a key revoked, a role changed, a user erased, a tenant's plan or status) tells
-- every API process at commit, on channel riskstream_credentials with the schema as payload,
-- and they forget what they cached. One notice per statement: a transaction's identical
-- notices are delivered once.
CREATE OR REPLACE FUNCTION notify_credential_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('riskstream_credentials', TG_TABLE_SCHEMA);
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER api_keys_changed AFTER UPDATE OR DELETE OR TRUNCATE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION notify_credential_change();
CREATE OR REPLACE TRIGGER users_changed AFTER UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_credential_change();
CREATE OR REPLACE TRIGGER tenants_changed AFTER UPDATE OR DELETE OR TRUNCATE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION notify_credential_change();
