-- Every order and filter of the Users list is a range of one index of tree_members, at any
-- depth: the status and the last sign-in the organisation sees are kept on the person's row
-- (by the triggers below), so neither needs `users` to be read row by row.
--
-- `phase`: 0 accepted and signed in (Active), 1 accepted but never signed in (Pending),
-- 2 invited. An invited person's status also depends on the time (Pending until
-- `invitation_expires_at`, Expired after), so that part is read from the expiry, which is in
-- the same index.
-- `seen_sign_in_at`: the person's last sign-in once they have accepted, NULL before: an
-- organisation does not see what someone it only invited does elsewhere.
ALTER TABLE tree_members ADD COLUMN phase INTEGER NOT NULL DEFAULT 2;
ALTER TABLE tree_members ADD COLUMN seen_sign_in_at BIGINT;

UPDATE tree_members
SET phase = CASE
        WHEN accepted_at IS NULL THEN 2
        WHEN (SELECT first_sign_in_at FROM users u WHERE u.id = tree_members.user_id) IS NOT NULL THEN 0
        ELSE 1 END,
    seen_sign_in_at = CASE
        WHEN accepted_at IS NULL THEN NULL
        ELSE (SELECT last_sign_in_at FROM users u WHERE u.id = tree_members.user_id) END;

CREATE INDEX tree_members_phase
    ON tree_members (root_id, phase, name_key, user_id, invitation_expires_at);
CREATE INDEX tree_members_sign_in ON tree_members (root_id, seen_sign_in_at, user_id);
-- The name and address orders carry what the status and sign-in filters read, so a filtered
-- page read in either order checks each row in the index without reading the row itself.
DROP INDEX tree_members_name;
DROP INDEX tree_members_email;
CREATE INDEX tree_members_name
    ON tree_members (root_id, name_key, user_id, phase, seen_sign_in_at, invitation_expires_at);
CREATE INDEX tree_members_email
    ON tree_members (root_id, email_key, user_id, phase, seen_sign_in_at, invitation_expires_at);

-- An invitation is usually inserted unaccepted (the defaults are right); a member inserted
-- accepted, or accepting, takes what their identity shows.
CREATE TRIGGER tree_members_seen_insert AFTER INSERT ON tree_members
WHEN NEW.accepted_at IS NOT NULL
BEGIN
    UPDATE tree_members
    SET phase = CASE WHEN (SELECT first_sign_in_at FROM users WHERE id = NEW.user_id) IS NOT NULL
                     THEN 0 ELSE 1 END,
        seen_sign_in_at = (SELECT last_sign_in_at FROM users WHERE id = NEW.user_id)
    WHERE root_id = NEW.root_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER tree_members_seen_accept AFTER UPDATE OF accepted_at ON tree_members
BEGIN
    UPDATE tree_members
    SET phase = CASE WHEN NEW.accepted_at IS NULL THEN 2
                     WHEN (SELECT first_sign_in_at FROM users WHERE id = NEW.user_id) IS NOT NULL
                     THEN 0 ELSE 1 END,
        seen_sign_in_at = CASE WHEN NEW.accepted_at IS NULL THEN NULL
                               ELSE (SELECT last_sign_in_at FROM users WHERE id = NEW.user_id) END
    WHERE root_id = NEW.root_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER users_seen_sign_in AFTER UPDATE OF first_sign_in_at, last_sign_in_at ON users
BEGIN
    UPDATE tree_members
    SET phase = CASE WHEN NEW.first_sign_in_at IS NOT NULL THEN 0 ELSE 1 END,
        seen_sign_in_at = NEW.last_sign_in_at
    WHERE user_id = NEW.id AND accepted_at IS NOT NULL;
END;
