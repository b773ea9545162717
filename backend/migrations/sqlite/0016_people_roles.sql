-- The roles each person holds on any of the organisation's accounts, or is offered by its open
-- invitation, kept on their row as bits (owner 1, admin 2, basic 4, reporting 8): the Users
-- list's role filter is then checked inside the name and address indexes, as the status is,
-- instead of by two lookups per row read (at 100,000 people, "admins by address, Z to A" read
-- thousands of rows before its first page was full). Kept by triggers on every table it is
-- computed from. A sub-account's list still checks the roles on its accounts; the bits only
-- pass over the people who hold the role nowhere in the organisation.
ALTER TABLE tree_members ADD COLUMN roles INTEGER NOT NULL DEFAULT 0;

-- Each person's roles in each organisation, as they are now (SQLite has no functions: each
-- trigger below reads one row of this).
CREATE VIEW tree_member_roles AS
SELECT t.root_id, t.user_id,
       (SELECT COALESCE(SUM(DISTINCT CASE m.role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'basic' THEN 4 ELSE 8 END), 0)
        FROM memberships m JOIN accounts a ON a.id = m.account_id
        WHERE m.user_id = t.user_id AND a.root_id = t.root_id)
     | (SELECT COALESCE(SUM(DISTINCT CASE g.role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'basic' THEN 4 ELSE 8 END), 0)
        FROM invitation_grants g WHERE g.invitation_id = t.invitation_id) AS roles
FROM tree_members t;

UPDATE tree_members SET roles = (SELECT roles FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id);

DROP INDEX tree_members_name;
DROP INDEX tree_members_email;
-- Each holds the other's key too: a search is checked on both while one is read in order.
CREATE INDEX tree_members_name ON tree_members
    (root_id, name_key, user_id, phase, seen_sign_in_at, invitation_expires_at, roles, email_key);
CREATE INDEX tree_members_email ON tree_members
    (root_id, email_key, user_id, phase, seen_sign_in_at, invitation_expires_at, roles, name_key);

CREATE TRIGGER tree_members_roles_insert AFTER INSERT ON tree_members
BEGIN
    UPDATE tree_members SET roles = (SELECT roles FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE root_id = NEW.root_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER tree_members_roles_invitation AFTER UPDATE OF invitation_id ON tree_members
BEGIN
    UPDATE tree_members SET roles = (SELECT roles FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE root_id = NEW.root_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER memberships_roles_insert AFTER INSERT ON memberships
BEGIN
    UPDATE tree_members SET roles = (SELECT roles FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE user_id = NEW.user_id
      AND root_id = (SELECT root_id FROM accounts WHERE id = NEW.account_id);
END;

CREATE TRIGGER memberships_roles_delete AFTER DELETE ON memberships
BEGIN
    UPDATE tree_members SET roles = (SELECT roles FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE user_id = OLD.user_id
      AND root_id = (SELECT root_id FROM accounts WHERE id = OLD.account_id);
END;

CREATE TRIGGER memberships_roles_update AFTER UPDATE OF user_id, account_id, role ON memberships
BEGIN
    UPDATE tree_members SET roles = (SELECT roles FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE user_id = OLD.user_id
      AND root_id = (SELECT root_id FROM accounts WHERE id = OLD.account_id);
    UPDATE tree_members SET roles = (SELECT roles FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE user_id = NEW.user_id
      AND root_id = (SELECT root_id FROM accounts WHERE id = NEW.account_id);
END;

CREATE TRIGGER invitation_grants_roles_insert AFTER INSERT ON invitation_grants
BEGIN
    UPDATE tree_members SET roles = (SELECT roles FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE root_id = (SELECT root_id FROM invitations WHERE id = NEW.invitation_id)
      AND user_id = (SELECT user_id FROM invitations WHERE id = NEW.invitation_id);
END;

CREATE TRIGGER invitation_grants_roles_delete AFTER DELETE ON invitation_grants
BEGIN
    UPDATE tree_members SET roles = (SELECT roles FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE root_id = (SELECT root_id FROM invitations WHERE id = OLD.invitation_id)
      AND user_id = (SELECT user_id FROM invitations WHERE id = OLD.invitation_id);
END;

CREATE TRIGGER invitation_grants_roles_update AFTER UPDATE OF invitation_id, account_id, role ON invitation_grants
BEGIN
    UPDATE tree_members SET roles = (SELECT roles FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE root_id = (SELECT root_id FROM invitations WHERE id = OLD.invitation_id)
      AND user_id = (SELECT user_id FROM invitations WHERE id = OLD.invitation_id);
    UPDATE tree_members SET roles = (SELECT roles FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE root_id = (SELECT root_id FROM invitations WHERE id = NEW.invitation_id)
      AND user_id = (SELECT user_id FROM invitations WHERE id = NEW.invitation_id);
END;
