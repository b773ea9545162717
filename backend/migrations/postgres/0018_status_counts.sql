-- How many of each organisation's people are Active (accepted and signed in: phase 0, see
-- 0014), kept beside the totals of 0009. The Users list's status filters then count from this
-- row: Active is `signed_in`; Pending is the accepted who never signed in
-- (`accepted - signed_in`) plus the invitations still open (a range of
-- tree_members_open_invitations, by expiry); Expired is the rest of `invited`. Counted from
-- the rows, Active read every Active person's entry (78,000 at 100,000 people: 16 ms).
-- Lock order as in 0009: the organisation's member_counts row is locked after its accounts
-- row where a change locks that; a first sign-in (the only other way into Active) locks the
-- member_counts rows of the person's organisations alone.
ALTER TABLE member_counts ADD COLUMN signed_in BIGINT NOT NULL DEFAULT 0;

UPDATE member_counts c
SET signed_in = (SELECT COUNT(*) FROM tree_members t WHERE t.root_id = c.root_id AND t.phase = 0);

CREATE FUNCTION member_counts_signed_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.phase = 0 THEN
        UPDATE member_counts SET signed_in = signed_in - 1 WHERE root_id = OLD.root_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.phase = 0 THEN
        INSERT INTO member_counts AS c (root_id, signed_in) VALUES (NEW.root_id, 1)
        ON CONFLICT (root_id) DO UPDATE SET signed_in = c.signed_in + 1;
    END IF;
    RETURN NULL;
END
$$;

-- The phase is set by BEFORE triggers (0014) and by 0014's users_seen_sign_in, which rewrites
-- it on every sign-in: only a change into or out of Active touches the organisation's row.
CREATE TRIGGER member_counts_signed_in_insert AFTER INSERT ON tree_members
FOR EACH ROW WHEN (NEW.phase = 0) EXECUTE FUNCTION member_counts_signed_in();
CREATE TRIGGER member_counts_signed_in_delete AFTER DELETE ON tree_members
FOR EACH ROW WHEN (OLD.phase = 0) EXECUTE FUNCTION member_counts_signed_in();
CREATE TRIGGER member_counts_signed_in_update AFTER UPDATE ON tree_members
FOR EACH ROW WHEN ((OLD.phase = 0) <> (NEW.phase = 0)
                   OR (OLD.root_id <> NEW.root_id AND NEW.phase = 0))
EXECUTE FUNCTION member_counts_signed_in();
