-- Single sign-on with OpenID Connect: one identity provider per organisation (on its
-- top-level account), the email domains the organisation proved it owns, and sign-ins under way.

CREATE TABLE sso_providers (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    -- Sealed with the server's secret key (see src/sso/secret.rs), never stored in the clear.
    client_secret TEXT NOT NULL,
    -- People in the verified domains must sign in through the provider.
    required BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sso_domains (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    -- Lower-case ASCII (EmailDomain).
    domain TEXT NOT NULL,
    -- The value of the DNS TXT record that proves it.
    token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    verified_at BIGINT,
    UNIQUE (account_id, domain)
);
-- Once verified, a domain is one organisation's: its provider decides who those addresses are.
CREATE UNIQUE INDEX sso_domains_verified ON sso_domains (domain) WHERE verified_at IS NOT NULL;

-- A sign-in sent to the provider and not back yet: found by the hash of its `state`, taken
-- by deleting it (single-use), with what checking the answer needs.
CREATE TABLE sso_logins (
    state_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_logins_expires ON sso_logins (expires_at);
