-- The Users list's search on PostgreSQL reads its matches as one range of an index. A search
-- matches a person whose name or address starts with it, or a later word of whose name does
-- (db::people, `write_people_where`): each place a match may start, the name, the address and
-- the rest of the name after each of its spaces, is a row here, so the matches of a search are
-- the rows starting with it, exactly (a person whose name and address both start with it
-- comes twice). The trigram index (0015) made a search of two letters ("ma", 7,700 matches at
-- 100,000 people) read the list in order and check 46,000 rows (10.6 ms), and a whole address
-- look for itself in every name as a later word (3.9 ms).
CREATE TABLE people_starts (
    root_id BIGINT NOT NULL,
    start_key TEXT COLLATE "C" NOT NULL,
    user_id BIGINT NOT NULL,
    PRIMARY KEY (root_id, start_key, user_id)
);

CREATE FUNCTION people_starts_of(name_key TEXT, email_key TEXT) RETURNS SETOF TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT s FROM (
        SELECT name_key AS s
        UNION ALL SELECT email_key
        UNION ALL SELECT substr(name_key, p + 1)
        FROM generate_series(1, length(name_key)) AS p
        WHERE substr(name_key, p, 1) = ' '
    ) AS starts
    WHERE s <> ''
$$;

-- Each row is deleted by its whole key: a statement of a trigger is planned once per
-- connection, possibly while the table is empty (an organisation filled in one transaction),
-- and a lookup by the whole primary key stays a lookup whatever the statistics said then.
CREATE FUNCTION people_starts_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_start TEXT;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.root_id = OLD.root_id AND NEW.user_id = OLD.user_id
       AND NEW.name_key = OLD.name_key AND NEW.email_key = OLD.email_key THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        FOR old_start IN SELECT people_starts_of(OLD.name_key, OLD.email_key) LOOP
            DELETE FROM people_starts
            WHERE root_id = OLD.root_id AND start_key = old_start AND user_id = OLD.user_id;
        END LOOP;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO people_starts (root_id, start_key, user_id)
        SELECT NEW.root_id, s, NEW.user_id FROM people_starts_of(NEW.name_key, NEW.email_key) AS s
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER people_starts_track
AFTER INSERT OR DELETE OR UPDATE OF root_id, user_id, name_key, email_key ON tree_members
FOR EACH ROW EXECUTE FUNCTION people_starts_track();

INSERT INTO people_starts (root_id, start_key, user_id)
SELECT t.root_id, s, t.user_id FROM tree_members t, people_starts_of(t.name_key, t.email_key) AS s;
ANALYZE people_starts;
