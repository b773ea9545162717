-- How an invitation link reached its holder. A mailed link (or the one the operator hands to
-- an organisation's first Owner) proves control of the invited mailbox, so it may create the
-- identity's password; a link an admin copied proves nothing and may not. Links that exist
-- already count as copied: their holder is sent to the emailed invitation instead.
ALTER TABLE invitation_tokens ADD COLUMN mailed BIGINT NOT NULL DEFAULT 0;

-- An organisation sorts and finds people it has only invited by the invited address: the name
-- an identity keeps for other organisations is not its to see.
UPDATE tree_members SET name_key = email_key WHERE accepted_at IS NULL;
