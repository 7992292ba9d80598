-- Built-in identity (docs/identity.md): email + Argon2id password, sessions, refresh tokens.
-- A user's id stays the `users.id` every other table references, in both identity modes.

-- Set by an operator (`klarod users disable`): the user's API calls and refreshes are refused.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

CREATE TABLE identity_users (
    user_id             uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email               text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    -- PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash
    password_hash       text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at     timestamptz
);
CREATE UNIQUE INDEX identity_users_email ON identity_users (email);

-- One login (sign-up, password grant) starts a session; refreshes keep it alive.
CREATE TABLE identity_sessions (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    refreshed_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    -- logout, refresh_token_reused, disabled, password_changed, password_reset
    revoked_reason  text
);
CREATE INDEX identity_sessions_user ON identity_sessions (user_id) WHERE revoked_at IS NULL;

-- Refresh tokens, stored only as their SHA-256 (hex). Each is used once: refreshing marks it used and
-- issues the next; presenting a used one again revokes its session (theft detection).
CREATE TABLE identity_refresh_tokens (
    token_hash      text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    session_id      uuid NOT NULL REFERENCES identity_sessions (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    used_at         timestamptz
);
CREATE INDEX identity_refresh_tokens_session ON identity_refresh_tokens (session_id);
