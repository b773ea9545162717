-- How many members each account has in each role, kept as memberships change. A sub-account's
-- Users list is broad when one of its accounts alone has more than 2,500 members with the role
-- asked for (each is a different person, and each is on the list): known from these rows, the
-- list is read in name order without first counting the memberships and grants of all its
-- accounts (2,501 rows and their distinct people, for every page).
--
-- A missing row is added only where none is, not with INSERT OR IGNORE: a trigger's statement
-- takes the conflict policy of the statement that fired it, and an access edit's membership
-- upsert (ON CONFLICT DO UPDATE) made the ignored conflict an error.
CREATE TABLE account_members (
    account_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    members BIGINT NOT NULL,
    PRIMARY KEY (account_id, role)
) WITHOUT ROWID;

INSERT INTO account_members (account_id, role, members)
SELECT account_id, role, COUNT(*) FROM memberships GROUP BY account_id, role;

CREATE TRIGGER account_members_insert AFTER INSERT ON memberships
BEGIN
    INSERT INTO account_members (account_id, role, members)
    SELECT NEW.account_id, NEW.role, 0 WHERE NOT EXISTS
        (SELECT 1 FROM account_members WHERE account_id = NEW.account_id AND role = NEW.role);
    UPDATE account_members SET members = members + 1
    WHERE account_id = NEW.account_id AND role = NEW.role;
END;

CREATE TRIGGER account_members_delete AFTER DELETE ON memberships
BEGIN
    UPDATE account_members SET members = members - 1
    WHERE account_id = OLD.account_id AND role = OLD.role;
END;

CREATE TRIGGER account_members_update AFTER UPDATE OF account_id, role ON memberships
WHEN OLD.account_id <> NEW.account_id OR OLD.role <> NEW.role
BEGIN
    UPDATE account_members SET members = members - 1
    WHERE account_id = OLD.account_id AND role = OLD.role;
    INSERT INTO account_members (account_id, role, members)
    SELECT NEW.account_id, NEW.role, 0 WHERE NOT EXISTS
        (SELECT 1 FROM account_members WHERE account_id = NEW.account_id AND role = NEW.role);
    UPDATE account_members SET members = members + 1
    WHERE account_id = NEW.account_id AND role = NEW.role;
END;
