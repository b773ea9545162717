//! What the runner reads and writes in Roster's SQLite file directly, beside the API.
//!
//! Writes happen only before the server starts: seats enough for tens of thousands of
//! invitations, and invitees who already have a Roster identity and a signed-in session (a
//! session through the API costs an argon2id hash each: minutes for thousands). Reads while it
//! runs are what the dev mailbox API cannot answer cheaply: how many emails were delivered
//! (it lists the newest 200) and the invitation links inside them.

use std::path::Path;
use std::str::FromStr as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Row as _, SqlitePool};

/// Where the seeded invitees' addresses live, so they are easy to find again.
pub const INVITEE_DOMAIN: &str = "invitees.bench.example";

/// A seeded invitee: their address and the session token in their cookie.
pub struct Invitee {
    pub email: String,
    pub session_token: String,
}

pub async fn open(file: &Path) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", file.display()))?
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("opening {}", file.display()))
}

/// Before the server starts: seats for everyone the benchmark invites, then `count` people
/// with the demo's password hash and one session each, invited by no one yet.
pub async fn seed_invitees(file: &Path, count: usize) -> Result<Vec<Invitee>> {
    let db = open(file).await?;
    let now = now_millis();
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE accounts SET extra_seats = extra_seats + 1000000 WHERE parent_id IS NULL")
        .execute(&mut *tx)
        .await?;
    let hash: String = sqlx::query_scalar(
        "SELECT password_hash FROM users WHERE password_hash IS NOT NULL LIMIT 1",
    )
    .fetch_one(&mut *tx)
    .await
    .context("the demo has no one with a password")?;
    let mut invitees = Vec::with_capacity(count);
    for i in 0..count {
        let email = format!("invitee-{i}@{INVITEE_DOMAIN}");
        let user: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, email_key, name, password_hash, created_at) \
             VALUES (?1, ?1, ?2, ?3, ?4) RETURNING id",
        )
        .bind(&email)
        .bind(format!("Invitee {i}"))
        .bind(&hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let token = random_token();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, \
             user_agent, browser, os, ip) VALUES (?1, ?2, ?3, ?3, ?4, 'roster-bench', '', '', '127.0.0.1')",
        )
        .bind(sha256_hex(&[token.as_bytes()]))
        .bind(user)
        .bind(now)
        .bind(now + 7 * 24 * 3600 * 1000)
        .execute(&mut *tx)
        .await?;
        invitees.push(Invitee {
            email,
            session_token: token,
        });
    }
    tx.commit().await?;
    db.close().await;
    Ok(invitees)
}

/// Emails in the dev mailbox to addresses ending in `@domain`.
pub async fn delivered_to(db: &SqlitePool, domain: &str) -> Result<u64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dev_mailbox WHERE recipient LIKE ?1")
        .bind(format!("%@{domain}"))
        .fetch_one(db)
        .await?;
    Ok(count as u64)
}

/// Emails still waiting in the outbox.
pub async fn outbox_pending(db: &SqlitePool) -> Result<u64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
        .fetch_one(db)
        .await?;
    Ok(count as u64)
}

/// `(recipient, token)` of each invitation link delivered to an address ending in `@domain`.
pub async fn invitation_links(db: &SqlitePool, domain: &str) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT recipient, text_body FROM dev_mailbox WHERE recipient LIKE ?1")
        .bind(format!("%@{domain}"))
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|row| {
            let recipient: String = row.try_get("recipient")?;
            let body: String = row.try_get("text_body")?;
            let token = link_token(&body)
                .with_context(|| format!("no invitation link in the email to {recipient}"))?;
            Ok((recipient, token.to_owned()))
        })
        .collect()
}

/// The token of the first `…#token=` link in a text.
pub fn link_token(body: &str) -> Option<&str> {
    let start = body.find("#token=")? + "#token=".len();
    let rest = &body[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..end]).filter(|token| !token.is_empty())
}

/// The CSRF token Roster expects with a session token (backend/src/auth/session.rs): a signed-in
/// browser learns it from the sign-in answer; seeded sessions never signed in.
pub fn csrf_token(session_token: &str) -> String {
    sha256_hex(&[b"roster csrf v1\0", session_token.as_bytes()])
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// 256 random bits, as Roster's own session tokens have.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_token_is_cut_from_the_email() {
        let body = "Accept: http://127.0.0.1:8080/invitations/accept#token=Ab-c_9\n\nThanks";
        assert_eq!(link_token(body), Some("Ab-c_9"));
        assert_eq!(link_token("no link here"), None);
        assert_eq!(link_token("…#token=\n"), None);
    }

    #[test]
    fn csrf_tokens_follow_the_session() {
        assert_eq!(csrf_token("a"), csrf_token("a"));
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert_eq!(csrf_token("a").len(), 64);
        assert_eq!(random_token().len(), 64);
    }
}
