-- Webhooks: endpoints an Admin of a top-level account registers, the events written in the
-- same transaction as the change they describe (only while the organisation has an endpoint),
-- and one delivery per event and subscribed endpoint, delivered in order per endpoint.

CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- The event types it receives, each between spaces: ' person.invited seats.purchased '.
    event_types TEXT NOT NULL,
    -- Sealed with the server's secret key (src/sso/secret.rs): signing needs the secret itself.
    secret TEXT NOT NULL,
    -- After a rotation, the old secret signs too until then (receivers switch without a gap).
    previous_secret TEXT,
    previous_secret_until BIGINT,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    -- Why it was disabled by Roster (failing for days), shown on its page.
    disabled_reason TEXT,
    -- The first failed attempt since the last success.
    failing_since BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id);

CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    -- evt_…, random: the body's id and the webhook-id header.
    public_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    -- The body delivered, byte for byte what was signed.
    body TEXT NOT NULL,
    occurred_at BIGINT NOT NULL
);
CREATE INDEX webhook_events_account ON webhook_events (account_id, occurred_at);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id BIGINT NOT NULL REFERENCES webhook_events (id),
    -- pending, delivered, failed (given up)
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    last_attempt_at BIGINT,
    -- The last answer: HTTP status (none: no answer), time taken, its first bytes, or the error.
    last_status BIGINT,
    last_latency_ms BIGINT,
    last_response TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
-- Each endpoint's queue in order: only its oldest pending delivery is due.
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (endpoint_id, status, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
