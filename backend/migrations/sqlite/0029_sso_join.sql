-- Just-in-time joining through single sign-on (off by default): someone in a verified domain
-- who signs in through the provider without an invitation joins with this role (never Owner)
-- on the accounts below, taking a seat.

-- admin, basic or reporting (JoinRole); NULL: only invited people join.
ALTER TABLE sso_providers ADD COLUMN join_role TEXT;

CREATE TABLE sso_join_accounts (
    root_id BIGINT NOT NULL REFERENCES accounts (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (root_id, account_id)
);
