-- Issue 16: fewer index entries per version of a schedule row (docs/fleet.md §2).
--
-- A placement changes assigned_host/_slot and a completion inflight_job_id, so each is a new
-- version outside HOT, with an entry in every index whose predicate it meets. A placed or
-- completed row met six (pkey, due, slot_due, due_at, class, and fresh or never_synced); it now
-- meets four: placing 100,000 imported accounts (`ops/bench placement-wal`) logged 683 bytes an
-- account, now 555 (545 with the fillfactor below).
--
-- The status gauges' freshness reads and the sync policy's class reads share one index of
-- the accounts not in flight, by class (the policy groups by class; the status reads probe each
-- class for its oldest success, stale and never-synced accounts); those in flight come from
-- account_schedule_inflight, as since 0019. The due-and-waiting count of /admin/status
-- probes account_schedule_slot_due per slot (and the unplaced) instead of an index of its own.
DROP INDEX account_schedule_due_at;
DROP INDEX account_schedule_class;
DROP INDEX account_schedule_fresh;
DROP INDEX account_schedule_never_synced;
-- avg_sync_ms is a key column, not INCLUDE: B-tree deduplication needs every column in the key,
-- and the accounts of an import share all four values until their first sync (one entry list).
CREATE INDEX account_schedule_freshness ON account_schedule (sync_class, last_success_at, created_at, avg_sync_ms)
    WHERE status = 'active' AND is_active AND inflight_job_id IS NULL;

-- Room on a page for a new version of each of its rows in one transaction (a placement of a whole
-- import): at 50 % the new versions, a slot longer, overflowed onto other pages for ~14 % of the
-- rows (a lock record and the whole row each). `ops/bench placement-wal`, 100,000 accounts:
-- 568 → 552 bytes an account (762 → 747 after a checkpoint). Pages written before keep their fill.
ALTER TABLE account_schedule SET (fillfactor = 45);
