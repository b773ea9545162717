//! Seats of an organisation: the overview, quotes, buying more and removing unused ones.
//!
//! Purchases and removals lock the organisation and count the seats in use inside the same
//! transaction as the change, the same lock inviting takes: a removal racing an invitation
//! can never leave more people than seats.

use crate::webhooks::events as webhooks;
use axum::http::StatusCode;
use rand::RngCore as _;
use roster_shared::access;
use roster_shared::account::AccountId;
use roster_shared::api::ErrorCode;
use roster_shared::api::{
    PlanInfo, SeatChangeKind, SeatLedgerEntry, SeatOverview, SeatPurchaseRequest,
    SeatRemovalRequest,
};
use roster_shared::audit::AuditAction;
use roster_shared::money::{Currency, Money};
use roster_shared::seats::{SeatCount, SeatQuote, seats};
use roster_shared::time::Timestamp;
use roster_shared::webhook::{SeatsData, WebhookEventType};

use crate::billing::{BillingError, SeatChange};
use crate::clock;
use crate::db;
use crate::error::ApiError;
use crate::plans::Plan;
use crate::state::AppState;
use crate::team::context::{Actor, Context, sentence};
use crate::team::invite::seat_plan;

fn plan<'a>(state: &'a AppState, ctx: &Context) -> Result<&'a Plan, ApiError> {
    ctx.org
        .root
        .plan
        .as_deref()
        .and_then(|key| state.plans().get(key))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::UnknownPlan,
                "This account's plan is not offered any more; ask the operator to restore it in the plans file.",
            )
        })
}

/// Owners and Admins of the top-level account manage seats.
fn may_manage(ctx: &Context) -> bool {
    access::check_manage_users(&ctx.org.tree, &ctx.actor_memberships, AccountId(ctx.root())).is_ok()
}

fn require_manager(ctx: &Context) -> Result<(), ApiError> {
    if may_manage(ctx) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::NotASeatManager,
            format!(
                "Only Owners and Admins of {} can buy or remove seats.",
                ctx.org.name(ctx.root())
            ),
        ))
    }
}

fn entry(row: db::seats::EntryRow) -> Result<SeatLedgerEntry, ApiError> {
    let currency = Currency::parse(&row.currency).map_err(ApiError::internal)?;
    Ok(SeatLedgerEntry {
        id: row.id,
        at: Timestamp::from_millis(row.created_at),
        kind: if row.kind == "purchase" {
            SeatChangeKind::Purchase
        } else {
            SeatChangeKind::Removal
        },
        quantity: u32::try_from(row.quantity).unwrap_or(0),
        unit_price: Money::new(row.unit_price_minor, currency),
        total: Money::new(row.total_minor, currency),
        actor: row.actor,
        extra_after: u32::try_from(row.extra_after).unwrap_or(0),
    })
}

pub(crate) async fn overview(state: &AppState, ctx: &Context) -> Result<SeatOverview, ApiError> {
    ctx.require_manage()?;
    let plan = plan(state, ctx)?;
    let root = db::accounts::find(state.db().reader(), ctx.root())
        .await?
        .ok_or_else(crate::team::context::no_such_account)?;
    let mut conn = state.db().reader().acquire().await?;
    let seats = seat_plan(state, &mut conn, &root, clock::now()).await?;
    drop(conn);
    let history = db::seats::history(state.db().reader(), ctx.root())
        .await?
        .into_iter()
        .map(entry)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SeatOverview {
        plan: PlanInfo {
            key: plan.key.clone(),
            name: plan.name.clone(),
            included_seats: plan.included_seats,
            extra_seat_price: plan.extra_seat_price,
        },
        max_removable: seats.max_removable(),
        seats,
        can_manage: may_manage(ctx),
        history,
    })
}

pub(crate) fn quote(
    state: &AppState,
    ctx: &Context,
    quantity: SeatCount,
) -> Result<SeatQuote, ApiError> {
    ctx.require_manage()?;
    let plan = plan(state, ctx)?;
    SeatQuote::new(quantity, plan.extra_seat_price)
        .ok_or_else(|| ApiError::internal("seat price overflow"))
}

fn idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn billing_error(error: BillingError) -> ApiError {
    match error {
        BillingError::Declined(reason) => ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            ErrorCode::PaymentDeclined,
            sentence(&reason),
        ),
        BillingError::Unavailable(reason) => {
            tracing::error!(%reason, "billing failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::BillingUnavailable,
                "Billing is not available right now. Nothing was changed; please try again later.",
            )
        }
    }
}

#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn purchase(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    request: SeatPurchaseRequest,
) -> Result<SeatOverview, ApiError> {
    ctx.require_manage()?;
    require_manager(ctx)?;
    let quote = quote(state, ctx, request.quantity)?;
    if quote.total.minor != request.expected_total_minor {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::PriceChanged,
            format!(
                "The price is now {} for {}. Check it and confirm again.",
                quote.total,
                seats(quote.quantity.get())
            ),
        ));
    }
    let now = clock::now();
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    let root = db::accounts::lock_organisation(&mut tx, db.dialect(), ctx.root())
        .await?
        .ok_or_else(crate::team::context::no_such_account)?;
    let plan = seat_plan(state, &mut tx, &root, now)
        .await?
        .buy(quote.quantity);
    let change = SeatChange {
        organisation: root.id,
        quantity: quote.quantity.get(),
        unit_price: quote.unit_price,
        total: quote.total,
        idempotency_key: idempotency_key(),
    };
    let reference = state
        .billing()
        .charge(&change)
        .await
        .map_err(billing_error)?;
    db::seats::set_extra(&mut *tx, root.id, plan.extra).await?;
    db::seats::insert(
        &mut *tx,
        db::seats::Entry {
            root_id: root.id,
            kind: "purchase",
            quantity: change.quantity,
            unit_price_minor: change.unit_price.minor,
            total_minor: change.total.minor,
            currency: change.total.currency.as_str(),
            extra_after: plan.extra,
            actor: (actor.user_id, &actor.label),
            billing_reference: &reference,
            now,
        },
    )
    .await?;
    ctx.record_on(
        &mut tx,
        None,
        actor,
        AuditAction::SeatsPurchased,
        &format!(
            "{} bought {} for {} ({} each)",
            actor.name,
            seats(change.quantity),
            change.total,
            change.unit_price
        ),
        now,
    )
    .await?;
    let bought = seats_event(
        WebhookEventType::SeatsPurchased,
        ctx,
        change.quantity,
        &plan,
    )?;
    let emitted = webhooks::emit(&mut tx, root.id, Some(actor), vec![bought], now).await?;
    tx.commit().await?;
    emitted.wake(state);
    overview(state, ctx).await
}

#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn remove(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    request: SeatRemovalRequest,
) -> Result<SeatOverview, ApiError> {
    ctx.require_manage()?;
    require_manager(ctx)?;
    let price = plan(state, ctx)?.extra_seat_price;
    let now = clock::now();
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    let root = db::accounts::lock_organisation(&mut tx, db.dialect(), ctx.root())
        .await?
        .ok_or_else(crate::team::context::no_such_account)?;
    let plan = seat_plan(state, &mut tx, &root, now)
        .await?
        .remove(request.quantity)
        .map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::TooManySeats,
                sentence(&e.to_string()),
            )
        })?;
    let total = price
        .times(request.quantity.get())
        .ok_or_else(|| ApiError::internal("seat price overflow"))?;
    let change = SeatChange {
        organisation: root.id,
        quantity: request.quantity.get(),
        unit_price: price,
        total,
        idempotency_key: idempotency_key(),
    };
    let reference = state
        .billing()
        .credit(&change)
        .await
        .map_err(billing_error)?;
    db::seats::set_extra(&mut *tx, root.id, plan.extra).await?;
    db::seats::insert(
        &mut *tx,
        db::seats::Entry {
            root_id: root.id,
            kind: "removal",
            quantity: change.quantity,
            unit_price_minor: price.minor,
            total_minor: total.minor,
            currency: total.currency.as_str(),
            extra_after: plan.extra,
            actor: (actor.user_id, &actor.label),
            billing_reference: &reference,
            now,
        },
    )
    .await?;
    ctx.record_on(
        &mut tx,
        None,
        actor,
        AuditAction::SeatsRemoved,
        &format!("{} removed {} (unused)", actor.name, seats(change.quantity)),
        now,
    )
    .await?;
    let removed = seats_event(WebhookEventType::SeatsRemoved, ctx, change.quantity, &plan)?;
    let emitted = webhooks::emit(&mut tx, root.id, Some(actor), vec![removed], now).await?;
    tx.commit().await?;
    emitted.wake(state);
    overview(state, ctx).await
}

/// `seats.purchased` or `seats.removed`: how many, and the organisation's seats after.
fn seats_event(
    event_type: WebhookEventType,
    ctx: &Context,
    quantity: u32,
    after: &roster_shared::seats::SeatPlan,
) -> Result<webhooks::Event, ApiError> {
    webhooks::Event::new(
        event_type,
        Some(ctx.root()),
        &SeatsData {
            quantity,
            included: after.included,
            extra: after.extra,
            used: after.used,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_failures_become_clear_answers_without_internals() {
        let declined = billing_error(BillingError::Declined("the card was declined".into()));
        let response = axum::response::IntoResponse::into_response(declined);
        assert_eq!(response.status(), StatusCode::PAYMENT_REQUIRED);
        let unavailable = billing_error(BillingError::Unavailable(
            "tcp connect to 10.1.2.3 refused".into(),
        ));
        let response = axum::response::IntoResponse::into_response(unavailable);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
