//! The HTTP API over real connections, each test against a server with a fresh database,
//! once on SQLite and once on PostgreSQL.

mod foundation;
mod identity;
