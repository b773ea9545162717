-- The roles each person holds on any of the organisation's accounts, or is offered by its open
-- invitation, kept on their row as bits (owner 1, admin 2, basic 4, reporting 8): the Users
-- list's role filter is then checked inside the name and address indexes, as the status is,
-- instead of by two lookups per row read (at 100,000 people, "admins by address, Z to A" read
-- thousands of rows before its first page was full). Kept by triggers on every table it is
-- computed from. A sub-account's list still checks the roles on its accounts; the bits only
-- pass over the people who hold the role nowhere in the organisation.
ALTER TABLE tree_members ADD COLUMN roles INTEGER NOT NULL DEFAULT 0;

UPDATE tree_members SET roles = (SELECT COALESCE(SUM(DISTINCT CASE m.role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'basic' THEN 4 ELSE 8 END), 0)
             FROM memberships m JOIN accounts a ON a.id = m.account_id
             WHERE m.user_id = tree_members.user_id AND a.root_id = tree_members.root_id)
          | (SELECT COALESCE(SUM(DISTINCT CASE g.role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'basic' THEN 4 ELSE 8 END), 0)
             FROM invitation_grants g WHERE g.invitation_id = tree_members.invitation_id);

DROP INDEX tree_members_name;
DROP INDEX tree_members_email;
-- Each holds the other's key too: a search is checked on both while one is read in order.
CREATE INDEX tree_members_name ON tree_members
    (root_id, name_key, user_id, phase, seen_sign_in_at, invitation_expires_at, roles, email_key);
CREATE INDEX tree_members_email ON tree_members
    (root_id, email_key, user_id, phase, seen_sign_in_at, invitation_expires_at, roles, name_key);

-- A row's own roles, as it is written.
CREATE FUNCTION tree_members_roles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.roles := (SELECT COALESCE(SUM(DISTINCT CASE m.role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'basic' THEN 4 ELSE 8 END), 0)
             FROM memberships m JOIN accounts a ON a.id = m.account_id
             WHERE m.user_id = NEW.user_id AND a.root_id = NEW.root_id)
          | (SELECT COALESCE(SUM(DISTINCT CASE g.role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'basic' THEN 4 ELSE 8 END), 0)
             FROM invitation_grants g WHERE g.invitation_id = NEW.invitation_id);
    RETURN NEW;
END
$$;

CREATE TRIGGER tree_members_roles_insert BEFORE INSERT ON tree_members
FOR EACH ROW EXECUTE FUNCTION tree_members_roles();
CREATE TRIGGER tree_members_roles_invitation BEFORE UPDATE OF invitation_id ON tree_members
FOR EACH ROW EXECUTE FUNCTION tree_members_roles();

-- A person's row in an organisation, recomputed after a grant or membership there changed.
CREATE FUNCTION tree_members_roles_of(root BIGINT, person BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tree_members t SET roles = (SELECT COALESCE(SUM(DISTINCT CASE m.role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'basic' THEN 4 ELSE 8 END), 0)
             FROM memberships m JOIN accounts a ON a.id = m.account_id
             WHERE m.user_id = t.user_id AND a.root_id = t.root_id)
          | (SELECT COALESCE(SUM(DISTINCT CASE g.role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'basic' THEN 4 ELSE 8 END), 0)
             FROM invitation_grants g WHERE g.invitation_id = t.invitation_id)
    WHERE t.root_id = root AND t.user_id = person;
END
$$;

CREATE FUNCTION memberships_roles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM tree_members_roles_of(
            (SELECT root_id FROM accounts WHERE id = OLD.account_id), OLD.user_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM tree_members_roles_of(
            (SELECT root_id FROM accounts WHERE id = NEW.account_id), NEW.user_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER memberships_roles
AFTER INSERT OR DELETE OR UPDATE OF user_id, account_id, role ON memberships
FOR EACH ROW EXECUTE FUNCTION memberships_roles();

CREATE FUNCTION invitation_grants_roles() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    invited invitations%ROWTYPE;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT * INTO invited FROM invitations WHERE id = OLD.invitation_id;
        IF FOUND THEN
            PERFORM tree_members_roles_of(invited.root_id, invited.user_id);
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT * INTO invited FROM invitations WHERE id = NEW.invitation_id;
        IF FOUND THEN
            PERFORM tree_members_roles_of(invited.root_id, invited.user_id);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER invitation_grants_roles
AFTER INSERT OR DELETE OR UPDATE OF invitation_id, account_id, role ON invitation_grants
FOR EACH ROW EXECUTE FUNCTION invitation_grants_roles();
