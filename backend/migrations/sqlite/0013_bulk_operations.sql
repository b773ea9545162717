-- Acting on many people at once from the Users list: one operation, its people in the order
-- picked, and how far it is, readable by every replica while the one that started it works.
CREATE TABLE bulk_operations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    root_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL,
    actor_user_id BIGINT,
    -- The action (roster_shared::api::BulkAction) as JSON.
    action TEXT NOT NULL,
    total BIGINT NOT NULL,
    -- People handled so far (changed or skipped), in position order.
    done BIGINT NOT NULL DEFAULT 0,
    skipped_count BIGINT NOT NULL DEFAULT 0,
    -- The first skips with their reasons (roster_shared::api::BulkSkip) as a JSON array.
    skipped TEXT NOT NULL DEFAULT '[]',
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    interrupted BIGINT NOT NULL DEFAULT 0,
    -- The replica working on it renews this; past it, the operation is taken as stopped.
    lease_until BIGINT NOT NULL
);
CREATE INDEX bulk_operations_open ON bulk_operations (lease_until) WHERE finished_at IS NULL;

CREATE TABLE bulk_operation_people (
    operation_id BIGINT NOT NULL REFERENCES bulk_operations (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    PRIMARY KEY (operation_id, position)
);
