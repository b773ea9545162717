-- What a page of the Users list shows of each person, kept on their row in the organisation
-- so that a page reads one row per person (the name index in order, then each row by key):
--
-- * `held`, the roles they hold on the organisation's accounts, and `offered`, the roles their
--   open invitation offers, each as the list reads them ("account:role" pairs, comma-separated),
--   kept by the functions of 0016's triggers, which now set them beside the role bits. A page
--   read them with two subqueries per person.
-- * `identity_name` and `identity_email`, the person's name and address as their identity
--   holds them now (users.name, users.email), kept by triggers on users. The list still shows
--   them only once the person has accepted (people.rs, PERSON_SQL).
ALTER TABLE tree_members ADD COLUMN held TEXT;
ALTER TABLE tree_members ADD COLUMN offered TEXT;
ALTER TABLE tree_members ADD COLUMN identity_name TEXT;
ALTER TABLE tree_members ADD COLUMN identity_email TEXT NOT NULL DEFAULT '';

UPDATE tree_members t SET identity_name = u.name, identity_email = u.email
FROM users u WHERE u.id = t.user_id;

-- A row's identity, as it is written.
CREATE FUNCTION tree_members_identity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT name, email INTO NEW.identity_name, NEW.identity_email FROM users WHERE id = NEW.user_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER tree_members_identity_insert BEFORE INSERT ON tree_members
FOR EACH ROW EXECUTE FUNCTION tree_members_identity();

-- Every row of a person whose name or address changed.
CREATE FUNCTION users_identity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tree_members SET identity_name = NEW.name, identity_email = NEW.email
    WHERE user_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_identity AFTER UPDATE OF name, email ON users
FOR EACH ROW EXECUTE FUNCTION users_identity();

-- The roles and access `person` holds in organisation `root` (memberships), and those
-- invitation `invitation` offers (grants), each read once by key.
CREATE FUNCTION tree_members_access(root BIGINT, person BIGINT, invitation BIGINT,
    OUT roles INTEGER, OUT held TEXT, OUT offered TEXT)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    offered_roles INTEGER;
BEGIN
    SELECT COALESCE(SUM(DISTINCT CASE m.role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'basic' THEN 4 ELSE 8 END), 0),
           string_agg(CAST(m.account_id AS TEXT) || ':' || m.role, ',')
      INTO roles, held
      FROM memberships m JOIN accounts a ON a.id = m.account_id
     WHERE m.user_id = person AND a.root_id = root;
    SELECT COALESCE(SUM(DISTINCT CASE g.role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'basic' THEN 4 ELSE 8 END), 0),
           string_agg(CAST(g.account_id AS TEXT) || ':' || g.role, ',')
      INTO offered_roles, offered
      FROM invitation_grants g WHERE g.invitation_id = invitation;
    roles := roles | offered_roles;
END
$$;

UPDATE tree_members t SET (held, offered) =
    (SELECT a.held, a.offered FROM tree_members_access(t.root_id, t.user_id, t.invitation_id) a);

-- A row's own roles and access, as it is written.
CREATE OR REPLACE FUNCTION tree_members_roles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT a.roles, a.held, a.offered INTO NEW.roles, NEW.held, NEW.offered
      FROM tree_members_access(NEW.root_id, NEW.user_id, NEW.invitation_id) a;
    RETURN NEW;
END
$$;

-- A person's row in an organisation, recomputed after a grant or membership there changed.
CREATE OR REPLACE FUNCTION tree_members_roles_of(root BIGINT, person BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tree_members t SET (roles, held, offered) =
        (SELECT a.roles, a.held, a.offered FROM tree_members_access(t.root_id, t.user_id, t.invitation_id) a)
    WHERE t.root_id = root AND t.user_id = person;
END
$$;
