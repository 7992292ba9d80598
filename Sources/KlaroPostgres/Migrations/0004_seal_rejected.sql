-- Seal v2 (docs/crypto.md §3): a worker that refuses a job's sealed password reports the
-- outcome `seal_rejected`, which sync_runs must accept like every other outcome.
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_outcome_check;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_outcome_check CHECK (outcome IN ('ok', 'auth_failed', 'otp_required',
    'timeout', 'ipc_error', 'terminal_error', 'lost', 'seal_rejected'));
