-- Organisations (top-level account trees), the people in them, invitations, and the audit log.

-- One row per person per organisation: exactly the people who hold (or, while invited,
-- claim) one of its seats. Sort keys are copied from `users` so a page of the Users list is a
-- range of one index, whatever the organisation's size.
CREATE TABLE tree_members (
    root_id BIGINT NOT NULL REFERENCES accounts (id),
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Lower-case name (or address, while there is no name) and address.
    name_key TEXT NOT NULL,
    email_key TEXT NOT NULL,
    -- NULL while the person is only invited.
    accepted_at BIGINT,
    -- The open invitation (NULL once accepted) and its expiry, copied for the status filter
    -- and the seat count.
    invitation_id BIGINT,
    invitation_expires_at BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (root_id, user_id)
);
CREATE INDEX tree_members_name ON tree_members (root_id, name_key, user_id);
CREATE INDEX tree_members_email ON tree_members (root_id, email_key, user_id);
CREATE INDEX tree_members_user ON tree_members (user_id);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    root_id BIGINT NOT NULL REFERENCES accounts (id),
    -- The invitee's identity (created, without a password, when first invited).
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    invited_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- The inviter's name when sent (the operator when NULL).
    inviter_name TEXT,
    sent_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    revoked_at BIGINT,
    -- Whether the audit log has recorded its expiry.
    expiry_logged BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX invitations_root ON invitations (root_id);
CREATE INDEX invitations_user ON invitations (user_id);
CREATE INDEX invitations_open_expiry ON invitations (expires_at)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- The access an invitation offers: applied as memberships when it is accepted.
CREATE TABLE invitation_grants (
    invitation_id BIGINT NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'basic', 'reporting')),
    PRIMARY KEY (invitation_id, account_id)
);
CREATE INDEX invitation_grants_account ON invitation_grants (account_id);

-- Links that accept an invitation (the emailed one, copied ones), stored hashed; all of an
-- invitation's links die when it is accepted, revoked or sent again.
CREATE TABLE invitation_tokens (
    token_hash TEXT PRIMARY KEY,
    invitation_id BIGINT NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX invitation_tokens_invitation ON invitation_tokens (invitation_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    root_id BIGINT NOT NULL,
    account_id BIGINT,
    actor_user_id BIGINT,
    -- "Name <address>" when it happened (people rename; the log must not change).
    actor TEXT,
    action TEXT NOT NULL,
    summary TEXT NOT NULL,
    account_name TEXT,
    ip TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_root ON audit_log (root_id, id);
