-- The traders' API (issue 7): plans, plan enforcement, Stripe event ordering, a daily
-- balance/equity rollup for dashboard curves, and indexes for the dashboard's sums.

-- MARK: Plans

-- Why an account is disabled: 'plan' (over the free plan's account limit; re-enabled by the
-- plan when room appears) or 'operator'. NULL while the account is not disabled, or when an
-- older klarod disabled it (treated as 'operator': the plan never touches it).
ALTER TABLE user_mt5_accounts
    ADD COLUMN disabled_reason text CHECK (disabled_reason IN ('plan', 'operator'));

-- `created` of the last Stripe event applied to the row: events arrive in any order, and an
-- older one must not undo a newer one.
ALTER TABLE subscriptions ADD COLUMN stripe_event_at timestamptz;

-- 'pro' while the user has an active or trialing pro subscription, else 'free'.
CREATE FUNCTION klaro_user_plan(uid uuid) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (
        SELECT 1 FROM subscriptions
        WHERE user_id = uid AND plan = 'pro' AND status IN ('active', 'trialing')
    ) THEN 'pro' ELSE 'free' END
$$;

-- Days of history the user's plan allows (NULL: unlimited). The sync pipeline uses it for an
-- account's first history window; the API clamps history and analytics ranges with it.
CREATE FUNCTION klaro_history_days(uid uuid) RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT CASE klaro_user_plan(uid) WHEN 'pro' THEN NULL ELSE 30 END
$$;

-- Accounts the user's plan allows (NULL: unlimited).
CREATE FUNCTION klaro_max_accounts(uid uuid) RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT CASE klaro_user_plan(uid) WHEN 'pro' THEN NULL ELSE 1 END
$$;

-- Every known user's plan and limits, for reports and set-based queries.
CREATE VIEW user_plans AS
    SELECT u.id AS user_id, p.plan,
           CASE p.plan WHEN 'pro' THEN NULL ELSE 30 END AS history_days,
           CASE p.plan WHEN 'pro' THEN NULL ELSE 1 END AS max_accounts
    FROM users u CROSS JOIN LATERAL (SELECT klaro_user_plan(u.id) AS plan) p;

-- Brings the user's accounts in line with the plan: the oldest accounts up to the limit
-- stay (or become again) active, the rest are disabled with reason 'plan'. Accounts an
-- operator disabled are left alone and do not count. Returns how many rows changed.
CREATE FUNCTION klaro_apply_plan(uid uuid) RETURNS integer LANGUAGE plpgsql AS $$
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
    )
    UPDATE user_mt5_accounts a
    SET status = 'active', disabled_reason = NULL, next_sync_at = now(), updated_at = now()
    FROM ranked r
    WHERE a.id = r.id AND a.status = 'disabled' AND a.disabled_reason = 'plan'
      AND (max_accounts IS NULL OR r.rank <= max_accounts);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN changed + n;
END $$;

-- MARK: Daily balance/equity rollup

-- The last snapshot of each UTC day per account, with the day's equity extremes: long
-- dashboard curves read a row per day instead of a row per sync, and the dashboard reads an
-- account's latest figures from its newest row without probing every snapshot partition.
CREATE TABLE account_snapshot_days (
    account_id    uuid NOT NULL REFERENCES user_mt5_accounts (id) ON DELETE CASCADE,
    day           date NOT NULL,
    "timestamp"   timestamptz NOT NULL,           -- of the last snapshot of the day
    balance       numeric NOT NULL,
    equity        numeric NOT NULL,
    profit        numeric NOT NULL,
    margin        numeric NOT NULL,
    margin_level  numeric NOT NULL,
    equity_min    numeric NOT NULL,
    equity_max    numeric NOT NULL,
    currency      text NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, day)
);

CREATE FUNCTION klaro_roll_up_snapshot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_snapshot_days AS d
        (account_id, day, "timestamp", balance, equity, profit, margin, margin_level, equity_min, equity_max, currency)
    VALUES (NEW.account_id, (NEW."timestamp" AT TIME ZONE 'UTC')::date, NEW."timestamp",
            NEW.balance, NEW.equity, NEW.profit, NEW.margin, NEW.margin_level, NEW.equity, NEW.equity, NEW.currency)
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

-- On the partitioned parent, so partitions created later have it too.
CREATE TRIGGER account_snapshots_roll_up AFTER INSERT ON account_snapshots
    FOR EACH ROW EXECUTE FUNCTION klaro_roll_up_snapshot();

INSERT INTO account_snapshot_days
    (account_id, day, "timestamp", balance, equity, profit, margin, margin_level, equity_min, equity_max, currency)
SELECT DISTINCT ON (account_id, day) account_id, day, "timestamp", balance, equity, profit, margin, margin_level,
       min(equity) OVER w, max(equity) OVER w, currency
FROM (SELECT s.*, ("timestamp" AT TIME ZONE 'UTC')::date AS day FROM account_snapshots s) s
WINDOW w AS (PARTITION BY account_id, day)
ORDER BY account_id, day, "timestamp" DESC;

-- MARK: Indexes for the dashboard

-- Closed profit of today and this month: sums over an account's trading deals by time,
-- answered from the index alone.
CREATE INDEX deals_trading_time ON deals (account_id, time)
    INCLUDE (profit, commission, swap, fee) WHERE type IN (0, 1);

-- Analytics read an account's balance operations (every deal but buy/sell) by time.
CREATE INDEX deals_cash_time ON deals (account_id, time) WHERE type NOT IN (0, 1);
