//! The JSON bodies exchanged between the SPA and the server.
//!
//! Every type here is (de)serialized on both sides, so a field renamed here is renamed
//! everywhere at once. Values that have rules (emails, roles, …) are the parsed domain types,
//! so an invalid value cannot cross the wire in either direction.

use serde::{Deserialize, Serialize};

use crate::access::UserId;
use crate::account::AccountId;
use crate::audit::AuditAction;
use crate::country::CountryCode;
use crate::email::EmailAddress;
pub use crate::error_code::ErrorCode;
use crate::invitation::{InvitationStatus, PersonStatus};
use crate::money::Money;
use crate::name::{AccountName, PasskeyName, PersonName, TokenName};
use crate::password::NewPassword;
use crate::phone::PhoneNumber;
use crate::role::Role;
use crate::seats::{SeatCount, SeatPlan};
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

/// `GET /api/v1/health/ready`: whether this server should be sent traffic, and each check
/// behind the answer (503 when any fails).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    pub ready: bool,
    /// The database answered a query in time.
    pub database: Check,
    /// The database has applied every migration this server knows (a server started before
    /// another replica migrated further is still ready: it applied its own).
    pub migrations: Check,
    /// How many migrations the database has applied, of those this server knows.
    pub migrations_applied: u32,
    pub migrations_known: u32,
    /// The worker that delivers the mail outbox is running.
    pub mail_worker: Check,
    /// The worker that delivers webhook events is running.
    pub webhook_worker: Check,
    /// The server is shutting down (it received SIGTERM) and finishes what it has.
    pub draining: bool,
}

/// One readiness check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Ok,
    Failing,
}

impl Check {
    pub fn of(ok: bool) -> Check {
        if ok { Check::Ok } else { Check::Failing }
    }
}

/// `GET /api/v1/health/live`: the process answers (it may still be unready).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Liveness {
    pub status: HealthStatus,
    pub version: String,
}

/// The one shape of every error response, whatever failed.
///
/// `code` is stable and meant for programs (`"not_found"`, `"invalid_json"`, …); `message` is
/// a sentence meant for people; `fields` names the inputs at fault, when there are any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
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
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
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
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub password: String,
}

/// `POST /api/v1/sign-in/totp`: the second step when two-factor authentication is on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpSignInRequest {
    /// From [`SignInOutcome::TotpRequired`].
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub challenge: String,
    /// A 6-digit code from the authenticator app, or one of the recovery codes.
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
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
    /// How this device signed in.
    pub method: SignInMethod,
}

crate::text_enum::text_enum! {
    /// How a session was started: shown on Connected devices.
    pub enum SignInMethod ("a sign-in method") {
        /// The password (and a code, with two-step verification on).
        Password = "password",
        /// A passkey: both steps at once.
        Passkey = "passkey",
        /// The organisation's identity provider (single sign-on).
        Sso = "sso",
    }
}

impl SignInMethod {
    /// "with a passkey": how people read it, after "signed in".
    pub fn phrase(self) -> &'static str {
        match self {
            SignInMethod::Password => "with a password",
            SignInMethod::Passkey => "with a passkey",
            SignInMethod::Sso => "with single sign-on",
        }
    }
}

/// `GET /api/v1/sign-in/methods`: what the sign-in page may offer besides the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInMethods {
    /// The origin pages must be at for passkeys to work (`https://roster.example.com`, or
    /// `http://localhost:8080` on this machine); none when Roster is reached by an IP address
    /// other than loopback (browsers tie passkeys to a name).
    pub passkey_origin: Option<String>,
}

// ---- passkeys ------------------------------------------------------------------------------

/// A passkey ceremony started: hand `options` to the browser's `navigator.credentials`
/// (through `PublicKeyCredential.parse…OptionsFromJSON`) and send its answer back with
/// `ceremony`. Valid once, for five minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyCeremony {
    pub ceremony: String,
    /// WebAuthn's `PublicKeyCredentialCreationOptions` or `…RequestOptions` as JSON, under
    /// `publicKey`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub options: serde_json::Value,
}

/// `POST /api/v1/me/passkeys`: the browser's answer to a registration ceremony.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddPasskeyRequest {
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub ceremony: String,
    pub name: PasskeyName,
    /// The `PublicKeyCredential` the browser made, as its `toJSON()` writes it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// `POST /api/v1/sign-in/passkey`: the browser's answer to a sign-in ceremony.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeySignInRequest {
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub ceremony: String,
    /// The `PublicKeyCredential` the browser answered, as its `toJSON()` writes it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// One of the signed-in person's passkeys (*Sign-in & Security › Passkeys*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyInfo {
    pub id: i64,
    pub name: PasskeyName,
    pub created_at: Timestamp,
    /// The last sign-in with it; none yet after it was added.
    pub last_used_at: Option<Timestamp>,
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
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
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
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
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
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
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

// ---- accounts -------------------------------------------------------------------------------

/// An account the signed-in person can open (`GET /api/v1/accounts`), in tree order: each
/// account comes right after its parent, `depth` 0 being a top-level account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountSummary {
    pub id: AccountId,
    pub parent: Option<AccountId>,
    /// The top-level account of its tree.
    pub root: AccountId,
    pub name: AccountName,
    pub depth: u8,
    /// The person's effective role here (held here or on an ancestor).
    pub role: Role,
    pub archived: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountNameRequest {
    pub name: AccountName,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LastAccountRequest {
    pub account: AccountId,
}

// ---- the Users list ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PeopleSort {
    #[default]
    Name,
    Email,
    Status,
    LastSignIn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// The Users list's "Last sign-in" filter, for clearing out people who no longer use Roster.
/// It reads the last sign-in as the list shows it: someone who has not accepted their
/// invitation yet has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Inactivity {
    /// Not signed in for 30 days (or never).
    #[serde(rename = "30d")]
    Days30,
    #[serde(rename = "90d")]
    Days90,
    #[serde(rename = "180d")]
    Days180,
    /// Never signed in.
    #[serde(rename = "never")]
    Never,
}

impl Inactivity {
    pub const ALL: [Inactivity; 4] = [
        Inactivity::Days30,
        Inactivity::Days90,
        Inactivity::Days180,
        Inactivity::Never,
    ];

    /// The wire and query-string spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Inactivity::Days30 => "30d",
            Inactivity::Days90 => "90d",
            Inactivity::Days180 => "180d",
            Inactivity::Never => "never",
        }
    }

    pub fn parse(text: &str) -> Option<Inactivity> {
        Inactivity::ALL.into_iter().find(|i| i.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Inactivity::Days30 => "Not in 30 days",
            Inactivity::Days90 => "Not in 90 days",
            Inactivity::Days180 => "Not in 180 days",
            Inactivity::Never => "Never signed in",
        }
    }

    /// The latest last sign-in that still counts as inactive at `now`; `None`: only "never".
    pub fn signed_in_before(self, now: crate::time::Timestamp) -> Option<crate::time::Timestamp> {
        let days = match self {
            Inactivity::Days30 => 30,
            Inactivity::Days90 => 90,
            Inactivity::Days180 => 180,
            Inactivity::Never => return None,
        };
        Some(now.plus_millis(-days * crate::time::DAY_MS))
    }
}

/// The query string of `GET /api/v1/accounts/{id}/people`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PeopleQuery {
    /// Matches the start of the name, of any word of it, or of the email address.
    pub q: Option<String>,
    pub status: Option<PersonStatus>,
    /// People with this role somewhere in the account's scope.
    pub role: Option<Role>,
    /// People who have not signed in for a while (or never).
    pub inactive: Option<Inactivity>,
    pub sort: Option<PeopleSort>,
    pub order: Option<SortOrder>,
    /// Where the page is: the `next` or `previous` of a page of the same search, filters and
    /// order (opaque). Missing: the first page.
    #[cfg_attr(feature = "openapi", param(max_length = 1024))]
    pub cursor: Option<String>,
    /// 1 to 200 (default 50).
    pub per_page: Option<u32>,
}

/// One role on one account, held or (for someone invited) offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessEntry {
    pub account: AccountId,
    pub account_name: AccountName,
    pub role: Role,
    /// Offered by an invitation not yet accepted.
    pub pending: bool,
    /// Held on a parent of the listed account, so it covers that account and its
    /// sub-accounts: shown "from <parent>", changed on the parent's own list.
    #[serde(default)]
    pub inherited: bool,
}

/// How the email of an invitation fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EmailDelivery {
    Queued,
    Sent,
    /// Attempts failed; more will follow.
    Retrying,
    /// Gave up; "Resend invitation" tries again.
    Failed,
}

/// An open invitation of a person (not yet accepted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationInfo {
    pub id: i64,
    pub sent_at: Timestamp,
    pub expires_at: Timestamp,
    pub email: EmailDelivery,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonRow {
    pub id: UserId,
    /// `None` until an invited person creates their profile.
    pub name: Option<PersonName>,
    pub email: EmailAddress,
    pub status: PersonStatus,
    /// Roles on this account and its sub-accounts.
    pub access: Vec<AccessEntry>,
    pub last_sign_in_at: Option<Timestamp>,
    pub invitation: Option<InvitationInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeoplePage {
    pub people: Vec<PersonRow>,
    /// People matching the query (all pages).
    pub total: u64,
    /// More people match than `total`: a broad search or access filter is counted only so
    /// far (shown "more than …").
    #[serde(default)]
    pub total_at_least: bool,
    /// How many people come before this page in the list's order (0 on the first page), as
    /// counted while paging to it: people added or removed since earlier pages were read can
    /// make it differ from a count made now.
    pub start: u64,
    pub per_page: u32,
    /// The page after this one (the `cursor` to ask for it), if there is one.
    pub next: Option<String>,
    /// The page before this one, if there is one.
    pub previous: Option<String>,
}

// ---- acting on many people at once -------------------------------------------------------------

/// Whom a bulk operation acts on: the rows picked, or everyone the Users list's current search
/// and filters match (resolved by the server when the operation starts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BulkSelection {
    People {
        ids: crate::bulk::PeopleIds,
    },
    Matching {
        #[serde(default)]
        q: Option<String>,
        #[serde(default)]
        status: Option<PersonStatus>,
        #[serde(default)]
        role: Option<Role>,
        #[serde(default)]
        inactive: Option<Inactivity>,
    },
}

/// What a bulk operation does to each person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BulkAction {
    /// Their access to the account and its sub-accounts ends (as "Remove from this account").
    Remove,
    /// Their role on one account of the scope becomes `role` (added where they had none).
    SetRole { account: AccountId, role: Role },
    /// Pending and expired invitations are sent again for 14 days; others are left alone.
    Resend,
}

/// `POST /api/v1/accounts/{id}/people/bulk`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkRequest {
    pub selection: BulkSelection,
    pub action: BulkAction,
}

/// Someone an operation left as they were, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkSkip {
    pub user: UserId,
    pub email: Option<EmailAddress>,
    /// The error code the single action would have answered (`last_owner`, `own_access`, …).
    pub code: ErrorCode,
    pub message: String,
}

/// Where a bulk operation stands. `done` counts everyone handled (changed or skipped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkOperation {
    pub id: i64,
    pub action: BulkAction,
    pub total: u64,
    pub done: u64,
    /// How many were left as they were; `skipped` says why for the first of them.
    pub skipped_count: u64,
    pub skipped: Vec<BulkSkip>,
    pub started_at: Timestamp,
    /// Set once every person was handled, or the operation stopped.
    pub finished_at: Option<Timestamp>,
    /// The server stopped before the end (a restart): the people after `done` were not
    /// changed, and can be selected again.
    pub interrupted: bool,
}

// ---- inviting -----------------------------------------------------------------------------------

/// An account the inviter may grant on, and the roles they may grant there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantableAccount {
    pub id: AccountId,
    pub parent: Option<AccountId>,
    pub name: AccountName,
    /// 0 for the account the form was opened on; its sub-accounts 1, …
    pub depth: u8,
    /// Highest first; empty when nothing may be granted here.
    pub roles: Vec<Role>,
}

/// What the New User form needs (`GET /api/v1/accounts/{id}/invite-options`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteOptions {
    pub accounts: Vec<GrantableAccount>,
    pub seats: SeatPlan,
    pub extra_seat_price: Money,
    /// Whether this person may buy seats (Owner or Admin of the top-level account).
    pub can_buy_seats: bool,
}

/// One role on a set of accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteGrant {
    pub role: Role,
    pub accounts: Vec<AccountId>,
}

/// `POST /api/v1/accounts/{id}/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteRequest {
    /// Addresses as typed (each is checked with the same rule as the form).
    pub emails: Vec<String>,
    /// The first grant is the form's role and accounts; further ones are "other accounts
    /// with a different role". An account may appear in one grant only.
    pub grants: Vec<InviteGrant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotInvitedReason {
    Invalid,
    Duplicate,
    AlreadyMember,
    /// Already invited, and that open invitation offers access the inviter cannot grant: only
    /// someone who could have made all of it may send it again or change it.
    InvitationBeyondReach,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotInvited {
    /// As typed.
    pub email: String,
    pub reason: NotInvitedReason,
    /// Why, in words.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteResult {
    /// New invitations sent.
    pub invited: Vec<EmailAddress>,
    /// Pending (or expired) invitations refreshed with a new 14-day window.
    pub reinvited: Vec<EmailAddress>,
    /// People already in this organisation who were given the access directly.
    pub granted: Vec<EmailAddress>,
    pub not_invited: Vec<NotInvited>,
    /// The seat situation after the invitation.
    pub seats: SeatPlan,
}

// ---- one person --------------------------------------------------------------------------------

/// A row of "Account and sub account access".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditableAccess {
    pub account: AccountId,
    pub account_name: AccountName,
    pub role: Role,
    pub pending: bool,
    /// Roles the viewer may set on this row (empty: read-only for them).
    pub roles: Vec<Role>,
    /// Whether the viewer may remove this row.
    pub removable: bool,
}

/// `GET /api/v1/accounts/{id}/people/{user}`: a person as an Admin sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonDetail {
    pub id: UserId,
    pub name: Option<PersonName>,
    pub email: EmailAddress,
    pub mobile: Option<PhoneNumber>,
    pub country: Option<CountryCode>,
    pub status: PersonStatus,
    pub last_sign_in_at: Option<Timestamp>,
    pub invitation: Option<InvitationInfo>,
    /// Access within the account's scope (this account and its sub-accounts).
    pub access: Vec<EditableAccess>,
    /// Access held on a parent of this account, which covers it (read-only here: it is
    /// changed from the parent's Users list).
    #[serde(default)]
    pub inherited: Vec<AccessEntry>,
    /// Accounts of the scope where the viewer may add access, with the roles they may grant.
    pub grantable: Vec<GrantableAccount>,
    /// The viewer is this person (they edit their details on their own profile).
    pub is_self: bool,
}

/// One role on one account, as set by an access edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessAssignment {
    pub account: AccountId,
    pub role: Role,
}

/// `PUT /api/v1/accounts/{id}/people/{user}/access`: the person's complete access within the
/// account's scope after the edit; applied all at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessUpdate {
    pub access: Vec<AccessAssignment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessChange {
    pub account: AccountId,
    pub account_name: AccountName,
    /// `None` when access was added.
    pub from: Option<Role>,
    /// `None` when access was removed.
    pub to: Option<Role>,
}

/// Exactly what an access edit changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessChanges {
    pub changes: Vec<AccessChange>,
    /// The person no longer has any access in this organisation (their seat is free).
    pub removed_from_organisation: bool,
}

/// A link that accepts an invitation, for sharing by other means than the email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationLink {
    pub url: String,
    pub expires_at: Timestamp,
}

// ---- accepting an invitation -------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationTokenRequest {
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub token: String,
}

/// An account and the role an invitation offers on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferedAccess {
    pub account_name: AccountName,
    pub role: Role,
}

/// What an invitation link offers (`POST /api/v1/invitations/inspect`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationView {
    pub email: EmailAddress,
    pub organisation: AccountName,
    /// `None` when the operator invited (no person did).
    pub inviter: Option<String>,
    pub access: Vec<OfferedAccess>,
    pub expires_at: Timestamp,
    pub status: InvitationStatus,
    /// The invited address already belongs to a Roster identity (so: sign in and confirm).
    pub has_identity: bool,
    /// This link was copied by an admin (not mailed to the address) and the address has no
    /// identity yet: the profile can only be created from the emailed invitation.
    #[serde(default)]
    pub emailed_link_required: bool,
    /// The organisation's identity provider covers the invited address (a verified domain):
    /// accepting may go through it ("Continue with SSO").
    #[serde(default)]
    pub sso: bool,
}

/// The profile a new person creates when accepting.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewProfile {
    pub name: PersonName,
    pub password: NewPassword,
    /// As typed; read with `country` (required with a mobile number).
    pub mobile: Option<String>,
    pub country: Option<CountryCode>,
}

/// `POST /api/v1/invitations/accept`: a new person sends a profile; someone with an identity
/// sends none and must be signed in as the invited address.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptInvitationRequest {
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub token: String,
    pub profile: Option<NewProfile>,
}

// ---- audit log ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    /// Who did it (name and address), or `None` for Roster itself (an invitation expiring).
    pub actor: Option<String>,
    /// Stable code: `invitation.sent`, `access.changed`, …
    pub action: AuditAction,
    /// What happened, in words.
    pub summary: String,
    pub account: Option<String>,
    /// The client address the change came from.
    pub ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: u64,
    /// Entries newer than this page (0 on the first), as counted while paging to it.
    pub start: u64,
    pub per_page: u32,
    /// The page of older entries (the `cursor` to ask for it), if there is one.
    pub next: Option<String>,
    /// The page of newer entries, if there is one.
    pub previous: Option<String>,
}

// ---- seats ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SeatChangeKind {
    Purchase,
    Removal,
}

/// One purchase or removal of extra seats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatLedgerEntry {
    pub id: i64,
    pub at: Timestamp,
    pub kind: SeatChangeKind,
    pub quantity: u32,
    pub unit_price: Money,
    /// What was charged (purchase) or no longer charged (removal).
    pub total: Money,
    /// Who did it ("Name <address>").
    pub actor: Option<String>,
    /// Extra seats after the change.
    pub extra_after: u32,
}

/// `GET /api/v1/accounts/{id}/seats`: the organisation's seat situation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatOverview {
    pub plan: PlanInfo,
    pub seats: SeatPlan,
    /// The most extra seats that can be removed now (unused ones).
    pub max_removable: u32,
    /// Whether the viewer may buy or remove seats (Owner or Admin of the top-level account).
    pub can_manage: bool,
    /// Newest first.
    pub history: Vec<SeatLedgerEntry>,
}

/// `POST /api/v1/accounts/{id}/seats/purchases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatPurchaseRequest {
    pub quantity: SeatCount,
    /// The total the person saw and confirmed (minor units); refused if the price changed.
    pub expected_total_minor: i64,
}

/// `POST /api/v1/accounts/{id}/seats/removals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatRemovalRequest {
    pub quantity: SeatCount,
}

/// The query of `GET /api/v1/accounts/{id}/seats/quote`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct SeatQuoteQuery {
    pub quantity: SeatCount,
}

// ---- API tokens ----------------------------------------------------------------------------------

/// An API token as listed (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiTokenInfo {
    pub id: i64,
    pub name: TokenName,
    /// The account it acts on (and its sub-accounts).
    pub account: AccountId,
    pub account_name: AccountName,
    /// The highest role it acts with (also never above its creator's).
    pub max_role: Role,
    /// Its first characters, to tell tokens apart.
    pub prefix: String,
    pub created_by: Option<String>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// `POST /api/v1/accounts/{id}/api-tokens`: a token for this account and its sub-accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiTokenRequest {
    pub name: TokenName,
    pub max_role: Role,
}

/// A new token: `token` is shown this once and never again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiToken {
    pub info: ApiTokenInfo,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

// ---- provisioning ---------------------------------------------------------------------------

/// A group an identity provider pushed through SCIM, and the access it grants its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushedGroup {
    pub id: i64,
    /// The name the provider gave it.
    pub name: String,
    pub external_id: Option<String>,
    /// Its members who are in the organisation.
    pub members: i64,
    /// What its members get; `None` until an Owner maps it.
    pub grant: Option<GroupGrant>,
}

/// One role on one or more accounts: what a mapped group gives each of its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupGrant {
    pub role: Role,
    pub accounts: Vec<AccountId>,
}

/// `PUT …/provisioning/groups/{group}` or `DELETE` it: the group as it is now, and how many of
/// its members' access changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupGrantOutcome {
    pub group: PushedGroup,
    pub changed: i64,
    /// The members whose access the rules kept as it was, each with why ("ana@example.com:
    /// This would leave … without an Owner.").
    pub refused: Vec<String>,
}

// ---- profile and notifications --------------------------------------------------------------------

/// What a person chose to be told about new inbound messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationPreferences {
    /// A desktop notification (the browser asks for permission when this is turned on).
    pub desktop: bool,
    /// A count on the app's icon (or in the tab's title).
    pub badge: bool,
    /// A short sound.
    pub sound: bool,
}

/// `GET /api/v1/me/profile`: the signed-in person's own details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyProfile {
    pub name: PersonName,
    pub email: EmailAddress,
    pub mobile: Option<PhoneNumber>,
    /// The default sending country (also how a mobile number without +code is read).
    pub country: Option<CountryCode>,
    /// A new address waiting for confirmation from its inbox.
    pub pending_email: Option<EmailAddress>,
    pub notifications: NotificationPreferences,
}

/// `PUT /api/v1/me/profile`: every field of User Details at once, as typed. Each field is
/// checked; all problems are reported together, per field, and nothing is saved unless all
/// are right. A new email address takes effect only once confirmed from its inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileUpdate {
    pub name: String,
    pub email: String,
    /// Empty for none.
    pub mobile: String,
    /// ISO 3166-1 alpha-2, or empty for none.
    pub country: String,
}

// ---- live events ----------------------------------------------------------------------------------

/// `POST /api/v1/accounts/{id}/inbound-messages`: the messaging side reports a new message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboundMessage {
    /// Who wrote (a name, number or address; 1–200 characters).
    pub from: String,
    /// The start of the message (at most 500 characters are kept).
    pub preview: String,
}

/// What the server pushes to signed-in browsers on `GET /api/v1/events` (Server-Sent Events;
/// the SSE event name is the `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A new inbound message on an account the person can open.
    InboundMessage {
        account: AccountId,
        account_name: String,
        from: String,
        preview: String,
        at: Timestamp,
    },
    /// People or access changed in an organisation the person is in: refresh lists.
    PeopleChanged { organisation: AccountId },
    /// The person's own access changed: refresh the account switcher.
    AccessChanged,
    /// This browser's session was ended elsewhere: show the sign-in page.
    SessionEnded,
}

// ---- CSV import ------------------------------------------------------------------------------------

/// `POST /api/v1/accounts/{id}/invitations/preview`: a CSV file of `email,role,account` rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CsvImportRequest {
    pub csv: String,
}

/// One row of an import, as read, with what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRow {
    /// The line in the file (1-based, the header counting).
    pub line: u32,
    pub email: String,
    pub role: String,
    pub account: String,
    /// The account the row names, when it names one in this account's scope.
    pub account_id: Option<AccountId>,
    /// Empty when the row can be sent.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportPreview {
    pub rows: Vec<ImportRow>,
    /// People the good rows would invite (distinct addresses).
    pub people: u32,
    pub seats: SeatPlan,
}

/// One row to send: a role on an account for an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkInviteRow {
    pub email: String,
    pub role: Role,
    pub account: AccountId,
}

/// `POST /api/v1/accounts/{id}/invitations/bulk`: rows sent as one batch (all or nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkInviteRequest {
    pub rows: Vec<BulkInviteRow>,
}

// ---- a forgotten password --------------------------------------------------------------------

/// `POST /api/v1/password-reset`: "Forgot password?", a link to choose a new one, mailed to
/// the address if it belongs to someone with a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    pub email: EmailAddress,
}

/// The answer to every reset request, whether or not the address has an account (so it says
/// nothing about the address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequested {
    /// How long a mailed link works.
    pub valid_minutes: u32,
}

/// `POST /api/v1/me/email/confirm`: the token of the link mailed to a new address.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailConfirmation {
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub token: String,
}

/// What confirming a new address answers: the person's address from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailConfirmed {
    pub email: EmailAddress,
}

/// `POST /api/v1/password-reset/inspect`: a reset link's token (from the link's fragment).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetTokenRequest {
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub token: String,
}

/// What a reset link is for, before the new password is typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetView {
    /// The person's address (the new password may not be it).
    pub email: EmailAddress,
    pub expires_at: Timestamp,
}

/// `POST /api/v1/password-reset/complete`: the new password, with the link's token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetCompletion {
    #[serde(deserialize_with = "crate::bounded::secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub token: String,
    pub password: NewPassword,
}

/// The password was changed and every session of the person ended; nobody is signed in. Sign
/// in with the new password (and the second step, when it is on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetDone {
    pub email: EmailAddress,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_omits_empty_fields() {
        let body = ErrorBody {
            code: ErrorCode::NotFound,
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

// ---- single sign-on ------------------------------------------------------------------------

/// `GET /api/v1/accounts/{id}/sso`: an organisation's single sign-on, set on its top-level
/// account by its Owners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoSettings {
    /// Where the provider sends people back: the client's redirect URI at the provider.
    pub redirect_uri: String,
    /// The identity provider; none until an Owner enters one.
    pub provider: Option<SsoProvider>,
    /// People in the verified domains must sign in through the provider (their password and
    /// passkeys are refused).
    pub required: bool,
    /// Who joins without an invitation; none (the default) when only invited people may.
    pub join: Option<SsoJoin>,
    pub domains: Vec<SsoDomain>,
}

/// Just-in-time joining: someone in a verified domain who signs in through the provider
/// without an invitation joins with this role on these accounts, taking a seat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoJoin {
    pub role: crate::role::JoinRole,
    pub accounts: Vec<AccountId>,
}

/// `PUT /api/v1/accounts/{id}/sso/join`: who joins without an invitation (`null`: no one).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoJoinRequest {
    pub join: Option<SsoJoin>,
}

/// The organisation's OpenID provider (its client secret is never shown again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoProvider {
    /// `https://idp.example.com/realms/acme`: where `/.well-known/openid-configuration` is.
    pub issuer: String,
    pub client_id: String,
}

/// `PUT /api/v1/accounts/{id}/sso/provider`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoProviderRequest {
    pub issuer: String,
    pub client_id: String,
    /// Required the first time; left out, the stored one is kept.
    #[serde(default, deserialize_with = "crate::bounded::optional_secret")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub client_secret: Option<String>,
}

/// `POST /api/v1/accounts/{id}/sso/test`: what the provider's discovery document and keys say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoConnectionTest {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    /// Keys its JWKS holds to sign ID tokens with.
    pub signing_keys: usize,
}

/// `PUT /api/v1/accounts/{id}/sso/policy`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoPolicyRequest {
    pub required: bool,
}

/// An email domain of the organisation, verified (by DNS or by the operator) or waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoDomain {
    pub domain: crate::email::EmailDomain,
    pub verified_at: Option<Timestamp>,
    /// The DNS TXT record that proves it: its name…
    pub txt_name: String,
    /// …and its value.
    pub txt_value: String,
}

/// `POST /api/v1/accounts/{id}/sso/domains`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddDomainRequest {
    pub domain: crate::email::EmailDomain,
}

/// `POST /api/v1/sso/start`: "Continue with SSO" with an address.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoStartRequest {
    pub email: String,
}

/// Where the browser goes next: the identity provider's sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoRedirect {
    pub url: String,
}

crate::text_enum::text_enum! {
    /// Why coming back from the identity provider did not sign in: `/sign-in?sso=…`.
    pub enum SsoFailure ("a single sign-on failure") {
        /// No such sign-in is waiting (expired after ten minutes, used, or never started here).
        Expired = "expired",
        /// The person cancelled at the provider, or it refused.
        Cancelled = "cancelled",
        /// The provider did not answer, or its answer did not verify (signature, issuer,
        /// audience, nonce, time).
        Failed = "failed",
        /// The provider has not verified the address it gave.
        EmailUnverified = "email_unverified",
        /// The address is not in a domain the organisation verified.
        WrongDomain = "wrong_domain",
        /// The person has no access to the organisation and no invitation to it.
        NoAccess = "no_access",
        /// The person would have joined without an invitation, but no seat is free.
        NoSeat = "no_seat",
    }
}

impl SsoFailure {
    /// What the sign-in page says.
    pub fn explanation(self) -> &'static str {
        match self {
            SsoFailure::Expired => {
                "That single sign-on took too long or was already used. Please try again."
            }
            SsoFailure::Cancelled => "Single sign-on was cancelled at your identity provider.",
            SsoFailure::Failed => {
                "Your identity provider's answer could not be checked. Please try again; if it keeps failing, tell your administrator."
            }
            SsoFailure::EmailUnverified => {
                "Your identity provider has not verified your email address, so Roster cannot trust it. Ask your administrator."
            }
            SsoFailure::WrongDomain => {
                "Your identity provider signed you in with an address outside your organisation's verified domains."
            }
            SsoFailure::NoAccess => {
                "You signed in at your identity provider, but you have no access to this organisation in Roster. Ask an administrator to invite you."
            }
            SsoFailure::NoSeat => {
                "You signed in at your identity provider, but your organisation has no free seat in Roster for you. Ask an Owner to buy more seats, then sign in again."
            }
        }
    }
}
