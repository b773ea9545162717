-- How many people each organisation has, kept up to date by triggers on tree_members.
-- The seat count runs inside every invitation's transaction, which every other write waits
-- for; counted from the rows it grew with the organisation (about 3 ms at 50,000 people and
-- invitations). Now it reads this row and counts only invitations that have run out.
-- `invited`: members not yet accepted, whether or not their invitation is still open.
CREATE TABLE member_counts (
    root_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    accepted BIGINT NOT NULL DEFAULT 0,
    invited BIGINT NOT NULL DEFAULT 0
);

INSERT INTO member_counts (root_id, accepted, invited)
SELECT root_id, SUM(accepted_at IS NOT NULL), SUM(accepted_at IS NULL)
FROM tree_members GROUP BY root_id;

CREATE TRIGGER member_counts_insert AFTER INSERT ON tree_members
BEGIN
    INSERT OR IGNORE INTO member_counts (root_id) VALUES (NEW.root_id);
    UPDATE member_counts
    SET accepted = accepted + (NEW.accepted_at IS NOT NULL),
        invited = invited + (NEW.accepted_at IS NULL)
    WHERE root_id = NEW.root_id;
END;

CREATE TRIGGER member_counts_delete AFTER DELETE ON tree_members
BEGIN
    UPDATE member_counts
    SET accepted = accepted - (OLD.accepted_at IS NOT NULL),
        invited = invited - (OLD.accepted_at IS NULL)
    WHERE root_id = OLD.root_id;
END;

CREATE TRIGGER member_counts_update AFTER UPDATE OF root_id, accepted_at ON tree_members
BEGIN
    UPDATE member_counts
    SET accepted = accepted - (OLD.accepted_at IS NOT NULL),
        invited = invited - (OLD.accepted_at IS NULL)
    WHERE root_id = OLD.root_id;
    INSERT OR IGNORE INTO member_counts (root_id) VALUES (NEW.root_id);
    UPDATE member_counts
    SET accepted = accepted + (NEW.accepted_at IS NOT NULL),
        invited = invited + (NEW.accepted_at IS NULL)
    WHERE root_id = NEW.root_id;
END;
