-- Dispatch inserts a sync_runs row per job (2,000 a tick at 100,000 accounts). The foreign key
-- to account_schedule (0013) checked each one with a trigger call and a key-share lock on the
-- schedule row the same statement had just locked FOR UPDATE: 8–9 ms of a ~65 ms statement
-- (`ops/bench schedule --index-costs`). One check per statement, over the inserted runs at once,
-- keeps the promise that a run names an account that exists; the cascade becomes a delete
-- trigger. Dispatch, the only writer of runs, inserts them for schedule rows it holds locked, so
-- no account can be deleted between the check and the commit.
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_account_id_fkey;

CREATE FUNCTION klaro_check_run_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing uuid;
BEGIN
    SELECT n.account_id INTO missing FROM new_runs n
    WHERE NOT EXISTS (SELECT 1 FROM account_schedule s WHERE s.account_id = n.account_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a sync run names account %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER sync_runs_account_exists AFTER INSERT ON sync_runs
    REFERENCING NEW TABLE AS new_runs FOR EACH STATEMENT EXECUTE FUNCTION klaro_check_run_accounts();

-- A run never changes account (nothing does it; the key refused a missing one, this refuses all).
CREATE FUNCTION klaro_refuse_run_account_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a sync run keeps its account' USING ERRCODE = 'foreign_key_violation';
END $$;
CREATE TRIGGER sync_runs_account_fixed BEFORE UPDATE OF account_id ON sync_runs
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION klaro_refuse_run_account_change();

-- Deleting an account still deletes its runs (account → schedule row → runs).
CREATE FUNCTION klaro_delete_account_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM sync_runs r USING old_rows o WHERE r.account_id = o.account_id;
    RETURN NULL;
END $$;
CREATE TRIGGER account_schedule_delete_runs AFTER DELETE ON account_schedule
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION klaro_delete_account_runs();
