-- The fleet's demand as the sync policy last computed it (issue 13): busy slots needed at the
-- classes' targets and the live slots. The leader's SyncPolicyController writes it every round
-- from its one pass over the active accounts' schedule rows; every replica's status reporter
-- and GET /admin/status read this single row for klaro_fleet_demand_ratio instead of
-- repeating that pass every 5 s.
CREATE TABLE sync_fleet_demand (
    singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    demand_at_targets double precision NOT NULL DEFAULT 0 CHECK (demand_at_targets >= 0),
    live_slots        integer NOT NULL DEFAULT 0 CHECK (live_slots >= 0),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
INSERT INTO sync_fleet_demand DEFAULT VALUES;

-- klarod's internals, closed to the API roles like sync_class_stretch (0012).
DO $$
BEGIN
    IF to_regprocedure('auth.uid()') IS NOT NULL THEN
        ALTER TABLE sync_fleet_demand ENABLE ROW LEVEL SECURITY;
    END IF;
END $$;

-- The status reporter's count of accounts due and waiting reads the due entries only, not one
-- entry per active account (account_schedule_due leads with the slot, for dispatch).
CREATE INDEX account_schedule_due_at ON account_schedule (next_sync_at)
    WHERE status = 'active' AND is_active AND inflight_job_id IS NULL;

-- Longest jobs first when a slot's queue refills (issue 13, KlaroCore.RefillOrder.dispatch):
-- the dispatch statement takes a slot's due accounts by refill window (30 s of the clock,
-- RefillOrder.defaultWindow), then longest average sync first (unmeasured: 5 s), then oldest
-- due. The index holds that order, so a slot's pick still reads only the entries it takes.
-- (epoch of a timestamptz does not depend on the time zone: immutable in fact.)
CREATE FUNCTION klaro_refill_window(due timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor(extract(epoch FROM due) / 30)::bigint
$$;
DROP INDEX account_schedule_due;
CREATE INDEX account_schedule_due ON account_schedule
    (assigned_host, assigned_slot, klaro_refill_window(next_sync_at), coalesce(avg_sync_ms, 5000) DESC, next_sync_at, account_id)
    WHERE status = 'active' AND is_active AND inflight_job_id IS NULL;

-- Dispatch inserts a sync_runs row per job (2,000 a tick at 100,000 accounts). Checked against
-- the wide accounts row, each insert took a key-share lock on that row, a write to its page;
-- checked against the schedule row, which the same statement has already locked FOR UPDATE, it
-- is an index lookup. Deleting an account still deletes its runs (account → schedule row → runs,
-- each ON DELETE CASCADE).
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_account_id_fkey;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_account_id_fkey FOREIGN KEY (account_id)
    REFERENCES account_schedule (account_id) ON DELETE CASCADE;
