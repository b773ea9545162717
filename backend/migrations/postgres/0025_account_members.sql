-- How many members each account has in each role, kept as memberships change. A sub-account's
-- Users list is broad when one of its accounts alone has more than 2,500 members with the role
-- asked for (each is a different person, and each is on the list): known from these rows, the
-- list is read in name order without first counting the memberships and grants of all its
-- accounts. Counting those, 2,501 rows and their distinct people, was a millisecond of every
-- such page on PostgreSQL at 100,000 people (as long as the page itself).
--
-- Access edits and acceptances, which change memberships, lock their organisation first, so
-- these rows are written by one transaction at a time per organisation, as member_counts' are
-- (0009).
CREATE TABLE account_members (
    account_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    members BIGINT NOT NULL,
    PRIMARY KEY (account_id, role)
);

INSERT INTO account_members (account_id, role, members)
SELECT account_id, role, COUNT(*) FROM memberships GROUP BY account_id, role;

CREATE FUNCTION account_members_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.account_id = NEW.account_id AND OLD.role = NEW.role THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE account_members SET members = members - 1
        WHERE account_id = OLD.account_id AND role = OLD.role;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO account_members AS c (account_id, role, members)
        VALUES (NEW.account_id, NEW.role, 1)
        ON CONFLICT (account_id, role) DO UPDATE SET members = c.members + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER account_members_track
AFTER INSERT OR DELETE OR UPDATE OF account_id, role ON memberships
FOR EACH ROW EXECUTE FUNCTION account_members_track();
