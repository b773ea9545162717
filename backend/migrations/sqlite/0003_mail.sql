-- Every email is written here in the same transaction as the change that causes it, then
-- delivered by a background worker (any replica) with retries. The row holds what to send,
-- not the rendered message: links carrying secrets are minted at delivery, so no usable token
-- ever sits in this table.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- JSON of the mail kind and its ids (see backend/src/mail/mod.rs).
    payload TEXT NOT NULL,
    recipient TEXT NOT NULL,
    -- Set for invitation emails, so the Users list can show their delivery.
    invitation_id BIGINT,
    -- Stable across retries, so a receiver can drop a duplicate.
    message_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    -- A worker that claimed the row owns it until then; after that another may retry it.
    lease_until BIGINT,
    last_error TEXT,
    sent_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_invitation ON outbox (invitation_id);

-- Development mode only (no SMTP configured): delivered mail, shown at /dev/mailbox.
CREATE TABLE dev_mailbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id BIGINT,
    recipient TEXT NOT NULL,
    sender TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    message_id TEXT NOT NULL,
    delivered_at BIGINT NOT NULL
);
