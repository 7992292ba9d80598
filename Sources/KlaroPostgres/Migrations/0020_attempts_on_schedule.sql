-- Issue 16: what every attempt changes lives on the narrow schedule row (docs/fleet.md).
--
-- Each completion rewrote the wide accounts row (~1 KB with the sealed password, names, the
-- outcome…): a new version of the whole row and an entry in its unique key, and after each
-- checkpoint an image of its page. A lost job or a retried failure changes nothing the trader
-- sees there but the time of the attempt and the failure count. Those two move to the schedule
-- row, which every completion writes anyway; JobCompletionWrites writes (and locks) the wide
-- row only when something it holds changes: outcome, error, status, last success, history
-- cursor. The columns are dropped from the wide row, so no reader can find a stale copy there.
ALTER TABLE account_schedule
    ADD COLUMN last_synced timestamptz,                          -- last finished sync, any outcome
    ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0;  -- failed attempts since the last success

UPDATE account_schedule s SET last_synced = a.last_synced, consecutive_failures = a.consecutive_failures
FROM user_mt5_accounts a
WHERE a.id = s.account_id AND (a.last_synced IS NOT NULL OR a.consecutive_failures <> 0);

ALTER TABLE user_mt5_accounts DROP COLUMN last_synced, DROP COLUMN consecutive_failures;

-- MARK: Row level security (0010): Supabase's authenticated role reads the two columns of its own
-- accounts' schedule rows, under the schedule's ownership policy, instead of the wide row's.

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
                         || 'disabled_reason, created_at, updated_at, last_success_at, last_outcome, last_error_code, '
                         || 'last_error_message';
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
    -- Of the schedule, what the account views show: the next sync, the account's class, and
    -- (0020) the last attempt and the failures since the last success.
    GRANT SELECT (account_id, next_sync_at, sync_class, last_synced, consecutive_failures) ON account_schedule TO authenticated;

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
