-- The worker tells two failures apart that need an operator rather than another retry of the
-- same terminal (docs/protocol.md §8.1): `wrong_account` (login() answered True and left the
-- terminal on another account) and `terminal_incompatible` (MT5 -5, the terminal is newer than
-- the Python module). sync_runs must accept them like every other outcome.
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_outcome_check;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_outcome_check CHECK (outcome IN ('ok', 'auth_failed', 'otp_required',
    'timeout', 'ipc_error', 'terminal_error', 'lost', 'seal_rejected', 'wrong_account', 'terminal_incompatible'));
