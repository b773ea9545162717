-- Accounts, people, their access, and everything signing in needs.

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id BIGINT REFERENCES accounts (id),
    -- The top-level account of the tree (itself for a top-level account): every seat and
    -- scope question is asked per tree.
    root_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    -- Plan key (top-level accounts only), from the plan configuration.
    plan TEXT,
    extra_seats BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    archived_at BIGINT
);
CREATE INDEX accounts_root ON accounts (root_id);
CREATE INDEX accounts_parent ON accounts (parent_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- As given (local part as typed, domain lower-case ASCII); email_key is its lower-case
    -- form and what makes a person unique.
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    -- NULL for someone invited who has not created their profile yet.
    name TEXT,
    -- argon2id PHC string; NULL while a person has no password (invited, not yet accepted).
    password_hash TEXT,
    -- E.164, and the default sending country (ISO 3166-1 alpha-2).
    mobile TEXT,
    country TEXT,
    created_at BIGINT NOT NULL,
    first_sign_in_at BIGINT,
    last_sign_in_at BIGINT,
    last_account_id BIGINT,
    totp_secret TEXT,
    totp_pending_secret TEXT,
    totp_last_step BIGINT
);

CREATE TABLE memberships (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'basic', 'reporting')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, account_id)
);
CREATE INDEX memberships_account ON memberships (account_id);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    user_agent TEXT NOT NULL,
    browser TEXT NOT NULL,
    os TEXT NOT NULL,
    ip TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- The second step of signing in with two-factor authentication.
CREATE TABLE sign_in_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- One-time links that create the first account; all are deleted once one is used.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

-- Failed sign-ins per email and per client address, shared by every replica.
CREATE TABLE sign_in_failures (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
