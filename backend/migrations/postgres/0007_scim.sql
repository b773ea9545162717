-- People an identity provider deactivated through SCIM (`active: false`): they have left the
-- organisation, but SCIM keeps showing them as inactive until deleted or reactivated.
CREATE TABLE scim_deactivations (
    root_id BIGINT NOT NULL REFERENCES accounts (id),
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deactivated_at BIGINT NOT NULL,
    PRIMARY KEY (root_id, user_id)
);
