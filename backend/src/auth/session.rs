//! Server-side sessions behind an `HttpOnly`, `SameSite=Lax` cookie, and the CSRF token that
//! every state-changing request from the SPA must carry.
//!
//! The cookie holds a random 256-bit token; the database holds its SHA-256. The CSRF token is
//! derived from the session token (a keyed hash the page cannot compute, because the cookie
//! is `HttpOnly`), so it needs no storage and dies with the session.

use roster_shared::api::ErrorCode;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use roster_shared::access::UserId;
use roster_shared::time::Timestamp;
use sha2::{Digest, Sha256};

use crate::auth::{proxy, token};
use crate::clock;
use crate::db;
use crate::db::users::UserRow;
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) const SESSION_COOKIE: &str = "roster_session";
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// Last-seen times are written at most this often per session, not on every request.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The signed-in person making this request.
#[derive(Debug, Clone)]
pub(crate) struct CurrentSession {
    pub(crate) session_id: i64,
    pub(crate) user_id: UserId,
    /// The signed-in person's row as this request began (read with the session).
    pub(crate) signed_in: UserRow,
}

impl CurrentSession {
    pub(crate) fn user(&self) -> i64 {
        self.user_id.0
    }
}

pub(crate) fn sign_in_required() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::SignInRequired,
        "Please sign in to continue.",
    )
}

fn session_expired() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::SessionExpired,
        "Your session has ended. Please sign in again.",
    )
}

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(sign_in_required)?;
        let row = db::sessions::find_by_token(state.db().reader(), &token::hash(token))
            .await?
            .ok_or_else(sign_in_required)?;
        let now = clock::now();
        let idle_ms = state.settings().session_idle_timeout.as_millis() as i64;
        if now.millis() >= row.expires_at || now.millis() - row.last_seen_at >= idle_ms {
            db::sessions::delete(state.db().writer(), row.user.id, row.session_id).await?;
            return Err(session_expired());
        }
        if !parts.method.is_safe() {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !constant_time_eq(sent.as_bytes(), csrf_token(token).as_bytes()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::CsrfFailed,
                    "This request did not come from Roster's own pages. Reload the page and try again.",
                ));
            }
        }
        if now.millis() - row.last_seen_at >= TOUCH_EVERY_MS {
            let ip = client_ip(parts, state);
            db::sessions::touch(state.db().writer(), row.session_id, now, &ip).await?;
        }
        Ok(CurrentSession {
            session_id: row.session_id,
            user_id: UserId(row.user.id),
            signed_in: row.user,
        })
    }
}

/// The CSRF token that belongs to a session token.
pub(crate) fn csrf_token(session_token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"roster csrf v1\0");
    hasher.update(session_token.as_bytes());
    hex::encode(hasher.finalize())
}

/// The session token this request carries, if any.
pub(crate) fn session_token(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SESSION_COOKIE)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// `Set-Cookie` for a new session valid until `expires_at`.
pub(crate) fn session_cookie(
    token: &str,
    now: Timestamp,
    expires_at: Timestamp,
    secure: bool,
) -> HeaderValue {
    let max_age = ((expires_at.millis() - now.millis()) / 1000).max(0);
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("tokens are URL-safe base64")
}

/// `Set-Cookie` that removes the session cookie.
pub(crate) fn clear_session_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
    .expect("a static cookie")
}

/// The client's address: the TCP peer, or, when the peer is a trusted proxy, the right-most
/// `X-Forwarded-For` hop that is not one (see [`proxy::client_address`]).
pub(crate) fn client_ip(parts: &Parts, state: &AppState) -> String {
    let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
        return "unknown".to_owned();
    };
    let forwarded_for = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        // A value that is not text is garbage: it ends the walk like any other.
        .map(|value| value.to_str().unwrap_or_default());
    proxy::client_address(peer.ip(), forwarded_for, &state.settings().trusted_proxies).to_string()
}

/// Where a request comes from: address and User-Agent, for devices and throttling.
pub(crate) struct ClientInfo {
    pub(crate) ip: String,
    pub(crate) user_agent: String,
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(512)
            .collect();
        Ok(ClientInfo {
            ip: client_ip(parts, state),
            user_agent,
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_read_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; roster_session=abc123; x=1"),
        );
        assert_eq!(session_token(&headers), Some("abc123"));
        headers.insert(header::COOKIE, HeaderValue::from_static("roster_session="));
        assert_eq!(session_token(&headers), None);
    }

    #[test]
    fn cookies_are_http_only_and_lax() {
        let now = Timestamp::from_millis(0);
        let cookie = session_cookie("tok", now, Timestamp::from_millis(3_600_000), true);
        assert_eq!(
            cookie,
            "roster_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600; Secure"
        );
        assert!(
            !session_cookie("tok", now, now, false)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }

    #[test]
    fn csrf_tokens_differ_per_session() {
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert_eq!(csrf_token("a"), csrf_token("a"));
    }
}
