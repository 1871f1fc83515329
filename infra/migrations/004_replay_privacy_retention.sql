-- Cold-archive replay, erasure of personal data and retention per plan.
-- Like 003, every DDL statement is guarded by a catalogue check, so a no-op run takes no locks.

DO $$
DECLARE
    wanted text[][] := ARRAY[
        -- the message bytes as stored in Kafka: the archive keeps them so that a replay can read
        -- what retention dropped from the log, byte for byte (the chain hashes these bytes)
        ['event_log', 'message', 'bytea'],
        -- when the tenant's retention removed the simulation's results (simulation.results_expired)
        ['simulations', 'results_expired_at', 'timestamptz']
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
    -- erased users all read "[erased]": the e-mail stays unique among the others only
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'users_email_key'
               AND connamespace = current_schema()::regnamespace) THEN
        ALTER TABLE users DROP CONSTRAINT users_email_key;
    END IF;
    IF to_regclass(format('%I.users_email_live', current_schema())) IS NULL THEN
        CREATE UNIQUE INDEX users_email_live ON users (email) WHERE email <> '[erased]';
    END IF;
END $$;
