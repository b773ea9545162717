-- Passkeys (WebAuthn discoverable credentials): a person signs in with one instead of their
-- password and a code.

-- The user handle a passkey carries (a random UUID, not the person's id or address: an
-- authenticator may show it to anyone holding the device). Made on a person's first passkey.
ALTER TABLE users ADD COLUMN webauthn_handle TEXT;
CREATE UNIQUE INDEX users_webauthn_handle ON users (webauthn_handle);

CREATE TABLE passkeys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- base64url of the credential id the authenticator chose; one person's only.
    credential_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- The public key and signature counter, as webauthn-rs keeps them (JSON).
    credential TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- A registration or sign-in in progress: the challenge the browser signs and what checking
-- its answer needs. Single-use (taken by deleting it), short-lived, and in the database so
-- any replica can finish what another started.
CREATE TABLE webauthn_ceremonies (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('register', 'sign_in')),
    -- Whose passkey is being added; NULL for a sign-in (nobody is known yet).
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX webauthn_ceremonies_expires ON webauthn_ceremonies (expires_at);

-- How each session was started, shown on Connected devices.
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password'
    CHECK (method IN ('password', 'passkey', 'sso'));
