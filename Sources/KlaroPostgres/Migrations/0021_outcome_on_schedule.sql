-- Issue 16: a lost or failed job never rewrites the wide accounts row (docs/fleet.md).
--
-- 0020 moved what every attempt changes (last_synced, consecutive_failures) to the schedule row,
-- but the wide row still held the last outcome and error: every first loss after a success (in
-- the soak, every lost job) and every new error rewrote the ~1 KB row. The outcome and error
-- move to the schedule row too; JobCompletionWrites writes the wide row only for a success
-- (last success, history cursor) or a park (status). Dropped from the wide row, so no reader
-- finds a stale copy there.
ALTER TABLE account_schedule
    ADD COLUMN last_outcome text,           -- outcome of the last finished sync
    ADD COLUMN last_error_code integer,     -- MT5's last_error() code of the last failure (NULL after a success)
    ADD COLUMN last_error_message text;     -- its message, or klarod's own reason

UPDATE account_schedule s
SET last_outcome = a.last_outcome, last_error_code = a.last_error_code, last_error_message = a.last_error_message
FROM user_mt5_accounts a
WHERE a.id = s.account_id AND (a.last_outcome IS NOT NULL OR a.last_error_code IS NOT NULL OR a.last_error_message IS NOT NULL);

ALTER TABLE user_mt5_accounts DROP COLUMN last_outcome, DROP COLUMN last_error_code, DROP COLUMN last_error_message;

-- MARK: Row level security (0010, 0020): Supabase's authenticated role reads the three columns of
-- its own accounts' schedule rows, under the schedule's ownership policy, instead of the wide row's.

CREATE OR REPLACE FUNCTION klaro_apply_row_level_security() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    reader      text;
    tbl         text;
    part        text;
    -- Tables of one user's data, and how a row finds its user.
    own_tables  text[] := ARRAY['users', 'subscriptions', 'user_mt5_accounts'];
    own_column  text[] := ARRAY['id', 'user_id', 'user_id'];
    by_account  text[] := ARRAY['account_snapshots', 'account_snapshot_days', 'positions', 'deals', 'trades'];
    -- Operator and internal tables: not readable by anon or authenticated at all.
    closed      text[] := ARRAY['worker_hosts', 'terminal_slots', 'sync_runs', 'admin_audit', 'stripe_events',
                                'identity_users', 'identity_sessions', 'identity_refresh_tokens', 'schema_migrations',
                                'account_status_counts'];
    -- What the React app may read of an account: everything but the password and klarod's internals.
    account_columns text := 'id, user_id, mt5_login, mt5_server, account_name, account_category, is_active, status, '
                         || 'disabled_reason, created_at, updated_at, last_success_at';
BEGIN
    IF to_regprocedure('auth.uid()') IS NULL
       OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon')
       OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        RETURN false;
    END IF;

    -- No write for anyone but klarod; reads only as granted below.
    FOREACH reader IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', reader);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', reader);
        EXECUTE format('REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM %I', reader);
        -- Tables klarod creates later (partitions) are not granted to the API roles either.
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM %I', reader);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM %I', reader);
    END LOOP;
    REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

    FOR i IN 1 .. array_length(own_tables, 1) LOOP
        tbl := own_tables[i];
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tbl);
        EXECUTE format('DROP POLICY IF EXISTS klaro_own_rows ON %I', tbl);
        EXECUTE format('CREATE POLICY klaro_own_rows ON %I FOR SELECT TO authenticated USING (%I = auth.uid())',
                       tbl, own_column[i]);
    END LOOP;
    GRANT SELECT (id, email, created_at) ON users TO authenticated;
    GRANT SELECT (user_id, status, plan, current_period_end, created_at, updated_at) ON subscriptions TO authenticated;
    EXECUTE format('GRANT SELECT (%s) ON user_mt5_accounts TO authenticated', account_columns);

    FOREACH tbl IN ARRAY by_account || ARRAY['account_schedule'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tbl);
        EXECUTE format('DROP POLICY IF EXISTS klaro_own_rows ON %I', tbl);
        EXECUTE format('CREATE POLICY klaro_own_rows ON %I FOR SELECT TO authenticated USING '
                       '(account_id IN (SELECT a.id FROM user_mt5_accounts a WHERE a.user_id = auth.uid()))', tbl);
    END LOOP;
    FOREACH tbl IN ARRAY by_account LOOP
        EXECUTE format('GRANT SELECT ON %I TO authenticated', tbl);
    END LOOP;
    -- Of the schedule, what the account views show: the next sync, the account's class, (0020)
    -- the last attempt and the failures since the last success, and (0021) the last outcome and error.
    GRANT SELECT (account_id, next_sync_at, sync_class, last_synced, consecutive_failures, last_outcome, last_error_code,
                  last_error_message) ON account_schedule TO authenticated;

    FOREACH tbl IN ARRAY closed LOOP
        IF to_regclass(tbl) IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tbl);
        END IF;
    END LOOP;

    -- Partitions are checked against their parent's policies only when read through it;
    -- read directly they would have none. RLS without a policy on each closes them.
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname IN ('sync_runs', 'account_snapshots')
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', part);
    END LOOP;

    -- The plan view reads as its caller, so RLS on users and subscriptions applies to it.
    ALTER VIEW user_plans SET (security_invoker = true);
    GRANT SELECT ON user_plans TO authenticated;
    GRANT EXECUTE ON FUNCTION klaro_user_plan(uuid) TO authenticated;
    RETURN true;
END $$;

SELECT klaro_apply_row_level_security();
