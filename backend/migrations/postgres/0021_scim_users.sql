-- What an identity provider calls each person it provisions into an organisation: its own
-- identifier (SCIM `userName`: Entra ID's user principal name, Okta's login, not necessarily an
-- address), its `externalId`, and the attributes it sent (name, displayName, emails) as JSON,
-- so they read back as sent. The person's address in Roster stays their own identity's.
CREATE TABLE scim_users (
    root_id BIGINT NOT NULL REFERENCES accounts (id),
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_name TEXT NOT NULL,
    -- Lower-case: unique within the organisation regardless of case (RFC 7643 §4.1.1).
    user_name_key TEXT NOT NULL,
    external_id TEXT,
    -- Lower-case, for filters (their text is compared without case).
    external_id_key TEXT,
    attributes TEXT NOT NULL,
    PRIMARY KEY (root_id, user_id)
);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (root_id, user_name_key);
CREATE INDEX scim_users_external_id ON scim_users (root_id, external_id_key);
