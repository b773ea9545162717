-- How many people each organisation has, kept up to date by a trigger on tree_members.
-- The seat count runs inside every invitation's transaction, which every other invitation of
-- the organisation waits for; counted from the rows it grew with the organisation. Now it
-- reads this row and counts only invitations that have run out.
-- `invited`: members not yet accepted, whether or not their invitation is still open.
-- Lock order: every change to an existing organisation's members happens after its accounts row is
-- locked (lock_organisation), so this row is always locked second and never deadlocks.
CREATE TABLE member_counts (
    root_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    accepted BIGINT NOT NULL DEFAULT 0,
    invited BIGINT NOT NULL DEFAULT 0
);

INSERT INTO member_counts (root_id, accepted, invited)
SELECT root_id,
       COUNT(*) FILTER (WHERE accepted_at IS NOT NULL),
       COUNT(*) FILTER (WHERE accepted_at IS NULL)
FROM tree_members GROUP BY root_id;

CREATE FUNCTION member_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE member_counts
        SET accepted = accepted - (OLD.accepted_at IS NOT NULL)::int,
            invited = invited - (OLD.accepted_at IS NULL)::int
        WHERE root_id = OLD.root_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO member_counts AS c (root_id, accepted, invited)
        VALUES (NEW.root_id, (NEW.accepted_at IS NOT NULL)::int, (NEW.accepted_at IS NULL)::int)
        ON CONFLICT (root_id) DO UPDATE
        SET accepted = c.accepted + EXCLUDED.accepted, invited = c.invited + EXCLUDED.invited;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER member_counts_track
AFTER INSERT OR DELETE OR UPDATE OF root_id, accepted_at ON tree_members
FOR EACH ROW EXECUTE FUNCTION member_counts_track();
