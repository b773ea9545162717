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
ALTER TABLE tree_members ADD COLUMN phase SMALLINT NOT NULL DEFAULT 2;
ALTER TABLE tree_members ADD COLUMN seen_sign_in_at BIGINT;

UPDATE tree_members t
SET phase = CASE WHEN t.accepted_at IS NULL THEN 2
                 WHEN u.first_sign_in_at IS NOT NULL THEN 0 ELSE 1 END,
    seen_sign_in_at = CASE WHEN t.accepted_at IS NULL THEN NULL ELSE u.last_sign_in_at END
FROM users u WHERE u.id = t.user_id;

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

CREATE FUNCTION tree_members_seen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    first_at BIGINT;
    last_at BIGINT;
BEGIN
    IF NEW.accepted_at IS NULL THEN
        NEW.phase := 2;
        NEW.seen_sign_in_at := NULL;
    ELSE
        SELECT first_sign_in_at, last_sign_in_at INTO first_at, last_at
        FROM users WHERE id = NEW.user_id;
        NEW.phase := CASE WHEN first_at IS NOT NULL THEN 0 ELSE 1 END;
        NEW.seen_sign_in_at := last_at;
    END IF;
    RETURN NEW;
END
$$;

-- An invitation is usually inserted unaccepted (the defaults are right); a member inserted
-- accepted, or accepting, takes what their identity shows.
CREATE TRIGGER tree_members_seen_insert BEFORE INSERT ON tree_members
FOR EACH ROW WHEN (NEW.accepted_at IS NOT NULL) EXECUTE FUNCTION tree_members_seen();
CREATE TRIGGER tree_members_seen_accept BEFORE UPDATE OF accepted_at ON tree_members
FOR EACH ROW EXECUTE FUNCTION tree_members_seen();

CREATE FUNCTION users_seen_sign_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tree_members
    SET phase = CASE WHEN NEW.first_sign_in_at IS NOT NULL THEN 0 ELSE 1 END,
        seen_sign_in_at = NEW.last_sign_in_at
    WHERE user_id = NEW.id AND accepted_at IS NOT NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_seen_sign_in
AFTER UPDATE OF first_sign_in_at, last_sign_in_at ON users
FOR EACH ROW WHEN (OLD.first_sign_in_at IS DISTINCT FROM NEW.first_sign_in_at
                   OR OLD.last_sign_in_at IS DISTINCT FROM NEW.last_sign_in_at)
EXECUTE FUNCTION users_seen_sign_in();
