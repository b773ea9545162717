-- The Users list's search and access filters read indexes, not every person.
--
-- `people_search`: the words of each person's name and address (lower-case, as the list's
-- sort keys), with prefix indexes for short searches. Contentless: the text is in
-- tree_members; its rowid is the person's place in an organisation, root_id * 2^32 + user_id,
-- so one organisation's people are one rowid range (and the rowid does not depend on
-- tree_members' own, which VACUUM may renumber). It finds the candidates of a search; the
-- list then checks each against the search's exact rule (db::people).
CREATE VIRTUAL TABLE people_search USING fts5 (
    name_key, email_key,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

INSERT INTO people_search (rowid, name_key, email_key)
SELECT root_id * 4294967296 + user_id, name_key, email_key FROM tree_members;

CREATE TRIGGER people_search_insert AFTER INSERT ON tree_members
BEGIN
    INSERT INTO people_search (rowid, name_key, email_key)
    VALUES (NEW.root_id * 4294967296 + NEW.user_id, NEW.name_key, NEW.email_key);
END;

CREATE TRIGGER people_search_delete AFTER DELETE ON tree_members
BEGIN
    DELETE FROM people_search WHERE rowid = OLD.root_id * 4294967296 + OLD.user_id;
END;

CREATE TRIGGER people_search_update AFTER UPDATE OF root_id, user_id, name_key, email_key
ON tree_members
BEGIN
    DELETE FROM people_search WHERE rowid = OLD.root_id * 4294967296 + OLD.user_id;
    INSERT INTO people_search (rowid, name_key, email_key)
    VALUES (NEW.root_id * 4294967296 + NEW.user_id, NEW.name_key, NEW.email_key);
END;

-- Who holds (or is offered) a role on an account: the access filters' candidates.
CREATE INDEX memberships_account_role ON memberships (account_id, role, user_id);
CREATE INDEX invitation_grants_account_role ON invitation_grants (account_id, role, invitation_id);
