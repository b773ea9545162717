-- Notification preferences, verified email changes, and API tokens.

ALTER TABLE users ADD COLUMN notify_desktop BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN notify_badge BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN notify_sound BOOLEAN NOT NULL DEFAULT FALSE;

-- A requested change of a person's address; it takes effect when confirmed from the new one.
CREATE TABLE email_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email TEXT NOT NULL,
    new_email_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    cancelled_at BIGINT
);
CREATE INDEX email_changes_user ON email_changes (user_id);

-- Confirmation links (minted when the mail is sent), stored hashed.
CREATE TABLE email_change_tokens (
    token_hash TEXT PRIMARY KEY,
    change_id BIGINT NOT NULL REFERENCES email_changes (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

-- Tokens for programs (scripts, an identity provider's SCIM client, the messaging side),
-- scoped to one account and its sub-accounts with a highest role; stored hashed.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    root_id BIGINT NOT NULL REFERENCES accounts (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    -- The first characters, so people can tell their tokens apart.
    prefix TEXT NOT NULL,
    max_role TEXT NOT NULL CHECK (max_role IN ('owner', 'admin', 'basic', 'reporting')),
    created_by BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);
