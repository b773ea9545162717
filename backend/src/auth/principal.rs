//! Who is asking: a person (session cookie) or a program (`Authorization: Bearer` API token).
//!
//! Both reach the same endpoints and go through the same access rules: a token acts with one
//! membership, its account and highest role, further capped by what its creator may still do
//! there, so a token never outlives or outranks the person who made it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use roster_shared::api::ErrorCode;
use roster_shared::role::Role;
use roster_shared::time::MINUTE_MS;

use crate::auth::session::CurrentSession;
use crate::auth::token;
use crate::clock;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// API tokens start with this, so they are recognisable in logs and secret scanners.
pub(crate) const TOKEN_PREFIX: &str = "rst_";

#[derive(Debug, Clone)]
pub(crate) struct TokenPrincipal {
    pub(crate) root_id: i64,
    pub(crate) account_id: i64,
    pub(crate) max_role: Role,
    pub(crate) name: String,
    pub(crate) created_by: i64,
}

#[derive(Debug, Clone)]
pub(crate) enum Principal {
    Person(CurrentSession),
    Token(TokenPrincipal),
}

fn invalid_token() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken,
        "The API token is not valid (unknown or revoked).",
    )
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        let Some(presented) = bearer else {
            return CurrentSession::from_request_parts(parts, state)
                .await
                .map(Principal::Person);
        };
        if !presented.starts_with(TOKEN_PREFIX) {
            return Err(invalid_token());
        }
        let row = db::api_tokens::find_by_hash(state.db().reader(), &token::hash(presented))
            .await?
            .ok_or_else(invalid_token)?;
        if row.revoked_at.is_some() {
            return Err(invalid_token());
        }
        let now = clock::now();
        if row
            .last_used_at
            .is_none_or(|at| now.millis() - at >= MINUTE_MS)
        {
            db::api_tokens::touch(state.db().writer(), row.id, now).await?;
        }
        Ok(Principal::Token(TokenPrincipal {
            root_id: row.root_id,
            account_id: row.account_id,
            max_role: row.max_role,
            name: row.name,
            created_by: row.created_by,
        }))
    }
}

impl Principal {
    /// The person this request acts for: the signed-in person, or the token's creator.
    pub(crate) fn user_id(&self) -> i64 {
        match self {
            Principal::Person(session) => session.user(),
            Principal::Token(token) => token.created_by,
        }
    }

    /// The session, for endpoints about the signed-in person themself.
    pub(crate) fn person(&self) -> Result<&CurrentSession, ApiError> {
        match self {
            Principal::Person(session) => Ok(session),
            Principal::Token(_) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::PersonOnly,
                "This endpoint is for signed-in people, not API tokens.",
            )),
        }
    }
}
