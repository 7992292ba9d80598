-- Issue 16: an account's slot lives on its narrow schedule row only.
--
-- Placement wrote assigned_host/_slot on the wide accounts row (a non-HOT update: a new
-- version of the whole row and an entry in each of its indexes), and the mirror trigger then
-- wrote the schedule row: ~1.3 KB of WAL per account, ~130 MB when 100,000 accounts are placed
-- at once (a fleet approved after an import). Now AccountPlacer updates account_schedule
-- directly, the wide row is not touched, and what followed the wide row's columns (the foreign
-- key to the slot, the release-slot trigger, the unplaced index) follows the schedule's.

-- The mirror keeps mirroring the rest, and an account that stops being synced gives its slot
-- back at once (0011 did that with a BEFORE trigger on the wide row; a BEFORE trigger on the
-- schedule row would lock each row placement updates, one more WAL record an account).
DROP TRIGGER user_mt5_accounts_mirror ON user_mt5_accounts;
CREATE OR REPLACE FUNCTION klaro_mirror_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE account_schedule
    SET status = NEW.status, is_active = NEW.is_active, last_success_at = NEW.last_success_at, created_at = NEW.created_at,
        assigned_host = CASE WHEN NEW.status = 'active' AND NEW.is_active THEN assigned_host END,
        assigned_slot = CASE WHEN NEW.status = 'active' AND NEW.is_active THEN assigned_slot END
    WHERE account_id = NEW.id
      -- A statement that already wrote the schedule row (a completion) costs no second version.
      AND (status, is_active, last_success_at, created_at)
          IS DISTINCT FROM (NEW.status, NEW.is_active, NEW.last_success_at, NEW.created_at);
    RETURN NULL;
END $$;
CREATE TRIGGER user_mt5_accounts_mirror AFTER UPDATE ON user_mt5_accounts FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.is_active IS DISTINCT FROM NEW.is_active
          OR OLD.last_success_at IS DISTINCT FROM NEW.last_success_at OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION klaro_mirror_account();

-- A new account has no slot yet: placement gives it one.
CREATE OR REPLACE FUNCTION klaro_schedule_new_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_schedule (account_id, status, is_active, created_at, last_success_at)
    SELECT id, status, is_active, created_at, last_success_at FROM new_rows;
    RETURN NULL;
END $$;

DROP TRIGGER user_mt5_accounts_release_slot ON user_mt5_accounts;
DROP FUNCTION user_mt5_accounts_release_slot();

-- The schedule row had the same values through the mirror; copied once more to be sure.
UPDATE account_schedule s SET assigned_host = a.assigned_host, assigned_slot = a.assigned_slot
FROM user_mt5_accounts a
WHERE a.id = s.account_id AND (s.assigned_host, s.assigned_slot) IS DISTINCT FROM (a.assigned_host, a.assigned_slot);

-- Only a synced account holds a slot (the mirror above releases it; placement skips an account
-- paused meanwhile). A check costs no write.
ALTER TABLE account_schedule ADD CONSTRAINT account_schedule_synced_holds_slot
    CHECK (assigned_host IS NULL OR (status = 'active' AND is_active));

-- A slot removed under its accounts unassigns them, as it did on the wide row.
ALTER TABLE account_schedule ADD CONSTRAINT account_schedule_assigned_slot_fkey
    FOREIGN KEY (assigned_host, assigned_slot) REFERENCES terminal_slots (host_id, slot) ON DELETE SET NULL;

-- With the columns go their foreign key and their two indexes (user_mt5_accounts_slot, and
-- user_mt5_accounts_unplaced: account_schedule_unplaced holds the same accounts).
ALTER TABLE user_mt5_accounts DROP COLUMN assigned_host, DROP COLUMN assigned_slot;
