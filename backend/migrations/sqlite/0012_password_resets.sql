-- "Forgot password?": a request for a link to choose a new password, mailed to the person.
-- A newer request cancels the older ones; a link works once, for a short time.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    cancelled_at BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- The links (minted when the mail is sent), stored hashed.
CREATE TABLE password_reset_tokens (
    token_hash TEXT PRIMARY KEY,
    reset_id BIGINT NOT NULL REFERENCES password_resets (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX password_reset_tokens_reset ON password_reset_tokens (reset_id);
