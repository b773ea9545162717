-- What a page of the Users list shows of each person, kept on their row in the organisation
-- so that a page reads one row per person (the name index in order, then each row by key):
--
-- * `held`, the roles they hold on the organisation's accounts, and `offered`, the roles their
--   open invitation offers, each as the list reads them ("account:role" pairs, comma-separated),
--   beside the role bits of 0016 and kept by the same triggers. A page read them with two
--   subqueries per person (their memberships by key, each one's account, the grants).
-- * `identity_name` and `identity_email`, the person's name and address as their identity
--   holds them now (users.name, users.email), kept by triggers on users. The list still shows
--   them only once the person has accepted (people.rs, PERSON_SQL); a page read them from
--   users, one more row by key per person, in a table of everyone's identities.
--
-- At 10,000 people in SQLite the statement of a page at a random depth took 262 µs with the
-- subqueries and the users row, 120 µs without.
ALTER TABLE tree_members ADD COLUMN held TEXT;
ALTER TABLE tree_members ADD COLUMN offered TEXT;
ALTER TABLE tree_members ADD COLUMN identity_name TEXT;
ALTER TABLE tree_members ADD COLUMN identity_email TEXT NOT NULL DEFAULT '';

UPDATE tree_members SET (identity_name, identity_email) =
    (SELECT name, email FROM users WHERE users.id = tree_members.user_id);

CREATE TRIGGER tree_members_identity_insert AFTER INSERT ON tree_members
BEGIN
    UPDATE tree_members SET (identity_name, identity_email) =
        (SELECT name, email FROM users WHERE users.id = NEW.user_id)
    WHERE root_id = NEW.root_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER users_identity AFTER UPDATE OF name, email ON users
BEGIN
    UPDATE tree_members SET identity_name = NEW.name, identity_email = NEW.email
    WHERE user_id = NEW.id;
END;

-- The triggers of 0016 and the view they read, replaced by ones that keep all three columns.
DROP TRIGGER tree_members_roles_insert;
DROP TRIGGER tree_members_roles_invitation;
DROP TRIGGER memberships_roles_insert;
DROP TRIGGER memberships_roles_delete;
DROP TRIGGER memberships_roles_update;
DROP TRIGGER invitation_grants_roles_insert;
DROP TRIGGER invitation_grants_roles_delete;
DROP TRIGGER invitation_grants_roles_update;
DROP VIEW tree_member_roles;

-- Each person's roles and access in each organisation, as they are now (SQLite has no
-- functions: each trigger below reads one row of this).
CREATE VIEW tree_member_roles AS
SELECT t.root_id, t.user_id,
       (SELECT COALESCE(SUM(DISTINCT CASE m.role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'basic' THEN 4 ELSE 8 END), 0)
        FROM memberships m JOIN accounts a ON a.id = m.account_id
        WHERE m.user_id = t.user_id AND a.root_id = t.root_id)
     | (SELECT COALESCE(SUM(DISTINCT CASE g.role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'basic' THEN 4 ELSE 8 END), 0)
        FROM invitation_grants g WHERE g.invitation_id = t.invitation_id) AS roles,
       (SELECT group_concat(CAST(m.account_id AS TEXT) || ':' || m.role, ',')
        FROM memberships m JOIN accounts a ON a.id = m.account_id
        WHERE m.user_id = t.user_id AND a.root_id = t.root_id) AS held,
       (SELECT group_concat(CAST(g.account_id AS TEXT) || ':' || g.role, ',')
        FROM invitation_grants g WHERE g.invitation_id = t.invitation_id) AS offered
FROM tree_members t;

UPDATE tree_members SET (held, offered) = (SELECT held, offered FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id);

CREATE TRIGGER tree_members_roles_insert AFTER INSERT ON tree_members
BEGIN
    UPDATE tree_members SET (roles, held, offered) = (SELECT roles, held, offered FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE root_id = NEW.root_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER tree_members_roles_invitation AFTER UPDATE OF invitation_id ON tree_members
BEGIN
    UPDATE tree_members SET (roles, held, offered) = (SELECT roles, held, offered FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE root_id = NEW.root_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER memberships_roles_insert AFTER INSERT ON memberships
BEGIN
    UPDATE tree_members SET (roles, held, offered) = (SELECT roles, held, offered FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE user_id = NEW.user_id
      AND root_id = (SELECT root_id FROM accounts WHERE id = NEW.account_id);
END;

CREATE TRIGGER memberships_roles_delete AFTER DELETE ON memberships
BEGIN
    UPDATE tree_members SET (roles, held, offered) = (SELECT roles, held, offered FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE user_id = OLD.user_id
      AND root_id = (SELECT root_id FROM accounts WHERE id = OLD.account_id);
END;

CREATE TRIGGER memberships_roles_update AFTER UPDATE OF user_id, account_id, role ON memberships
BEGIN
    UPDATE tree_members SET (roles, held, offered) = (SELECT roles, held, offered FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE user_id = OLD.user_id
      AND root_id = (SELECT root_id FROM accounts WHERE id = OLD.account_id);
    UPDATE tree_members SET (roles, held, offered) = (SELECT roles, held, offered FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE user_id = NEW.user_id
      AND root_id = (SELECT root_id FROM accounts WHERE id = NEW.account_id);
END;

CREATE TRIGGER invitation_grants_roles_insert AFTER INSERT ON invitation_grants
BEGIN
    UPDATE tree_members SET (roles, held, offered) = (SELECT roles, held, offered FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE root_id = (SELECT root_id FROM invitations WHERE id = NEW.invitation_id)
      AND user_id = (SELECT user_id FROM invitations WHERE id = NEW.invitation_id);
END;

CREATE TRIGGER invitation_grants_roles_delete AFTER DELETE ON invitation_grants
BEGIN
    UPDATE tree_members SET (roles, held, offered) = (SELECT roles, held, offered FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE root_id = (SELECT root_id FROM invitations WHERE id = OLD.invitation_id)
      AND user_id = (SELECT user_id FROM invitations WHERE id = OLD.invitation_id);
END;

CREATE TRIGGER invitation_grants_roles_update AFTER UPDATE OF invitation_id, account_id, role ON invitation_grants
BEGIN
    UPDATE tree_members SET (roles, held, offered) = (SELECT roles, held, offered FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE root_id = (SELECT root_id FROM invitations WHERE id = OLD.invitation_id)
      AND user_id = (SELECT user_id FROM invitations WHERE id = OLD.invitation_id);
    UPDATE tree_members SET (roles, held, offered) = (SELECT roles, held, offered FROM tree_member_roles r
                    WHERE r.root_id = tree_members.root_id AND r.user_id = tree_members.user_id)
    WHERE root_id = (SELECT root_id FROM invitations WHERE id = NEW.invitation_id)
      AND user_id = (SELECT user_id FROM invitations WHERE id = NEW.invitation_id);
END;
