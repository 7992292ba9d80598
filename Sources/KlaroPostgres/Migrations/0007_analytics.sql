-- Analytics v2 (issue 12): the whole deal history of every account.

-- True once a sync fetched the account's whole deal history (a first sync asks from the
-- epoch whatever the plan, and its deals were not truncated): the balance at any instant is
-- then the sum of the balance-moving deals up to it.
ALTER TABLE user_mt5_accounts ADD COLUMN history_complete boolean NOT NULL DEFAULT false;

-- Accounts synced before this asked only the plan's days: forget their cursor so that their
-- next sync fetches the whole history (deals already stored are skipped by ticket).
UPDATE user_mt5_accounts SET history_cursor = NULL WHERE history_cursor IS NOT NULL;

-- MARK: Broker clock → UTC

-- Each broker server's learned clock (KlaroCore's BrokerClock, as JSON) and the offset table
-- it implies (extrapolated segments included): broker time − offset = UTC from `from_broker`
-- (a broker wall-clock instant written as UTC, like deal times) until the next row.
CREATE TABLE broker_clocks (
    server      text PRIMARY KEY,
    state       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE broker_offsets (
    server          text NOT NULL,
    from_broker     timestamptz NOT NULL,
    offset_seconds  integer NOT NULL,
    PRIMARY KEY (server, from_broker)
);

-- Digits and point of the symbols workers saw, per server (MT5's symbol_info).
CREATE TABLE broker_symbols (
    server      text NOT NULL,
    symbol      text NOT NULL,
    digits      smallint NOT NULL CHECK (digits BETWEEN 0 AND 10),
    point       numeric NOT NULL CHECK (point > 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (server, symbol)
);

-- True UTC instants beside the broker times; NULL until the server's offset is known.
ALTER TABLE deals ADD COLUMN time_utc timestamptz;
ALTER TABLE positions ADD COLUMN time_utc timestamptz;
ALTER TABLE trades ADD COLUMN time_utc timestamptz, ADD COLUMN time_close_utc timestamptz;
CREATE INDEX trades_closed_utc ON trades (account_id, time_close_utc) WHERE is_closed;
-- The rows still to convert (a trade rebuilt by the ingest is converted again).
CREATE INDEX deals_utc_pending ON deals (account_id) WHERE time_utc IS NULL;
CREATE INDEX trades_utc_pending ON trades (account_id) WHERE time_utc IS NULL;

-- Trades keep their deals' milliseconds (holding times to the millisecond).
ALTER TABLE trades ADD COLUMN time_msc bigint NOT NULL DEFAULT 0, ADD COLUMN time_close_msc bigint;
