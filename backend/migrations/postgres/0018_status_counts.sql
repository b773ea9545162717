-- How many of each organisation's people are Active (accepted and signed in: phase 0, see
-- 0014), kept beside the totals of 0009. The Users list's status filters then count from this
-- row: Active is `signed_in`; Pending is the accepted who never signed in
-- (`accepted - signed_in`) plus the invitations still open (a range of
-- tree_members_open_invitations, by expiry); Expired is the rest of `invited`. Counted from
-- the rows, Active read every Active person's entry (78,000 at 100,000 people: 16 ms).
-- Lock order as in 0009: the organisation's member_counts row is locked after its accounts
-- row where a change locks that; a first sign-in (the only other way into Active) locks the
-- member_counts rows of the person's organisations alone.
--
-- 0009's trigger function keeps all three counts, with one write of the organisation's row
-- per change (accepting wrote it twice before): a long transaction that adds many people
-- (`roster demo`, an import) leaves one version of that row per write for each later write to
-- step over until it commits, so each write more makes every later one slower. Kept by a
-- trigger of its own, Active took a demo of 30,000 people from 51 s to 78 s.
ALTER TABLE member_counts ADD COLUMN signed_in BIGINT NOT NULL DEFAULT 0;

UPDATE member_counts c
SET signed_in = (SELECT COUNT(*) FROM tree_members t WHERE t.root_id = c.root_id AND t.phase = 0);

CREATE OR REPLACE FUNCTION member_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_accepted INT := 0;
    old_signed_in INT := 0;
    new_accepted INT := 0;
    new_signed_in INT := 0;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_accepted := (OLD.accepted_at IS NOT NULL)::int;
        old_signed_in := (OLD.phase = 0)::int;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_accepted := (NEW.accepted_at IS NOT NULL)::int;
        new_signed_in := (NEW.phase = 0)::int;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.root_id = NEW.root_id THEN
        -- Every sign-in rewrites the phase of the person's rows (0014's users_seen_sign_in):
        -- only a change of what is counted writes the organisation's row.
        IF old_accepted = new_accepted AND old_signed_in = new_signed_in THEN
            RETURN NULL;
        END IF;
        UPDATE member_counts
        SET accepted = accepted + new_accepted - old_accepted,
            invited = invited - new_accepted + old_accepted,
            signed_in = signed_in + new_signed_in - old_signed_in
        WHERE root_id = NEW.root_id;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE member_counts
        SET accepted = accepted - old_accepted,
            invited = invited - (1 - old_accepted),
            signed_in = signed_in - old_signed_in
        WHERE root_id = OLD.root_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO member_counts AS c (root_id, accepted, invited, signed_in)
        VALUES (NEW.root_id, new_accepted, 1 - new_accepted, new_signed_in)
        ON CONFLICT (root_id) DO UPDATE
        SET accepted = c.accepted + EXCLUDED.accepted,
            invited = c.invited + EXCLUDED.invited,
            signed_in = c.signed_in + EXCLUDED.signed_in;
    END IF;
    RETURN NULL;
END
$$;

-- The phase is set by BEFORE triggers (0014, on insert and on accepting) and by 0014's
-- users_seen_sign_in: the trigger also fires on updates that set it.
DROP TRIGGER member_counts_track ON tree_members;
CREATE TRIGGER member_counts_track
AFTER INSERT OR DELETE OR UPDATE OF root_id, accepted_at, phase ON tree_members
FOR EACH ROW EXECUTE FUNCTION member_counts_track();
