//! The JSON bodies exchanged between the SPA and the server.
//!
//! Every type here is (de)serialized on both sides, so a field renamed here is renamed
//! everywhere at once. Values that have rules (emails, roles, …) are the parsed domain types,
//! so an invalid value cannot cross the wire in either direction.

use serde::{Deserialize, Serialize};

use crate::access::UserId;
use crate::account::AccountId;
use crate::email::EmailAddress;
use crate::money::Money;
use crate::name::{AccountName, PersonName};
use crate::password::NewPassword;
use crate::time::Timestamp;

/// Which database engine a server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DatabaseEngine {
    Sqlite,
    Postgres,
}

impl DatabaseEngine {
    pub fn label(self) -> &'static str {
        match self {
            DatabaseEngine::Sqlite => "SQLite",
            DatabaseEngine::Postgres => "PostgreSQL",
        }
    }
}

/// Whether the server can answer, and with what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// The database answered.
    Ok,
    /// The server runs but its database did not answer.
    Degraded,
}

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: HealthStatus,
    /// The server's version (the workspace version it was built from).
    pub version: String,
    pub database: DatabaseEngine,
    /// How many schema migrations the database has applied.
    pub migrations_applied: u32,
}

/// The one shape of every error response, whatever failed.
///
/// `code` is stable and meant for programs (`"not_found"`, `"invalid_json"`, …); `message` is
/// a sentence meant for people; `fields` names the inputs at fault, when there are any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// A problem with one input of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The input's name as the request spelled it (`"email"`, `"grants[1].role"`).
    pub field: String,
    pub message: String,
}

// ---- plans and first-run setup ------------------------------------------------------------

/// A plan the operator offers (from the plan configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanInfo {
    /// Stable key, e.g. `"team"`.
    pub key: String,
    pub name: String,
    pub included_seats: u32,
    /// Price of each seat bought beyond the included ones.
    pub extra_seat_price: Money,
}

/// `GET /api/v1/setup`: whether this installation still needs its first account and Owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupStatus {
    pub required: bool,
    pub plans: Vec<PlanInfo>,
}

/// `POST /api/v1/setup`: creates the first top-level account and its Owner.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupRequest {
    /// The one-time token from the setup link the server printed.
    pub token: String,
    pub account_name: AccountName,
    /// A plan key from [`SetupStatus::plans`].
    pub plan: String,
    pub owner_name: PersonName,
    pub email: EmailAddress,
    pub password: NewPassword,
}

// ---- signing in ----------------------------------------------------------------------------

/// `POST /api/v1/sign-in`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

/// `POST /api/v1/sign-in/totp`: the second step when two-factor authentication is on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpSignInRequest {
    /// From [`SignInOutcome::TotpRequired`].
    pub challenge: String,
    /// A 6-digit code from the authenticator app, or one of the recovery codes.
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignInOutcome {
    SignedIn {
        session: SessionInfo,
    },
    /// The password was right; a code from the authenticator app is needed too.
    TotpRequired {
        challenge: String,
    },
}

/// Who is signed in on this browser (`GET /api/v1/session`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub user: CurrentUser,
    /// Send back as the `X-CSRF-Token` header on every request that changes something.
    pub csrf_token: String,
    /// The account this person used last, where the app opens.
    pub last_account: Option<AccountId>,
    pub totp_enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrentUser {
    pub id: UserId,
    pub name: PersonName,
    pub email: EmailAddress,
}

/// One signed-in browser or app of the current person ("Connected devices").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: i64,
    /// "Chrome 131", "Firefox 128", …
    pub browser: String,
    /// "Linux", "macOS 14", "iPhone", …
    pub os: String,
    pub ip: String,
    pub signed_in_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The device making this request.
    pub current: bool,
}

// ---- Sign-in & Security --------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateNameRequest {
    pub name: PersonName,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: NewPassword,
}

/// A started two-factor enrolment: scan the QR code (or type the secret), then confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpEnrolment {
    /// Base32 secret, for typing into an app by hand.
    pub secret: String,
    pub otpauth_url: String,
    /// The `otpauth_url` as an SVG QR code.
    pub qr_svg: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpCodeRequest {
    pub code: String,
}

/// Single-use codes that stand in for the authenticator app; shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordConfirmation {
    pub password: String,
}

// ---- mail ----------------------------------------------------------------------------------

/// A message in the development mailbox (development mode only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevMailSummary {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub delivered_at: Timestamp,
}

/// One message of the development mailbox; its HTML part is at `/api/v1/dev/mailbox/{id}/html`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevMail {
    pub id: i64,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub delivered_at: Timestamp,
}

/// `POST /api/v1/mail/test`: a test email was queued for the signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestMailQueued {
    pub to: EmailAddress,
    /// "SMTP (smtp://mail.example:587)" or "the development mailbox".
    pub transport: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_omits_empty_fields() {
        let body = ErrorBody {
            code: "not_found".into(),
            message: "No such page.".into(),
            fields: vec![],
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "not_found", "message": "No such page."})
        );
    }

    #[test]
    fn health_round_trips_with_lowercase_enums() {
        let health = Health {
            status: HealthStatus::Ok,
            version: "0.1.0".into(),
            database: DatabaseEngine::Postgres,
            migrations_applied: 3,
        };
        let json = serde_json::to_string(&health).unwrap();
        assert!(json.contains(r#""database":"postgres""#), "{json}");
        assert_eq!(serde_json::from_str::<Health>(&json).unwrap(), health);
    }
}
