-- Placement re-places only on change (issue 16). Accounts waiting for a slot are found through
-- this partial index, empty in the steady state, instead of a scan of every account.
CREATE INDEX user_mt5_accounts_unplaced ON user_mt5_accounts (id)
    WHERE assigned_host IS NULL AND status = 'active' AND is_active;

-- An account that stops being synced (paused, disabled, auth_failed, deactivated) gives its
-- slot back at once, so slot loads count only accounts that need the slot; when it is synced
-- again it waits in the index above like a new account.
CREATE FUNCTION user_mt5_accounts_release_slot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'active' OR NOT NEW.is_active THEN
        NEW.assigned_host := NULL;
        NEW.assigned_slot := NULL;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER user_mt5_accounts_release_slot
    BEFORE INSERT OR UPDATE OF status, is_active, assigned_host, assigned_slot ON user_mt5_accounts
    FOR EACH ROW WHEN (NEW.assigned_host IS NOT NULL AND (NEW.status <> 'active' OR NOT NEW.is_active))
    EXECUTE FUNCTION user_mt5_accounts_release_slot();

UPDATE user_mt5_accounts SET assigned_host = NULL, assigned_slot = NULL
WHERE assigned_host IS NOT NULL AND (status <> 'active' OR NOT is_active);
