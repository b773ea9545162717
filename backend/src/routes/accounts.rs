//! Accounts, their people, invitations and audit log: `/api/v1/accounts/…`.
//!
//! Handlers only translate HTTP to the `team` module, which applies the rules.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roster_shared::api::{
    AccessChanges, AccessUpdate, AccountNameRequest, AccountSummary, ApiTokenInfo, AuditPage,
    BulkInviteRequest, BulkOperation, BulkRequest, CreateApiTokenRequest, CreatedApiToken,
    CsvImportRequest, GroupGrant, GroupGrantOutcome, ImportPreview, InvitationInfo, InvitationLink,
    InviteOptions, InviteRequest, InviteResult, LastAccountRequest, PeoplePage, PeopleQuery,
    PersonDetail, PushedGroup, SeatOverview, SeatPurchaseRequest, SeatQuoteQuery,
    SeatRemovalRequest,
};
use roster_shared::seats::SeatQuote;
use serde::Deserialize;

use crate::auth::session::CurrentSession;
use crate::clock;
use crate::error::{ApiError, AppJson, AppPath, AppQuery};
use crate::state::AppState;
use crate::team::context::{ActingOn, OnAccount};
use crate::team::{accounts, api_tokens, audit, bulk, import, invite, people, provisioning, seats};

/// The accounts the signed-in person can open, in tree order (the account switcher).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts",
    responses((status = 200, body = Vec<AccountSummary>)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    session: CurrentSession,
) -> Result<AppJson<Vec<AccountSummary>>, ApiError> {
    Ok(AppJson(accounts::accessible(&state, session.user()).await?))
}

/// Remembers the account the person works in, where they land after signing in.
#[utoipa::path(put, path = "/api/v1/me/last-account", tag = "accounts", request_body = LastAccountRequest,
    responses((status = 204, description = "Remembered"), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn set_last_account(
    State(state): State<AppState>,
    session: CurrentSession,
    AppJson(request): AppJson<LastAccountRequest>,
) -> Result<StatusCode, ApiError> {
    accounts::remember_last(&state, &session, request.account.0).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a sub-account under this account.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/sub-accounts", tag = "accounts", request_body = AccountNameRequest,
    params(("id" = i64, Path)),
    responses((status = 201, body = AccountSummary), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody), (status = 409, description = "A sibling has the same name", body = roster_shared::api::ErrorBody),
        (status = 422, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn create_sub_account(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppJson(request): AppJson<AccountNameRequest>,
) -> Result<(StatusCode, AppJson<AccountSummary>), ApiError> {
    let created = accounts::create_sub_account(&state, &actor, &ctx, &request.name).await?;
    Ok((StatusCode::CREATED, AppJson(created)))
}

/// Renames this account.
#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "accounts", request_body = AccountNameRequest,
    params(("id" = i64, Path)),
    responses((status = 200, body = AccountSummary), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody),
        (status = 409, description = "A sibling has the same name", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn rename(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppJson(request): AppJson<AccountNameRequest>,
) -> Result<AppJson<AccountSummary>, ApiError> {
    Ok(AppJson(
        accounts::rename(&state, &actor, &ctx, &request.name).await?,
    ))
}

/// Archives this sub-account (refused while it has active sub-accounts).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/archive", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 204, description = "Archived"), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody), (status = 422, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn archive(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
) -> Result<StatusCode, ApiError> {
    accounts::archive(&state, &actor, &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restores this archived sub-account (refused while its parent is archived, or while an
/// active sibling has the same name).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/restore", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 204, description = "Restored"), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody), (status = 409, body = roster_shared::api::ErrorBody),
        (status = 422, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn restore(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
) -> Result<StatusCode, ApiError> {
    accounts::restore(&state, &actor, &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The Users list of this account (people with access here or in its sub-accounts).
#[utoipa::path(get, path = "/api/v1/accounts/{id}/people", tag = "people", params(("id" = i64, Path), PeopleQuery),
    responses((status = 200, body = PeoplePage), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn people_list(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
    AppQuery(query): AppQuery<PeopleQuery>,
) -> Result<AppJson<PeoplePage>, ApiError> {
    Ok(AppJson(people::list(&state, &ctx, query).await?))
}

/// What the New User form offers: grantable accounts and roles, and the seat situation.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/invite-options", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = InviteOptions), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn invite_options(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
) -> Result<AppJson<InviteOptions>, ApiError> {
    ctx.require_manage()?;
    let now = clock::now();
    let mut conn = state.db().reader().acquire().await?;
    let seats = invite::seat_plan(&state, &mut conn, &ctx.org.root, now).await?;
    let extra_seat_price = ctx
        .org
        .root
        .plan
        .as_deref()
        .and_then(|key| state.plans().get(key))
        .map(|plan| plan.extra_seat_price)
        .unwrap_or_else(|| {
            roster_shared::money::Money::new(
                0,
                roster_shared::money::Currency::parse("EUR").expect("EUR"),
            )
        });
    let root_role = roster_shared::access::effective_role(
        &ctx.org.tree,
        &ctx.actor_memberships,
        roster_shared::account::AccountId(ctx.root()),
    );
    Ok(AppJson(InviteOptions {
        accounts: ctx.grantable_accounts(),
        seats,
        extra_seat_price,
        can_buy_seats: root_role.is_some_and(|r| r.manages_users()),
    }))
}

/// Invites people (many at once) with roles on this account and its sub-accounts.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/invitations", tag = "people", request_body = InviteRequest,
    params(("id" = i64, Path)),
    responses((status = 200, description = "Who was invited and who was not, and why", body = InviteResult),
        (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody),
        (status = 409, description = "Not enough seats; nothing was done", body = roster_shared::api::ErrorBody),
        (status = 422, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn invite_people(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppJson(request): AppJson<InviteRequest>,
) -> Result<AppJson<InviteResult>, ApiError> {
    let db = state.db().clone();
    let invited = db
        .on_writer_thread(async move { invite::invite(&state, &actor, &ctx, request).await })
        .await?;
    Ok(AppJson(invited))
}

/// One person, with their access in this account's scope and what the viewer may change.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/people/{user}", tag = "people",
    params(("id" = i64, Path), ("user" = i64, Path)),
    responses((status = 200, body = PersonDetail), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn person(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, user)): AppPath<(i64, i64)>,
) -> Result<AppJson<PersonDetail>, ApiError> {
    Ok(AppJson(people::detail(&state, &actor, &ctx, user).await?))
}

/// Sets a person's complete access within this account's scope, all at once.
#[utoipa::path(put, path = "/api/v1/accounts/{id}/people/{user}/access", tag = "people", request_body = AccessUpdate,
    params(("id" = i64, Path), ("user" = i64, Path)),
    responses((status = 200, description = "Exactly what changed", body = AccessChanges),
        (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody),
        (status = 422, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn update_access(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, user)): AppPath<(i64, i64)>,
    AppJson(update): AppJson<AccessUpdate>,
) -> Result<AppJson<AccessChanges>, ApiError> {
    Ok(AppJson(
        people::update_access(&state, &actor, &ctx, user, update).await?,
    ))
}

/// Removes a person from this account and its sub-accounts.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/people/{user}", tag = "people",
    params(("id" = i64, Path), ("user" = i64, Path)),
    responses((status = 200, description = "What was removed", body = AccessChanges),
        (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn remove_person(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, user)): AppPath<(i64, i64)>,
) -> Result<AppJson<AccessChanges>, ApiError> {
    Ok(AppJson(people::remove(&state, &actor, &ctx, user).await?))
}

/// Acts on many people of the Users list at once: the rows picked, or every match of its
/// search and filters. Answers at once with the operation; its progress is read with
/// `GET …/people/bulk/{operation}`.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/people/bulk", tag = "people", request_body = BulkRequest,
    params(("id" = i64, Path)),
    responses((status = 202, description = "Started", body = BulkOperation),
        (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody),
        (status = 422, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn bulk_start(
    State(state): State<AppState>,
    ActingOn {
        ctx,
        actor,
        principal,
    }: ActingOn,
    AppJson(request): AppJson<BulkRequest>,
) -> Result<(StatusCode, AppJson<BulkOperation>), ApiError> {
    let operation = bulk::start(&state, &principal, &actor, &ctx, request).await?;
    Ok((StatusCode::ACCEPTED, AppJson(operation)))
}

/// How far a bulk operation is, and whom it left as they were and why.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/people/bulk/{operation}", tag = "people",
    params(("id" = i64, Path), ("operation" = i64, Path)),
    responses((status = 200, body = BulkOperation),
        (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn bulk_status(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
    AppPath((_account, operation)): AppPath<(i64, i64)>,
) -> Result<AppJson<BulkOperation>, ApiError> {
    Ok(AppJson(bulk::status(&state, &ctx, operation).await?))
}

/// Sends a pending or expired invitation again, with a fresh 14-day window.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/people/{user}/invitation/resend", tag = "people",
    params(("id" = i64, Path), ("user" = i64, Path)),
    responses((status = 200, body = InvitationInfo), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody), (status = 409, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn resend_invitation(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, user)): AppPath<(i64, i64)>,
) -> Result<AppJson<InvitationInfo>, ApiError> {
    Ok(AppJson(people::resend(&state, &actor, &ctx, user).await?))
}

/// A new link that accepts a pending invitation (Copy invitation link).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/people/{user}/invitation/link", tag = "people",
    params(("id" = i64, Path), ("user" = i64, Path)),
    responses((status = 200, body = InvitationLink), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody), (status = 409, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn invitation_link(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, user)): AppPath<(i64, i64)>,
) -> Result<AppJson<InvitationLink>, ApiError> {
    Ok(AppJson(people::link(&state, &actor, &ctx, user).await?))
}

/// Withdraws a pending or expired invitation.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/people/{user}/invitation", tag = "people",
    params(("id" = i64, Path), ("user" = i64, Path)),
    responses((status = 204, description = "Withdrawn"), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody), (status = 409, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn revoke_invitation(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, user)): AppPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    people::revoke(&state, &actor, &ctx, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// Where the page is: the `next` or `previous` of another page (opaque). Missing: the
    /// newest entries.
    #[param(max_length = 256)]
    cursor: Option<String>,
    /// 1 to 200 (default 50).
    per_page: Option<u32>,
}

/// The audit log of this account and its sub-accounts, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/audit", tag = "audit", params(("id" = i64, Path), AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn audit_log(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
    AppQuery(query): AppQuery<AuditQuery>,
) -> Result<AppJson<AuditPage>, ApiError> {
    Ok(AppJson(
        audit::page(
            &state,
            &ctx,
            query.cursor.as_deref(),
            query.per_page.unwrap_or(50),
        )
        .await?,
    ))
}

/// The audit log as CSV.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/audit.csv", tag = "audit", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn audit_csv(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
    AppPath(id): AppPath<i64>,
) -> Result<Response, ApiError> {
    let csv = audit::csv(state, &ctx)?;
    let mut response = axum::body::Body::from_stream(csv).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"roster-audit-{id}.csv\""))
            .expect("ASCII"),
    );
    Ok(response)
}

/// The organisation's seats: plan, used / included / extra / free, and the purchase history.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/seats", tag = "seats", params(("id" = i64, Path)),
    responses((status = 200, body = SeatOverview), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn seat_overview(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
) -> Result<AppJson<SeatOverview>, ApiError> {
    Ok(AppJson(seats::overview(&state, &ctx).await?))
}

/// What buying `quantity` extra seats costs (per seat and in total), before confirming.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/seats/quote", tag = "seats", params(("id" = i64, Path), SeatQuoteQuery),
    responses((status = 200, body = SeatQuote), (status = 400, body = roster_shared::api::ErrorBody), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn seat_quote(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
    AppQuery(query): AppQuery<SeatQuoteQuery>,
) -> Result<AppJson<SeatQuote>, ApiError> {
    Ok(AppJson(seats::quote(&state, &ctx, query.quantity)?))
}

/// Buys extra seats at the quoted price; they are usable at once.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/seats/purchases", tag = "seats", request_body = SeatPurchaseRequest,
    params(("id" = i64, Path)),
    responses((status = 200, body = SeatOverview), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody),
        (status = 409, description = "The price changed since the quote", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn buy_seats(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppJson(request): AppJson<SeatPurchaseRequest>,
) -> Result<AppJson<SeatOverview>, ApiError> {
    Ok(AppJson(
        seats::purchase(&state, &actor, &ctx, request).await?,
    ))
}

/// Removes unused extra seats (never below the plan's included seats or the seats in use).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/seats/removals", tag = "seats", request_body = SeatRemovalRequest,
    params(("id" = i64, Path)),
    responses((status = 200, body = SeatOverview), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody),
        (status = 422, description = "More than can be removed; the message says the most", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn remove_seats(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppJson(request): AppJson<SeatRemovalRequest>,
) -> Result<AppJson<SeatOverview>, ApiError> {
    Ok(AppJson(seats::remove(&state, &actor, &ctx, request).await?))
}

/// The API tokens of this account and its sub-accounts (never their secrets).
#[utoipa::path(get, path = "/api/v1/accounts/{id}/api-tokens", tag = "api tokens", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ApiTokenInfo>), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn api_token_list(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
) -> Result<AppJson<Vec<ApiTokenInfo>>, ApiError> {
    Ok(AppJson(api_tokens::list(&state, &ctx).await?))
}

/// Creates an API token for this account (and its sub-accounts); the secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/api-tokens", tag = "api tokens", request_body = CreateApiTokenRequest,
    params(("id" = i64, Path)),
    responses((status = 201, body = CreatedApiToken), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn api_token_create(
    State(state): State<AppState>,
    ActingOn {
        ctx,
        actor,
        principal,
    }: ActingOn,
    AppJson(request): AppJson<CreateApiTokenRequest>,
) -> Result<(StatusCode, AppJson<CreatedApiToken>), ApiError> {
    let created = api_tokens::create(&state, &principal, &actor, &ctx, request).await?;
    Ok((StatusCode::CREATED, AppJson(created)))
}

/// Revokes an API token: its next request is refused.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/api-tokens/{token}", tag = "api tokens",
    params(("id" = i64, Path), ("token" = i64, Path)),
    responses((status = 204, description = "Revoked"), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn api_token_revoke(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, token)): AppPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    api_tokens::revoke(&state, &actor, &ctx, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The groups an identity provider pushed through SCIM, and what each gives its members.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/provisioning/groups", tag = "provisioning", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<PushedGroup>), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn pushed_groups(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
) -> Result<AppJson<Vec<PushedGroup>>, ApiError> {
    Ok(AppJson(provisioning::list(&state, &ctx).await?))
}

/// Makes a pushed group give its members one role on some accounts (Owners of the top-level
/// account); the members' access follows at once.
#[utoipa::path(put, path = "/api/v1/accounts/{id}/provisioning/groups/{group}", tag = "provisioning", request_body = GroupGrant,
    params(("id" = i64, Path), ("group" = i64, Path)),
    responses((status = 200, body = GroupGrantOutcome), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody), (status = 422, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn map_pushed_group(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, group)): AppPath<(i64, i64)>,
    AppJson(request): AppJson<GroupGrant>,
) -> Result<AppJson<GroupGrantOutcome>, ApiError> {
    Ok(AppJson(
        provisioning::set_grant(&state, &actor, &ctx, group, Some(request)).await?,
    ))
}

/// Makes a pushed group give nothing: what it gave its members is taken back.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/provisioning/groups/{group}", tag = "provisioning",
    params(("id" = i64, Path), ("group" = i64, Path)),
    responses((status = 200, body = GroupGrantOutcome), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn unmap_pushed_group(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, group)): AppPath<(i64, i64)>,
) -> Result<AppJson<GroupGrantOutcome>, ApiError> {
    Ok(AppJson(
        provisioning::set_grant(&state, &actor, &ctx, group, None).await?,
    ))
}

/// Reads a CSV file of `email,role,account` rows and says, per row, what is wrong; sends nothing.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/invitations/preview", tag = "people", request_body = CsvImportRequest,
    params(("id" = i64, Path)),
    responses((status = 200, body = ImportPreview), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody), (status = 422, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn import_preview(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
    AppJson(request): AppJson<CsvImportRequest>,
) -> Result<AppJson<ImportPreview>, ApiError> {
    Ok(AppJson(import::preview(&state, &ctx, &request.csv).await?))
}

/// Invites rows (address, role, account) as one batch: all of it happens or none of it.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/invitations/bulk", tag = "people", request_body = BulkInviteRequest,
    params(("id" = i64, Path)),
    responses((status = 200, body = InviteResult), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody), (status = 409, body = roster_shared::api::ErrorBody),
        (status = 422, description = "Rows that cannot be sent, each named", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn import_send(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppJson(request): AppJson<BulkInviteRequest>,
) -> Result<AppJson<InviteResult>, ApiError> {
    Ok(AppJson(
        import::bulk(&state, &actor, &ctx, request.rows).await?,
    ))
}

/// The Users list, with the same filters, as CSV.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/people.csv", tag = "people", params(("id" = i64, Path), PeopleQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn people_csv(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
    AppPath(id): AppPath<i64>,
    AppQuery(query): AppQuery<PeopleQuery>,
) -> Result<Response, ApiError> {
    let csv = import::export(state, ctx, query)?;
    let mut response = axum::body::Body::from_stream(csv).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"roster-people-{id}.csv\""))
            .expect("ASCII"),
    );
    Ok(response)
}
