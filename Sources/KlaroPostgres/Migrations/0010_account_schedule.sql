-- The scheduler's hot columns in a narrow table of their own (issue 13, docs/fleet.md).
--
-- Every dispatch and every completion rewrote the wide accounts row (password, names, sync
-- outcome…) and its indexes. Here each account has one narrow `account_schedule` row: the
-- next sync, the job in flight, fence, attempt and anchor, the account's sync class and
-- moving averages. Dispatch filters on placement and status too; rather than join the wide
-- row, those few columns are mirrored here by triggers on user_mt5_accounts, so the dispatch
-- statement finds, locks and rewrites narrow rows only (it reads the wide row of the accounts
-- it picked, by primary key, for the credentials). AccountPlacer and the API keep writing
-- user_mt5_accounts; the triggers keep the mirror in step within the same transaction.
-- The schedule row is created by a trigger too, so every way an account is made (API, import,
-- tests, benchmarks) gets exactly one.

CREATE TABLE account_schedule (
    account_id           uuid PRIMARY KEY REFERENCES user_mt5_accounts (id) ON DELETE CASCADE,
    -- Mirrored from user_mt5_accounts (triggers below); never written directly.
    status               text NOT NULL,
    is_active            boolean NOT NULL,
    assigned_host        text,
    assigned_slot        integer,
    created_at           timestamptz NOT NULL,
    -- When the last successful sync finished (also on the wide row, which the API reads).
    last_success_at      timestamptz,

    next_sync_at         timestamptz NOT NULL DEFAULT now(),
    interval_anchor      timestamptz,          -- the scheduled time of the current interval
    attempt              integer NOT NULL DEFAULT 0,   -- attempts made in the current interval
    fence                bigint NOT NULL DEFAULT 0,    -- dispatch counter, echoed by results
    inflight_job_id      uuid,
    inflight_enqueued_at timestamptz,
    inflight_deadline    timestamptz,
    inflight_host        text,
    inflight_slot        integer,

    -- KlaroCore.SyncClass of the last successful sync; the sync policy reads it.
    sync_class           text NOT NULL DEFAULT 'quiet' CHECK (sync_class IN ('moving', 'quiet', 'dormant')),
    -- Exponential moving average of login + fetch time (KlaroCore.SyncTimeAverage).
    avg_sync_ms          integer,
    -- Newest deal seen (broker time read as UTC, like history_cursor).
    last_deal_at         timestamptz,

    CHECK ((inflight_job_id IS NULL) = (inflight_enqueued_at IS NULL))
);

INSERT INTO account_schedule
    (account_id, status, is_active, assigned_host, assigned_slot, created_at, last_success_at, next_sync_at,
     interval_anchor, attempt, fence, inflight_job_id, inflight_enqueued_at, inflight_deadline, inflight_host,
     inflight_slot, last_deal_at)
SELECT id, status, is_active, assigned_host, assigned_slot, created_at, last_success_at, next_sync_at,
       interval_anchor, attempt, fence, inflight_job_id, inflight_enqueued_at, inflight_deadline, inflight_host,
       inflight_slot, to_timestamp(history_cursor)
FROM user_mt5_accounts;

-- The due accounts of a slot, oldest first (the dispatch statement).
CREATE INDEX account_schedule_due ON account_schedule (assigned_host, assigned_slot, next_sync_at)
    WHERE status = 'active' AND is_active AND inflight_job_id IS NULL;
-- Jobs in flight per slot (queue room), and the rescuer's sweeps over the few rows in flight.
CREATE INDEX account_schedule_inflight ON account_schedule (inflight_host, inflight_slot)
    WHERE inflight_job_id IS NOT NULL;
-- The status gauges (StatusReporter) without reading every row: freshness of active accounts,
-- and the few that never synced or have no slot. Partial indexes cost a write only for the
-- rows they hold.
CREATE INDEX account_schedule_fresh ON account_schedule (last_success_at)
    WHERE status = 'active' AND is_active AND last_success_at IS NOT NULL;
CREATE INDEX account_schedule_never_synced ON account_schedule (created_at)
    WHERE status = 'active' AND is_active AND last_success_at IS NULL;
CREATE INDEX account_schedule_unplaced ON account_schedule (account_id)
    WHERE status = 'active' AND is_active AND assigned_host IS NULL;

-- Accounts per (status, is_active), kept by a trigger on account_schedule: the gauges and
-- /admin/status read a handful of rows instead of counting the fleet every 5 s. Status changes
-- are rare (create, pause, park, delete), so the counter rows see little contention.
CREATE TABLE account_status_counts (
    status    text NOT NULL,
    is_active boolean NOT NULL,
    accounts  bigint NOT NULL,
    PRIMARY KEY (status, is_active)
);
INSERT INTO account_status_counts SELECT status, is_active, count(*) FROM account_schedule GROUP BY 1, 2;

CREATE FUNCTION klaro_count_statuses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO account_status_counts AS c (status, is_active, accounts)
        SELECT status, is_active, -count(*) FROM old_rows GROUP BY 1, 2
        ON CONFLICT (status, is_active) DO UPDATE SET accounts = c.accounts + excluded.accounts;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO account_status_counts AS c (status, is_active, accounts)
        SELECT status, is_active, count(*) FROM new_rows GROUP BY 1, 2
        ON CONFLICT (status, is_active) DO UPDATE SET accounts = c.accounts + excluded.accounts;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER account_schedule_count_insert AFTER INSERT ON account_schedule
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION klaro_count_statuses();
CREATE TRIGGER account_schedule_count_delete AFTER DELETE ON account_schedule
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION klaro_count_statuses();
-- Row level, so that the many updates that leave the status alone (every dispatch and
-- completion) do not run it.
CREATE FUNCTION klaro_count_status_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE account_status_counts SET accounts = accounts - 1 WHERE status = OLD.status AND is_active = OLD.is_active;
    INSERT INTO account_status_counts AS c (status, is_active, accounts) VALUES (NEW.status, NEW.is_active, 1)
    ON CONFLICT (status, is_active) DO UPDATE SET accounts = c.accounts + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER account_schedule_count_update AFTER UPDATE OF status, is_active ON account_schedule
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.is_active IS DISTINCT FROM NEW.is_active)
    EXECUTE FUNCTION klaro_count_status_change();

-- MARK: The mirror

CREATE FUNCTION klaro_schedule_new_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_schedule (account_id, status, is_active, assigned_host, assigned_slot, created_at, last_success_at)
    SELECT id, status, is_active, assigned_host, assigned_slot, created_at, last_success_at FROM new_rows;
    RETURN NULL;
END $$;
CREATE TRIGGER user_mt5_accounts_schedule AFTER INSERT ON user_mt5_accounts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION klaro_schedule_new_accounts();

CREATE FUNCTION klaro_mirror_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE account_schedule
    SET status = NEW.status, is_active = NEW.is_active, assigned_host = NEW.assigned_host,
        assigned_slot = NEW.assigned_slot, last_success_at = NEW.last_success_at, created_at = NEW.created_at
    WHERE account_id = NEW.id
      -- A statement that already wrote the schedule row (a completion) costs no second version.
      AND (status, is_active, assigned_host, assigned_slot, last_success_at, created_at)
          IS DISTINCT FROM (NEW.status, NEW.is_active, NEW.assigned_host, NEW.assigned_slot, NEW.last_success_at,
                            NEW.created_at);
    RETURN NULL;
END $$;
CREATE TRIGGER user_mt5_accounts_mirror AFTER UPDATE ON user_mt5_accounts FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.is_active IS DISTINCT FROM NEW.is_active
          OR OLD.assigned_host IS DISTINCT FROM NEW.assigned_host OR OLD.assigned_slot IS DISTINCT FROM NEW.assigned_slot
          OR OLD.last_success_at IS DISTINCT FROM NEW.last_success_at OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION klaro_mirror_account();

-- The columns move: the wide row loses them and their two indexes.
ALTER TABLE user_mt5_accounts
    DROP COLUMN next_sync_at, DROP COLUMN interval_anchor, DROP COLUMN attempt, DROP COLUMN fence,
    DROP COLUMN inflight_job_id, DROP COLUMN inflight_enqueued_at, DROP COLUMN inflight_deadline,
    DROP COLUMN inflight_host, DROP COLUMN inflight_slot;

-- MARK: Plans (0002) re-enable accounts "due now": the next sync is the schedule's.

CREATE OR REPLACE FUNCTION klaro_apply_plan(uid uuid) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    max_accounts integer := klaro_max_accounts(uid);
    changed      integer := 0;
    n            integer;
BEGIN
    WITH ranked AS (
        SELECT id, row_number() OVER (ORDER BY created_at, id) AS rank
        FROM user_mt5_accounts
        WHERE user_id = uid AND NOT (status = 'disabled' AND disabled_reason IS DISTINCT FROM 'plan')
    )
    UPDATE user_mt5_accounts a
    SET status = 'disabled', disabled_reason = 'plan', updated_at = now()
    FROM ranked r
    WHERE a.id = r.id AND max_accounts IS NOT NULL AND r.rank > max_accounts AND a.status <> 'disabled';
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;

    WITH ranked AS (
        SELECT id, row_number() OVER (ORDER BY created_at, id) AS rank
        FROM user_mt5_accounts
        WHERE user_id = uid AND NOT (status = 'disabled' AND disabled_reason IS DISTINCT FROM 'plan')
    ),
    enabled AS (
        UPDATE user_mt5_accounts a
        SET status = 'active', disabled_reason = NULL, updated_at = now()
        FROM ranked r
        WHERE a.id = r.id AND a.status = 'disabled' AND a.disabled_reason = 'plan'
          AND (max_accounts IS NULL OR r.rank <= max_accounts)
        RETURNING a.id
    )
    UPDATE account_schedule s SET next_sync_at = now() FROM enabled e WHERE s.account_id = e.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN changed + n;
END $$;

-- MARK: Row level security (0006): the app reads an account's next sync from its schedule row.

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
                         || 'disabled_reason, created_at, updated_at, last_synced, last_success_at, last_outcome, '
                         || 'last_error_code, last_error_message, consecutive_failures';
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
    -- Of the schedule, what the account views show: the next sync and the account's class.
    GRANT SELECT (account_id, next_sync_at, sync_class) ON account_schedule TO authenticated;

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
