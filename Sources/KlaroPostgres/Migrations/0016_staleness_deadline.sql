-- Dispatch by staleness deadline (issue 13, KlaroCore.RefillOrder.rank, docs/scheduling.md).
--
-- Each account's staleness deadline (KlaroCore.SyncPolicy.stalenessDeadline: last success +
-- its class's effective interval, quiet 10 % early) is stored with its next sync. Ingest sets
-- it at every success; a failure or a lost job keeps the last success's; a manual sync, a new
-- password or a re-import makes it now (unless already earlier); a new account has none (its
-- due time counts) until its first success. Existing accounts start without one.
ALTER TABLE account_schedule ADD COLUMN staleness_deadline timestamptz;

-- Where a due account ranks in its slot's queue (RefillOrder.rank): its deadline, at most
-- 300 s (RefillOrder.maxLead) before its due time, so an account whose deadline passed long
-- ago (retrying after failures) is not read by every tick until it is due. Seconds-only
-- interval arithmetic does not depend on the time zone: immutable in fact.
CREATE FUNCTION klaro_dispatch_rank(deadline timestamptz, due timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT greatest(coalesce(deadline, due), due - interval '300 seconds')
$$;

-- A slot's accounts in RefillOrder.dispatch order: refill windows of the rank, within one the
-- longest average sync first, then the earliest rank. The dispatch statement reads it up to
-- now + 60 s, taking the due entries and skipping the others whose rank has come (quiet's
-- lead, the next minute's); docs/fleet.md has the figures.
DROP INDEX account_schedule_due;
CREATE INDEX account_schedule_due ON account_schedule
    (assigned_host, assigned_slot, klaro_refill_window(klaro_dispatch_rank(staleness_deadline, next_sync_at)),
     coalesce(avg_sync_ms, 5000) DESC, klaro_dispatch_rank(staleness_deadline, next_sync_at), account_id)
    WHERE status = 'active' AND is_active AND inflight_job_id IS NULL;
-- A slot's due accounts by due time: the few due accounts ranking later than that (time to
-- spare: a deadline well after the due time), read only when the first part left room.
CREATE INDEX account_schedule_slot_due ON account_schedule (assigned_host, assigned_slot, next_sync_at)
    WHERE status = 'active' AND is_active AND inflight_job_id IS NULL;
