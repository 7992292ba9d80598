-- Issue 16: dispatch's second index holds only the accounts it is read for (docs/fleet.md §2).
--
-- The dispatch statement reads a slot's due accounts in two parts: those ranking before
-- now + 60 s from account_schedule_due, then, if room is left, the due ones ranking later from
-- account_schedule_slot_due. A due account ranks later than now + 60 s only when its staleness
-- deadline is more than 60 s after its due time (klaro_dispatch_rank: the deadline, at most
-- 300 s before the due time): a manual sync, a new password, a sync aimed early by a long sync
-- time. Every other account was an entry nobody read: a placement or a completion paid it
-- (66 bytes of WAL an account, ~1.3 MB/min of the soak's fleet-up, the placement of an import
-- whose accounts have no deadline yet). The due-and-waiting count of /admin/status reads the
-- two parts the same way (ScheduleCounts).
--
-- The 60 s is the dispatch statement's look-ahead (DispatchQuery); change both together.
-- Seconds-only interval arithmetic does not depend on the time zone: immutable in fact.
CREATE FUNCTION klaro_deadline_after_due(deadline timestamptz, due timestamptz) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT deadline > due + interval '60 seconds'
$$;

DROP INDEX account_schedule_slot_due;
CREATE INDEX account_schedule_slot_due ON account_schedule (assigned_host, assigned_slot, next_sync_at)
    WHERE status = 'active' AND is_active AND inflight_job_id IS NULL
      AND klaro_deadline_after_due(staleness_deadline, next_sync_at);
