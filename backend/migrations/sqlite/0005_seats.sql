-- Every purchase and removal of extra seats, with its exact price (minor units), who made it,
-- and what the billing boundary answered.
CREATE TABLE seat_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    root_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL CHECK (kind IN ('purchase', 'removal')),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_price_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    extra_after BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor TEXT,
    -- The billing system's reference for this change.
    billing_reference TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX seat_ledger_root ON seat_ledger (root_id, id);
