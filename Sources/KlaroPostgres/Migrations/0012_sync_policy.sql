-- The adaptive schedule's current stretch per sync class (issue 13, docs/scheduling.md).
-- The leader's SyncPolicyController writes it from the fleet's load; every replica's ingest
-- reads it to set an account's next sync (target × factor). One row per class, so reading it
-- costs nothing and a replica that starts mid-overload schedules like the others.
CREATE TABLE sync_class_stretch (
    sync_class text PRIMARY KEY CHECK (sync_class IN ('moving', 'quiet', 'dormant')),
    factor     double precision NOT NULL DEFAULT 1 CHECK (factor >= 1),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO sync_class_stretch (sync_class) VALUES ('moving'), ('quiet'), ('dormant');

-- klarod's internals: closed to the API roles like the other operator tables (0006, 0010),
-- where those roles exist (Supabase); elsewhere nothing changes.
DO $$
BEGIN
    IF to_regprocedure('auth.uid()') IS NOT NULL THEN
        ALTER TABLE sync_class_stretch ENABLE ROW LEVEL SECURITY;
    END IF;
END $$;

-- The policy's load query groups active accounts by class: an index-only scan.
CREATE INDEX account_schedule_class ON account_schedule (sync_class, avg_sync_ms)
    WHERE status = 'active' AND is_active;
