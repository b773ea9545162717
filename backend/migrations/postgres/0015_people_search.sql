-- The Users list's search and access filters read indexes, not every person.
--
-- Trigram indexes over the list's lower-case name and address keys: the search's own
-- conditions (`LIKE 'x%'`, `LIKE '% x%'`) are answered from them. pg_trgm ships with
-- PostgreSQL (contrib) and is a trusted extension: a database owner may create it.
-- The extension may already be installed in another schema of the database (it is installed
-- once per database): its operator class is named with that schema.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DO $$
DECLARE
    home TEXT;
BEGIN
    SELECT n.nspname INTO home
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    EXECUTE format(
        'CREATE INDEX tree_members_search ON tree_members '
        'USING gin (name_key %1$I.gin_trgm_ops, email_key %1$I.gin_trgm_ops)',
        home);
END
$$;

-- Who holds (or is offered) a role on an account: the access filters' candidates.
CREATE INDEX memberships_account_role ON memberships (account_id, role, user_id);
CREATE INDEX invitation_grants_account_role ON invitation_grants (account_id, role, invitation_id);
