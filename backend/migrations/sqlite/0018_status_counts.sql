-- How many of each organisation's people are Active (accepted and signed in: phase 0, see
-- 0014), kept beside the totals of 0009. The Users list's status filters then count from this
-- row: Active is `signed_in`; Pending is the accepted who never signed in
-- (`accepted - signed_in`) plus the invitations still open (a range of
-- tree_members_open_invitations, by expiry); Expired is the rest of `invited`. Counted from
-- the rows, Active read every Active person's index entry (78,000 at 100,000 people: 4 ms here,
-- 16 ms on PostgreSQL).
ALTER TABLE member_counts ADD COLUMN signed_in BIGINT NOT NULL DEFAULT 0;

UPDATE member_counts
SET signed_in = (SELECT COUNT(*) FROM tree_members t
                 WHERE t.root_id = member_counts.root_id AND t.phase = 0);

-- A row's phase is set by the triggers of 0014 with an UPDATE after its insert, so an insert
-- counts only when it arrives Active (never, today; kept for completeness).
CREATE TRIGGER member_counts_signed_in_insert AFTER INSERT ON tree_members
WHEN NEW.phase = 0
BEGIN
    INSERT OR IGNORE INTO member_counts (root_id) VALUES (NEW.root_id);
    UPDATE member_counts SET signed_in = signed_in + 1 WHERE root_id = NEW.root_id;
END;

CREATE TRIGGER member_counts_signed_in_delete AFTER DELETE ON tree_members
WHEN OLD.phase = 0
BEGIN
    UPDATE member_counts SET signed_in = signed_in - 1 WHERE root_id = OLD.root_id;
END;

-- Every sign-in rewrites the phase of the person's rows (0014's users_seen_sign_in): only a
-- change into or out of Active touches the organisation's row.
CREATE TRIGGER member_counts_signed_in_update AFTER UPDATE OF phase, root_id ON tree_members
WHEN (OLD.phase = 0) <> (NEW.phase = 0) OR (OLD.root_id <> NEW.root_id AND NEW.phase = 0)
BEGIN
    UPDATE member_counts SET signed_in = signed_in - (OLD.phase = 0) WHERE root_id = OLD.root_id;
    INSERT OR IGNORE INTO member_counts (root_id) VALUES (NEW.root_id);
    UPDATE member_counts SET signed_in = signed_in + (NEW.phase = 0) WHERE root_id = NEW.root_id;
END;
