//! The one client of the server's JSON API. Every call returns the `shared` type the server
//! sends, or an [`ApiError`] that can be shown to a person as it is.
//!
//! Once signed in, every state-changing request carries the session's CSRF token. A `401`
//! saying the session is gone (signed out from another device, expired) is reported to the
//! handler registered with [`on_signed_out`], which shows the sign-in page.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use gloo_net::http::{Request, RequestBuilder, Response};
use roster_shared::access::UserId;
use roster_shared::account::AccountId;
use roster_shared::api::{
    AcceptInvitationRequest, AccessChanges, AccessUpdate, AccountNameRequest, AccountSummary,
    AuditPage, BulkOperation, BulkRequest, ChangePasswordRequest, DevMail, DevMailSummary, Device,
    ErrorBody, ErrorCode, FieldError, Health, InvitationInfo, InvitationLink,
    InvitationTokenRequest, InvitationView, InviteOptions, InviteRequest, InviteResult,
    LastAccountRequest, PasswordConfirmation, PeoplePage, PeopleQuery, PeopleSort, PersonDetail,
    RecoveryCodes, SessionInfo, SetupRequest, SetupStatus, SignInOutcome, SignInRequest, SortOrder,
    TestMailQueued, TotpCodeRequest, TotpEnrolment, TotpSignInRequest, UpdateNameRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

thread_local! {
    static CSRF_TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    static SIGNED_OUT: RefCell<Option<Rc<dyn Fn()>>> = RefCell::new(None);
}

/// The CSRF token to send from now on (from the session answer), or none once signed out.
pub fn set_csrf_token(token: Option<String>) {
    CSRF_TOKEN.with(|t| *t.borrow_mut() = token);
}

/// What to do when the server says the session is gone.
pub fn on_signed_out(handler: impl Fn() + 'static) {
    SIGNED_OUT.with(|h| *h.borrow_mut() = Some(Rc::new(handler)));
}

/// Why a call did not give its answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server could not be reached at all (offline, server down, connection reset).
    Unreachable,
    /// The server answered with an error in the API's error shape.
    Server { status: u16, body: ErrorBody },
    /// The server answered something that is not the API's shape (a proxy error page, …).
    Unexpected { status: u16 },
}

impl ApiError {
    /// A sentence for people.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unreachable => {
                "Cannot reach the Roster server. Check your connection; we will keep the page as it is.".into()
            }
            ApiError::Server { body, .. } => body.message.clone(),
            ApiError::Unexpected { status } => {
                format!("The server answered unexpectedly (HTTP {status}). Please try again.")
            }
        }
    }

    /// Whether asking again could give another answer: the server was out of reach, busy, or
    /// failed on its side. A refusal (403), a missing page (404) or a problem with the request
    /// answers the same way however often it is asked.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Unreachable => true,
            ApiError::Server { status, .. } | ApiError::Unexpected { status } => {
                *status == 0 || *status == 408 || *status == 429 || *status >= 500
            }
        }
    }

    /// The stable error code, when the server gave one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Server { body, .. } => Some(body.code),
            _ => None,
        }
    }

    /// The problem the server found with `field`, if any.
    pub fn field(&self, field: &str) -> Option<String> {
        match self {
            ApiError::Server { body, .. } => body
                .fields
                .iter()
                .find(|f| f.field == field)
                .map(|f| f.message.clone()),
            _ => None,
        }
    }

    pub fn fields(&self) -> &[FieldError] {
        match self {
            ApiError::Server { body, .. } => &body.fields,
            _ => &[],
        }
    }
}

fn with_csrf(builder: RequestBuilder) -> RequestBuilder {
    match CSRF_TOKEN.with(|t| t.borrow().clone()) {
        Some(token) => builder.header("x-csrf-token", &token),
        None => builder,
    }
}

async fn send(builder: RequestBuilder, body: Option<String>) -> Result<Response, ApiError> {
    let result = match body {
        Some(json) => {
            builder
                .header("content-type", "application/json")
                .body(json)
                .map_err(|_| ApiError::Unexpected { status: 0 })?
                .send()
                .await
        }
        None => builder.send().await,
    };
    result.map_err(|_| ApiError::Unreachable)
}

/// The error a failed response carries (reporting a lost session to the handler).
fn error_from(status: u16, text: &str) -> ApiError {
    match serde_json::from_str::<ErrorBody>(text) {
        Ok(body) => {
            if status == 401
                && matches!(
                    body.code,
                    ErrorCode::SignInRequired | ErrorCode::SessionExpired
                )
                && let Some(handler) = SIGNED_OUT.with(|h| h.borrow().clone())
            {
                handler();
            }
            ApiError::Server { status, body }
        }
        Err(_) => ApiError::Unexpected { status },
    }
}

/// Sends a request and reads the whole answer: its status and body text.
async fn read(builder: RequestBuilder, body: Option<String>) -> Result<(u16, String), ApiError> {
    let response = send(builder, body).await?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|_| ApiError::Unexpected { status })?;
    Ok((status, text))
}

/// Sends a request: the body of a success, or the error.
///
/// Deliberately not generic: every typed call shares this one future, and only the final
/// `serde_json::from_str` is instantiated per type (each generic future costs wasm size).
async fn exchange(builder: RequestBuilder, body: Option<String>) -> Result<String, ApiError> {
    let (status, text) = read(builder, body).await?;
    if (200..300).contains(&status) {
        Ok(text)
    } else {
        Err(error_from(status, &text))
    }
}

fn parse<T: DeserializeOwned>(text: Result<String, ApiError>) -> Result<T, ApiError> {
    let text = text?;
    serde_json::from_str(&text).map_err(|_| ApiError::Unexpected { status: 200 })
}

fn json(body: &impl Serialize) -> Option<String> {
    serde_json::to_string(body).ok()
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let text = match take_ahead(path) {
        Some(ahead) => AheadAnswer(ahead).await,
        None => exchange(Request::get(path), None).await,
    };
    parse(text)
}

// ---- answers asked for ahead ---------------------------------------------------------------

/// How long an answer asked for ahead waits for its screen; after that it is dropped unread,
/// so nothing older than this is ever shown as current.
const AHEAD_FOR_MS: f64 = 10_000.0;

enum Ahead {
    Waiting(Option<Waker>),
    Arrived(Result<String, ApiError>),
    Taken,
}

struct AheadEntry {
    path: String,
    asked_at: f64,
    answer: Rc<RefCell<Ahead>>,
}

thread_local! {
    static AHEAD: RefCell<Vec<AheadEntry>> = const { RefCell::new(Vec::new()) };
}

/// Starts `GET path` now, for a screen whose code is still on its way: that screen's first
/// `GET` of the same path takes this answer instead of asking again, so the screen's data and
/// its code arrive side by side instead of one after the other.
pub fn prefetch(path: String) {
    let now = js_sys::Date::now();
    let answer = Rc::new(RefCell::new(Ahead::Waiting(None)));
    AHEAD.with_borrow_mut(|ahead| {
        ahead.retain(|entry| now - entry.asked_at < AHEAD_FOR_MS && entry.path != path);
        ahead.push(AheadEntry {
            path: path.clone(),
            asked_at: now,
            answer: Rc::clone(&answer),
        });
    });
    leptos::task::spawn_local(async move {
        let arrived = exchange(Request::get(&path), None).await;
        let waiting = std::mem::replace(&mut *answer.borrow_mut(), Ahead::Arrived(arrived));
        if let Ahead::Waiting(Some(waker)) = waiting {
            waker.wake();
        }
    });
}

/// The answer asked for ahead for `path`, if it is recent; it is given once.
fn take_ahead(path: &str) -> Option<Rc<RefCell<Ahead>>> {
    let now = js_sys::Date::now();
    AHEAD.with_borrow_mut(|ahead| {
        ahead.retain(|entry| now - entry.asked_at < AHEAD_FOR_MS);
        let index = ahead.iter().position(|entry| entry.path == path)?;
        Some(ahead.swap_remove(index).answer)
    })
}

/// Waits for an answer asked for ahead.
struct AheadAnswer(Rc<RefCell<Ahead>>);

impl Future for AheadAnswer {
    type Output = Result<String, ApiError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.0.borrow_mut();
        match std::mem::replace(&mut *state, Ahead::Taken) {
            Ahead::Arrived(answer) => Poll::Ready(answer),
            Ahead::Waiting(_) => {
                *state = Ahead::Waiting(Some(cx.waker().clone()));
                Poll::Pending
            }
            // Entries are handed out once and polled by one task.
            Ahead::Taken => Poll::Ready(Err(ApiError::Unreachable)),
        }
    }
}

async fn post<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    parse(exchange(with_csrf(Request::post(path)), json(body)).await)
}

/// A `POST` without a body that answers with `T`.
async fn post_for<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    parse(exchange(with_csrf(Request::post(path)), None).await)
}

async fn post_empty(path: &str) -> Result<(), ApiError> {
    exchange(with_csrf(Request::post(path)), None)
        .await
        .map(drop)
}

async fn put<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    parse(exchange(with_csrf(Request::put(path)), json(body)).await)
}

async fn put_empty(path: &str, body: &impl Serialize) -> Result<(), ApiError> {
    exchange(with_csrf(Request::put(path)), json(body))
        .await
        .map(drop)
}

async fn patch<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    parse(exchange(with_csrf(Request::patch(path)), json(body)).await)
}

async fn delete(path: &str, body: Option<&impl Serialize>) -> Result<(), ApiError> {
    let body = body.and_then(json);
    exchange(with_csrf(Request::delete(path)), body)
        .await
        .map(drop)
}

/// A `DELETE` that answers with `T`.
async fn delete_for<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    parse(exchange(with_csrf(Request::delete(path)), None).await)
}

// Calls grouped by area in their own files (they use the private helpers above).
mod automation;
mod passkeys;
mod password_reset;
mod profile;
mod seats;
mod sso;
mod webhooks;
pub use automation::*;
pub use passkeys::*;
pub use password_reset::*;
pub use profile::*;
pub use seats::*;
pub use sso::*;
pub use webhooks::*;

// ---- system ------------------------------------------------------------------------------

/// `GET /api/v1/health`. A degraded server answers 503 with a [`Health`] body too.
pub async fn health() -> Result<Health, ApiError> {
    match read(Request::get("/api/v1/health"), None).await? {
        (200 | 503, text) => {
            serde_json::from_str(&text).map_err(|_| ApiError::Unexpected { status: 503 })
        }
        (status, text) => Err(error_from(status, &text)),
    }
}

// ---- setup and session -------------------------------------------------------------------

pub async fn setup_status() -> Result<SetupStatus, ApiError> {
    get("/api/v1/setup").await
}

pub async fn set_up(request: &SetupRequest) -> Result<SignInOutcome, ApiError> {
    post("/api/v1/setup", request).await
}

pub async fn sign_in(request: &SignInRequest) -> Result<SignInOutcome, ApiError> {
    post("/api/v1/sign-in", request).await
}

pub async fn sign_in_totp(request: &TotpSignInRequest) -> Result<SignInOutcome, ApiError> {
    post("/api/v1/sign-in/totp", request).await
}

/// The current session, or `None` when nobody is signed in on this browser.
pub async fn session() -> Result<Option<SessionInfo>, ApiError> {
    match read(Request::get("/api/v1/session"), None).await? {
        (401, _) => Ok(None),
        (200, text) => parse(Ok(text)).map(Some),
        (status, text) => Err(error_from(status, &text)),
    }
}

pub async fn sign_out() -> Result<(), ApiError> {
    post_empty("/api/v1/sign-out").await
}

// ---- the signed-in person ----------------------------------------------------------------

pub async fn update_name(request: &UpdateNameRequest) -> Result<SessionInfo, ApiError> {
    put("/api/v1/me/name", request).await
}

pub async fn change_password(request: &ChangePasswordRequest) -> Result<(), ApiError> {
    put_empty("/api/v1/me/password", request).await
}

pub async fn devices() -> Result<Vec<Device>, ApiError> {
    get("/api/v1/me/devices").await
}

pub async fn sign_out_device(id: i64) -> Result<(), ApiError> {
    delete(&format!("/api/v1/me/devices/{id}"), None::<&()>).await
}

pub async fn sign_out_other_devices() -> Result<(), ApiError> {
    post_empty("/api/v1/me/devices/sign-out-others").await
}

pub async fn start_totp() -> Result<TotpEnrolment, ApiError> {
    post("/api/v1/me/totp", &()).await
}

pub async fn confirm_totp(request: &TotpCodeRequest) -> Result<RecoveryCodes, ApiError> {
    post("/api/v1/me/totp/confirm", request).await
}

pub async fn disable_totp(request: &PasswordConfirmation) -> Result<(), ApiError> {
    delete("/api/v1/me/totp", Some(request)).await
}

// ---- mail --------------------------------------------------------------------------------

pub async fn send_test_mail() -> Result<TestMailQueued, ApiError> {
    post("/api/v1/mail/test", &()).await
}

pub async fn dev_mailbox() -> Result<Vec<DevMailSummary>, ApiError> {
    get("/api/v1/dev/mailbox").await
}

pub async fn dev_mail(id: i64) -> Result<DevMail, ApiError> {
    get(&format!("/api/v1/dev/mailbox/{id}")).await
}

pub async fn clear_dev_mailbox() -> Result<(), ApiError> {
    delete("/api/v1/dev/mailbox", None::<&()>).await
}

// ---- accounts ----------------------------------------------------------------------------

/// Every account the signed-in person can open, in tree order.
pub async fn accounts() -> Result<Vec<AccountSummary>, ApiError> {
    get("/api/v1/accounts").await
}

/// Remembers the account the person works in, where the next sign-in opens.
pub async fn set_last_account(account: AccountId) -> Result<(), ApiError> {
    put_empty("/api/v1/me/last-account", &LastAccountRequest { account }).await
}

pub async fn create_sub_account(
    parent: AccountId,
    request: &AccountNameRequest,
) -> Result<AccountSummary, ApiError> {
    post(&format!("/api/v1/accounts/{parent}/sub-accounts"), request).await
}

pub async fn rename_account(
    account: AccountId,
    request: &AccountNameRequest,
) -> Result<AccountSummary, ApiError> {
    patch(&format!("/api/v1/accounts/{account}"), request).await
}

pub async fn archive_account(account: AccountId) -> Result<(), ApiError> {
    post_empty(&format!("/api/v1/accounts/{account}/archive")).await
}

pub async fn restore_account(account: AccountId) -> Result<(), ApiError> {
    post_empty(&format!("/api/v1/accounts/{account}/restore")).await
}

// ---- people ------------------------------------------------------------------------------

/// The query string of a Users list request (only the parts that are set).
pub fn people_query_string(query: &PeopleQuery) -> String {
    let mut parts = Vec::new();
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        parts.push(format!("q={}", crate::url::query_value(q)));
    }
    if let Some(status) = query.status {
        parts.push(format!("status={}", status.as_str()));
    }
    if let Some(role) = query.role {
        parts.push(format!("role={}", role.as_str()));
    }
    if let Some(inactive) = query.inactive {
        parts.push(format!("inactive={}", inactive.as_str()));
    }
    if let Some(sort) = query.sort {
        let sort = match sort {
            PeopleSort::Name => "name",
            PeopleSort::Email => "email",
            PeopleSort::Status => "status",
            PeopleSort::LastSignIn => "last_sign_in",
        };
        parts.push(format!("sort={sort}"));
    }
    if let Some(order) = query.order {
        let order = match order {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        };
        parts.push(format!("order={order}"));
    }
    if let Some(cursor) = query.cursor.as_deref().filter(|c| !c.is_empty()) {
        parts.push(format!("cursor={}", crate::url::query_value(cursor)));
    }
    if let Some(per_page) = query.per_page {
        parts.push(format!("per_page={per_page}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

pub fn people_path(account: AccountId, query: &PeopleQuery) -> String {
    format!(
        "/api/v1/accounts/{account}/people{}",
        people_query_string(query)
    )
}

thread_local! {
    /// The Users list request on its way, to call off when a newer one starts.
    static PEOPLE_ON_ITS_WAY: RefCell<Option<web_sys::AbortController>> = const { RefCell::new(None) };
}

/// A page of the Users list. A request for an older search, filter or page still on its way is
/// called off: typing a search asks once per keystroke, and only the last answer is shown (see
/// `Remote`), so the server need not finish the others nor the browser wait for them.
pub async fn people(account: AccountId, query: &PeopleQuery) -> Result<PeoplePage, ApiError> {
    let path = people_path(account, query);
    if let Some(ahead) = take_ahead(&path) {
        return parse(AheadAnswer(ahead).await);
    }
    let controller = web_sys::AbortController::new().ok();
    if let Some(older) = PEOPLE_ON_ITS_WAY.with(|on| on.replace(controller.clone())) {
        older.abort();
    }
    let signal = controller.as_ref().map(web_sys::AbortController::signal);
    let answer = exchange(Request::get(&path).abort_signal(signal.as_ref()), None).await;
    parse(answer)
}

pub fn invite_options_path(account: AccountId) -> String {
    format!("/api/v1/accounts/{account}/invite-options")
}

pub async fn invite_options(account: AccountId) -> Result<InviteOptions, ApiError> {
    get(&invite_options_path(account)).await
}

pub async fn invite(account: AccountId, request: &InviteRequest) -> Result<InviteResult, ApiError> {
    post(&format!("/api/v1/accounts/{account}/invitations"), request).await
}

pub async fn person(account: AccountId, user: UserId) -> Result<PersonDetail, ApiError> {
    get(&format!("/api/v1/accounts/{account}/people/{user}")).await
}

/// Sets the person's complete access within the account's scope.
pub async fn update_access(
    account: AccountId,
    user: UserId,
    request: &AccessUpdate,
) -> Result<AccessChanges, ApiError> {
    put(
        &format!("/api/v1/accounts/{account}/people/{user}/access"),
        request,
    )
    .await
}

/// "Remove from this account": this account and its sub-accounts.
pub async fn remove_person(account: AccountId, user: UserId) -> Result<(), ApiError> {
    delete(
        &format!("/api/v1/accounts/{account}/people/{user}"),
        None::<&()>,
    )
    .await
}

/// Resend invitation / Re-invite: a fresh 14-day window, the email sent again.
pub async fn resend_invitation(
    account: AccountId,
    user: UserId,
) -> Result<InvitationInfo, ApiError> {
    post_for(&format!(
        "/api/v1/accounts/{account}/people/{user}/invitation/resend"
    ))
    .await
}

pub async fn invitation_link(account: AccountId, user: UserId) -> Result<InvitationLink, ApiError> {
    post_for(&format!(
        "/api/v1/accounts/{account}/people/{user}/invitation/link"
    ))
    .await
}

/// Starts acting on many people of the Users list at once.
pub async fn bulk_start(
    account: AccountId,
    request: &BulkRequest,
) -> Result<BulkOperation, ApiError> {
    post(&format!("/api/v1/accounts/{account}/people/bulk"), request).await
}

/// Where a bulk operation stands.
pub async fn bulk_status(account: AccountId, operation: i64) -> Result<BulkOperation, ApiError> {
    get(&format!(
        "/api/v1/accounts/{account}/people/bulk/{operation}"
    ))
    .await
}

pub async fn revoke_invitation(account: AccountId, user: UserId) -> Result<(), ApiError> {
    delete(
        &format!("/api/v1/accounts/{account}/people/{user}/invitation"),
        None::<&()>,
    )
    .await
}

// ---- accepting an invitation ---------------------------------------------------------------

pub async fn inspect_invitation(token: &str) -> Result<InvitationView, ApiError> {
    post(
        "/api/v1/invitations/inspect",
        &InvitationTokenRequest {
            token: token.to_owned(),
        },
    )
    .await
}

/// Asks for the invitation to be mailed to the address it was made for.
pub async fn email_invitation(token: &str) -> Result<(), ApiError> {
    let request = InvitationTokenRequest {
        token: token.to_owned(),
    };
    exchange(
        with_csrf(Request::post("/api/v1/invitations/email")),
        json(&request),
    )
    .await
    .map(drop)
}

pub async fn accept_invitation(
    request: &AcceptInvitationRequest,
) -> Result<SignInOutcome, ApiError> {
    post("/api/v1/invitations/accept", request).await
}

// ---- audit log ---------------------------------------------------------------------------

/// A page of the audit log: the newest, or where a page's `next`/`previous` cursor says.
pub async fn audit(
    account: AccountId,
    cursor: Option<&str>,
    per_page: u32,
) -> Result<AuditPage, ApiError> {
    let at = cursor
        .map(|c| format!("&cursor={}", crate::url::query_value(c)))
        .unwrap_or_default();
    get(&format!(
        "/api/v1/accounts/{account}/audit?per_page={per_page}{at}"
    ))
    .await
}

/// Where the audit log downloads as CSV (a plain link).
pub fn audit_csv_url(account: AccountId) -> String {
    format!("/api/v1/accounts/{account}/audit.csv")
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_shared::api::Inactivity;
    use roster_shared::invitation::PersonStatus;
    use roster_shared::role::Role;

    #[test]
    fn query_values_are_encoded() {}

    #[test]
    fn people_query_names_only_what_is_set() {
        assert_eq!(people_query_string(&PeopleQuery::default()), "");
        let query = PeopleQuery {
            q: Some(" ana ".into()),
            status: Some(PersonStatus::Pending),
            role: Some(Role::Admin),
            inactive: Some(Inactivity::Days90),
            sort: Some(PeopleSort::LastSignIn),
            order: Some(SortOrder::Desc),
            cursor: Some("MWFuYS4xLjAuMi4t".into()),
            per_page: Some(50),
        };
        assert_eq!(
            people_query_string(&query),
            "?q=ana&status=pending&role=admin&inactive=90d&sort=last_sign_in&order=desc&cursor=MWFuYS4xLjAuMi4t&per_page=50"
        );
    }
}
