-- One row describing this installation. Times throughout the schema are Unix milliseconds
-- (BIGINT), identical on SQLite and PostgreSQL.
CREATE TABLE instance (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    created_at BIGINT NOT NULL
);
INSERT INTO instance (id, created_at) VALUES (1, CAST(unixepoch('subsec') * 1000 AS INTEGER));
