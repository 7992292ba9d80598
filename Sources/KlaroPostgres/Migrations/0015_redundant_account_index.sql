-- Issue 16: an index that repeats the leading column of another only costs WAL. The wide
-- account row is rewritten (not HOT: its page is full, or an indexed column changed) by every
-- placement and every finished job, and each such update inserts into every index;
-- user_mt5_accounts_user (user_id) is served by the unique (user_id, mt5_server, mt5_login)
-- key, which leads with user_id (lookups by user and the users foreign key's cascade use it).
DROP INDEX IF EXISTS user_mt5_accounts_user;
