-- The sync pipeline's access paths (DESIGN §3).

-- Time-ordered job ids (UUID version 7): the first 48 bits are the Unix time in ms.
CREATE FUNCTION klaro_uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(
        set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
            PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
            FROM 1 FOR 6), 52, 1), 53, 1),
        'hex')::uuid
$$;

-- The scheduler asks each live slot for its due accounts, oldest first.
DROP INDEX user_mt5_accounts_due;
CREATE INDEX user_mt5_accounts_due ON user_mt5_accounts (assigned_host, assigned_slot, next_sync_at)
    WHERE status = 'active' AND is_active AND inflight_job_id IS NULL;

-- How many jobs each slot has in flight (queue depth), and the rescuer's sweeps (deadline, dead
-- slot) over the few rows in flight. Every index on this table costs each dispatch and each
-- ingest an index write, so the deadline index of 0001 goes: this one serves both.
DROP INDEX user_mt5_accounts_inflight;
CREATE INDEX user_mt5_accounts_inflight_slot ON user_mt5_accounts (inflight_host, inflight_slot)
    WHERE inflight_job_id IS NOT NULL;

-- The worker's own heartbeat timestamp: klarod notes when it changes, by its own clock, so a
-- worker whose clock is off cannot look dead (or alive).
ALTER TABLE terminal_slots ADD COLUMN heartbeat_ts bigint;
