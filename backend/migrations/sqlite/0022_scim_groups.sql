-- Groups an identity provider pushes (Entra ID's and Okta's group push): real objects with
-- their members, which grant nothing by themselves. The built-in `{account}-{role}` groups are
-- not stored; they are the roles on accounts.
CREATE TABLE scim_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    root_id BIGINT NOT NULL REFERENCES accounts (id),
    display_name TEXT NOT NULL,
    -- Lower-case: a provider's group names are unique in the organisation regardless of case.
    display_key TEXT NOT NULL,
    external_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX scim_groups_display_name ON scim_groups (root_id, display_key);

CREATE TABLE scim_group_members (
    group_id BIGINT NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX scim_group_members_user ON scim_group_members (user_id);
