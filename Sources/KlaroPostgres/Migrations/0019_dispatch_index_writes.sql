-- The dispatch tick's index writes (issue 13: tick ≤ 100 ms at 100,000 accounts, docs/fleet.md).
--
-- Dispatch sets inflight_job_id, a column in partial-index predicates, so each of its 2,000
-- schedule rows a tick gets a new version outside HOT, inserted into every index whose predicate
-- that version meets. The freshness and class indexes held every active account, in flight or
-- not, so each dispatch paid an entry in both, read only by the status gauges (5 s) and the sync
-- policy (15 s). They now hold accounts not in flight; their readers add the few in flight
-- through account_schedule_inflight. A completion writes these entries as before.
DROP INDEX account_schedule_fresh;
CREATE INDEX account_schedule_fresh ON account_schedule (last_success_at)
    WHERE status = 'active' AND is_active AND last_success_at IS NOT NULL AND inflight_job_id IS NULL;
DROP INDEX account_schedule_class;
CREATE INDEX account_schedule_class ON account_schedule (sync_class, avg_sync_ms)
    WHERE status = 'active' AND is_active AND inflight_job_id IS NULL;
