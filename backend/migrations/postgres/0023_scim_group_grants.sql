-- What a pushed group gives its members once an Owner maps it (Settings › Provisioning): one
-- role on one or more accounts of the organisation. A group with no rows grants nothing.
CREATE TABLE scim_group_grants (
    group_id BIGINT NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    -- The same role on every row of a group (written together by one statement's caller).
    role TEXT NOT NULL,
    PRIMARY KEY (group_id, account_id)
);
