-- Klaro schema v1 (DESIGN §7). Column names of the original plan's tables are kept so that
-- the traders' web app can read them as it was written to.

-- MARK: Users and billing

CREATE TABLE users (
    id              uuid PRIMARY KEY,             -- Supabase auth user id (JWT "sub")
    email           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subscriptions (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id                 uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stripe_subscription_id  text NOT NULL UNIQUE,
    stripe_customer_id      text NOT NULL,
    status                  text NOT NULL CHECK (status IN ('active', 'trialing', 'past_due', 'canceled',
                                'incomplete', 'incomplete_expired', 'unpaid', 'paused')),
    plan                    text NOT NULL DEFAULT 'pro' CHECK (plan IN ('free', 'pro')),
    current_period_end      timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_user ON subscriptions (user_id);

-- Stripe webhook events already handled (idempotency by event id).
CREATE TABLE stripe_events (
    event_id     text PRIMARY KEY,
    type         text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- MARK: Fleet

CREATE TABLE worker_hosts (
    host_id           text PRIMARY KEY CHECK (host_id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    -- pending: registered, key not approved; active; draining: loses its accounts;
    -- cordoned: keeps its accounts, gets no new ones; refused: presented an unapproved key.
    admin_state       text NOT NULL DEFAULT 'pending'
                          CHECK (admin_state IN ('pending', 'active', 'draining', 'cordoned', 'refused')),
    public_key        text NOT NULL,              -- last key the host presented (base64)
    approved_key      text,                       -- key an operator approved
    declared_slots    integer NOT NULL DEFAULT 0,
    version           text NOT NULL DEFAULT '',
    started_at        timestamptz,
    registered_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at      timestamptz,
    approved_at       timestamptz,
    approved_by       text
);

CREATE TABLE terminal_slots (
    host_id            text NOT NULL REFERENCES worker_hosts (host_id) ON DELETE CASCADE,
    slot               integer NOT NULL CHECK (slot BETWEEN 1 AND 1024),
    state              text NOT NULL DEFAULT 'idle' CHECK (state IN ('idle', 'busy', 'dead')),
    weight             double precision NOT NULL DEFAULT 1 CHECK (weight > 0),
    current_job_id     uuid,
    terminal_build     integer,
    terminal_connected boolean,
    restarts           integer NOT NULL DEFAULT 0,
    last_heartbeat_at  timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (host_id, slot)
);

-- MARK: Accounts

CREATE TABLE user_mt5_accounts (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id                 uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mt5_login               bigint NOT NULL CHECK (mt5_login > 0),
    -- "v1:" key_id ":" base64(nonce ‖ ciphertext ‖ tag), AES-256-GCM, AAD = account id (DESIGN §6)
    mt5_password_encrypted  text NOT NULL,
    mt5_server              text NOT NULL CHECK (length(mt5_server) BETWEEN 1 AND 128),
    account_name            text NOT NULL DEFAULT '',
    account_category        text NOT NULL DEFAULT 'Demo'
                                CHECK (account_category IN ('Demo', 'Funded', 'Challenge', 'Real')),
    is_active               boolean NOT NULL DEFAULT true,
    -- active: synced on its interval; auth_failed: parked until credentials change;
    -- paused: by its owner; disabled: by an operator or the plan.
    status                  text NOT NULL DEFAULT 'active'
                                CHECK (status IN ('active', 'auth_failed', 'paused', 'disabled')),
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),

    -- Sync state (owned by klarod).
    last_synced             timestamptz,          -- last finished sync, any outcome
    last_success_at         timestamptz,
    last_outcome            text,
    last_error_code         integer,
    last_error_message      text,
    consecutive_failures    integer NOT NULL DEFAULT 0,
    next_sync_at            timestamptz NOT NULL DEFAULT now(),
    interval_anchor         timestamptz,          -- the scheduled time of the current interval
    attempt                 integer NOT NULL DEFAULT 0,   -- attempts made in the current interval
    fence                   bigint NOT NULL DEFAULT 0,    -- dispatch counter, echoed by results
    history_cursor          bigint,               -- newest deal time seen (broker epoch seconds)
    sync_requested_at       timestamptz,          -- last manual sync request (rate limit)

    -- The one job in flight, if any.
    inflight_job_id         uuid,
    inflight_enqueued_at    timestamptz,
    inflight_deadline       timestamptz,
    inflight_host           text,
    inflight_slot           integer,

    -- Placement (DESIGN §4).
    assigned_host           text,
    assigned_slot           integer,
    pinned_host             text,
    pinned_slot             integer,

    UNIQUE (user_id, mt5_server, mt5_login),
    FOREIGN KEY (assigned_host, assigned_slot) REFERENCES terminal_slots (host_id, slot) ON DELETE SET NULL,
    CHECK ((pinned_host IS NULL) = (pinned_slot IS NULL)),
    CHECK ((inflight_job_id IS NULL) = (inflight_enqueued_at IS NULL))
);
CREATE INDEX user_mt5_accounts_user ON user_mt5_accounts (user_id);
-- The scheduler's due query: active, nothing in flight, oldest next_sync_at first.
CREATE INDEX user_mt5_accounts_due ON user_mt5_accounts (next_sync_at)
    WHERE status = 'active' AND is_active AND inflight_job_id IS NULL;
CREATE INDEX user_mt5_accounts_slot ON user_mt5_accounts (assigned_host, assigned_slot);
CREATE INDEX user_mt5_accounts_inflight ON user_mt5_accounts (inflight_deadline)
    WHERE inflight_job_id IS NOT NULL;

-- MARK: Sync runs (one row per job; partitioned by day of enqueue)

CREATE TABLE sync_runs (
    job_id            uuid NOT NULL,
    account_id        uuid NOT NULL REFERENCES user_mt5_accounts (id) ON DELETE CASCADE,
    host_id           text NOT NULL,
    slot              integer NOT NULL,
    attempt           integer NOT NULL,
    fence             bigint NOT NULL,
    state             text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'finished')),
    outcome           text CHECK (outcome IN ('ok', 'auth_failed', 'otp_required', 'timeout',
                          'ipc_error', 'terminal_error', 'lost')),
    error_code        integer,
    error_message     text,
    enqueued_at       timestamptz NOT NULL,
    deadline          timestamptz NOT NULL,
    started_at        timestamptz,
    finished_at       timestamptz,
    queue_wait_ms     integer,
    duration_ms       integer,
    login_ms          integer,
    fetch_ms          integer,
    positions_count   integer,
    deals_count       integer,
    PRIMARY KEY (job_id, enqueued_at),
    CHECK ((state = 'finished') = (outcome IS NOT NULL))
) PARTITION BY RANGE (enqueued_at);
CREATE INDEX sync_runs_account ON sync_runs (account_id, enqueued_at DESC);
CREATE INDEX sync_runs_finished ON sync_runs (finished_at) WHERE state = 'finished';
CREATE TABLE sync_runs_default PARTITION OF sync_runs DEFAULT;

-- MARK: Trading data

-- Time series of balance and equity (one row per successful sync; partitioned by month).
CREATE TABLE account_snapshots (
    id              uuid NOT NULL,                -- the job id that produced it
    account_id      uuid NOT NULL REFERENCES user_mt5_accounts (id) ON DELETE CASCADE,
    balance         numeric NOT NULL,
    equity          numeric NOT NULL,
    profit          numeric NOT NULL,
    margin          numeric NOT NULL,
    margin_free     numeric NOT NULL,
    margin_level    numeric NOT NULL,
    credit          numeric NOT NULL DEFAULT 0,
    leverage        integer NOT NULL DEFAULT 0,
    currency        text NOT NULL DEFAULT '',
    "timestamp"     timestamptz NOT NULL,
    PRIMARY KEY (id, "timestamp")
) PARTITION BY RANGE ("timestamp");
CREATE INDEX account_snapshots_account ON account_snapshots (account_id, "timestamp");
CREATE TABLE account_snapshots_default PARTITION OF account_snapshots DEFAULT;

-- Open positions as of the last successful sync (replaced on every sync).
-- MT5 times are the broker's wall clock written as epoch seconds; stored as timestamptz
-- read as UTC, with the raw milliseconds beside them.
CREATE TABLE positions (
    account_id      uuid NOT NULL REFERENCES user_mt5_accounts (id) ON DELETE CASCADE,
    ticket          bigint NOT NULL,
    symbol          text NOT NULL,
    type            text NOT NULL CHECK (type IN ('BUY', 'SELL')),
    volume          numeric NOT NULL,
    price_open      numeric NOT NULL,
    price_current   numeric NOT NULL,
    sl              numeric NOT NULL DEFAULT 0,
    tp              numeric NOT NULL DEFAULT 0,
    profit          numeric NOT NULL,
    swap            numeric NOT NULL DEFAULT 0,
    magic           bigint NOT NULL DEFAULT 0,
    identifier      bigint NOT NULL DEFAULT 0,
    comment         text NOT NULL DEFAULT '',
    external_id     text NOT NULL DEFAULT '',
    time            timestamptz NOT NULL,
    time_msc        bigint NOT NULL,
    time_update_msc bigint NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, ticket)
);

-- Raw MT5 deals, the source of trades. Tickets are unique per broker server only.
CREATE TABLE deals (
    account_id      uuid NOT NULL REFERENCES user_mt5_accounts (id) ON DELETE CASCADE,
    ticket          bigint NOT NULL,
    order_ticket    bigint NOT NULL DEFAULT 0,
    time            timestamptz NOT NULL,
    time_msc        bigint NOT NULL,
    type            smallint NOT NULL,
    entry           smallint NOT NULL,
    magic           bigint NOT NULL DEFAULT 0,
    position_id     bigint NOT NULL DEFAULT 0,
    reason          smallint NOT NULL DEFAULT 0,
    volume          numeric NOT NULL,
    price           numeric NOT NULL,
    commission      numeric NOT NULL DEFAULT 0,
    swap            numeric NOT NULL DEFAULT 0,
    profit          numeric NOT NULL DEFAULT 0,
    fee             numeric NOT NULL DEFAULT 0,
    symbol          text NOT NULL DEFAULT '',
    comment         text NOT NULL DEFAULT '',
    external_id     text NOT NULL DEFAULT '',
    first_seen_job  uuid,
    PRIMARY KEY (account_id, ticket)
);
CREATE INDEX deals_position ON deals (account_id, position_id) WHERE position_id <> 0;
CREATE INDEX deals_time ON deals (account_id, time);

-- Trades rebuilt from deals (DESIGN §8), one per position id.
CREATE TABLE trades (
    account_id      uuid NOT NULL REFERENCES user_mt5_accounts (id) ON DELETE CASCADE,
    ticket          bigint NOT NULL,              -- the position id
    symbol          text NOT NULL,
    type            text NOT NULL CHECK (type IN ('BUY', 'SELL')),
    volume          numeric NOT NULL,
    price_open      numeric NOT NULL,
    price_close     numeric,
    profit          numeric NOT NULL DEFAULT 0,
    swap            numeric NOT NULL DEFAULT 0,
    commission      numeric NOT NULL DEFAULT 0,
    fee             numeric NOT NULL DEFAULT 0,
    magic           bigint NOT NULL DEFAULT 0,
    comment         text NOT NULL DEFAULT '',
    time            timestamptz NOT NULL,
    time_close      timestamptz,
    is_closed       boolean NOT NULL DEFAULT false,
    closed_volume   numeric NOT NULL DEFAULT 0,
    deal_count      integer NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, ticket)
);
CREATE INDEX trades_closed ON trades (account_id, time_close) WHERE is_closed;

-- MARK: Operations

CREATE TABLE admin_audit (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    target      text NOT NULL DEFAULT '',
    result      text NOT NULL DEFAULT 'ok' CHECK (result IN ('ok', 'denied', 'failed')),
    remote_addr text,
    before      jsonb,
    after       jsonb
);
CREATE INDEX admin_audit_at ON admin_audit (at DESC);

-- MARK: Partition maintenance

-- Creates the daily (sync_runs) and monthly (account_snapshots) partitions that cover
-- [from_ts, to_ts]. Idempotent; klarod's leader calls it every hour with a week of headroom.
CREATE FUNCTION klaro_ensure_partitions(from_ts timestamptz, to_ts timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    day     date := (from_ts AT TIME ZONE 'UTC')::date;
    month   date := date_trunc('month', from_ts AT TIME ZONE 'UTC')::date;
    name    text;
    created integer := 0;
BEGIN
    WHILE day <= (to_ts AT TIME ZONE 'UTC')::date LOOP
        name := 'sync_runs_p' || to_char(day, 'YYYYMMDD');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF sync_runs FOR VALUES FROM (%L) TO (%L)',
                           name, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
            created := created + 1;
        END IF;
        day := day + 1;
    END LOOP;
    WHILE month <= (to_ts AT TIME ZONE 'UTC')::date LOOP
        name := 'account_snapshots_p' || to_char(month, 'YYYYMM');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF account_snapshots FOR VALUES FROM (%L) TO (%L)',
                           name, month::timestamp AT TIME ZONE 'UTC',
                           (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
            created := created + 1;
        END IF;
        month := (month + interval '1 month')::date;
    END LOOP;
    RETURN created;
END $$;

-- Drops partitions that end before the retention cut-offs; returns how many it dropped.
CREATE FUNCTION klaro_drop_expired_partitions(runs_before timestamptz, snapshots_before timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    part    record;
    dropped integer := 0;
BEGIN
    FOR part IN
        SELECT c.relname, p.relname AS parent,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper_bound
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname IN ('sync_runs', 'account_snapshots')
          AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
    LOOP
        IF (part.parent = 'sync_runs' AND part.upper_bound <= runs_before)
           OR (part.parent = 'account_snapshots' AND part.upper_bound <= snapshots_before) THEN
            EXECUTE format('DROP TABLE %I', part.relname);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    RETURN dropped;
END $$;

SELECT klaro_ensure_partitions(now() - interval '1 day', now() + interval '7 days');
