-- Functions the later migrations share. Each migration runs in the projection's own schema
-- (its search_path), so these are created there too.

-- Tenant reads run as riskstream_reader (created in 002): on table T it sees one tenant's rows,
-- the tenant named by the transaction's app.tenant_id, whatever the query. Idempotent.
CREATE OR REPLACE FUNCTION enable_tenant_rls(t text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT has_table_privilege('riskstream_reader', format('%I.%I', current_schema(), t),
                               'SELECT') THEN
        EXECUTE format('GRANT SELECT ON %I TO riskstream_reader', t);
    END IF;
    IF NOT (SELECT relrowsecurity FROM pg_class
            WHERE oid = format('%I.%I', current_schema(), t)::regclass) THEN
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = current_schema()
                   AND tablename = t AND policyname = 'tenant_isolation') THEN
        EXECUTE format('CREATE POLICY tenant_isolation ON %I FOR SELECT TO riskstream_reader'
                       ' USING (tenant_id = current_setting(''app.tenant_id'', true))', t);
    END IF;
END $$;
