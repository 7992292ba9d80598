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

-- The daily snapshot roll-up (0002) runs once per INSERT statement over its new rows instead
-- of once per row: the same result, a fraction of the cost when the ingest writes hundreds of
-- snapshots in one statement.
DROP TRIGGER account_snapshots_roll_up ON account_snapshots;

CREATE FUNCTION klaro_roll_up_snapshots() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_snapshot_days AS d
        (account_id, day, "timestamp", balance, equity, profit, margin, margin_level, equity_min, equity_max, currency)
    SELECT DISTINCT ON (account_id, day) account_id, day, "timestamp", balance, equity, profit, margin, margin_level,
           min(equity) OVER w, max(equity) OVER w, currency
    FROM (SELECT n.*, (n."timestamp" AT TIME ZONE 'UTC')::date AS day FROM new_rows n) s
    WINDOW w AS (PARTITION BY account_id, day)
    ORDER BY account_id, day, "timestamp" DESC
    ON CONFLICT (account_id, day) DO UPDATE SET
        "timestamp"  = GREATEST(d."timestamp", EXCLUDED."timestamp"),
        balance      = CASE WHEN EXCLUDED."timestamp" >= d."timestamp" THEN EXCLUDED.balance ELSE d.balance END,
        equity       = CASE WHEN EXCLUDED."timestamp" >= d."timestamp" THEN EXCLUDED.equity ELSE d.equity END,
        profit       = CASE WHEN EXCLUDED."timestamp" >= d."timestamp" THEN EXCLUDED.profit ELSE d.profit END,
        margin       = CASE WHEN EXCLUDED."timestamp" >= d."timestamp" THEN EXCLUDED.margin ELSE d.margin END,
        margin_level = CASE WHEN EXCLUDED."timestamp" >= d."timestamp" THEN EXCLUDED.margin_level ELSE d.margin_level END,
        currency     = CASE WHEN EXCLUDED."timestamp" >= d."timestamp" THEN EXCLUDED.currency ELSE d.currency END,
        equity_min   = LEAST(d.equity_min, EXCLUDED.equity_min),
        equity_max   = GREATEST(d.equity_max, EXCLUDED.equity_max);
    RETURN NULL;
END $$;

CREATE TRIGGER account_snapshots_roll_up AFTER INSERT ON account_snapshots
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION klaro_roll_up_snapshots();
