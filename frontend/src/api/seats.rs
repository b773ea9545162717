//! Seats of an organisation: the overview with its history, the price of more seats, buying
//! and removing. Any account of the tree may be named; the server answers for its top-level
//! account, whose seats every sub-account shares.

use roster_shared::account::AccountId;
use roster_shared::api::{SeatOverview, SeatPurchaseRequest, SeatRemovalRequest};
use roster_shared::seats::{SeatCount, SeatQuote};

use super::{ApiError, get, post};

/// `GET /api/v1/accounts/{id}/seats`: used / included / extra / free, and every purchase and
/// removal, newest first.
pub async fn seat_overview(account: AccountId) -> Result<SeatOverview, ApiError> {
    get(&format!("/api/v1/accounts/{account}/seats")).await
}

/// What `quantity` more seats cost now (per seat and in total), to show before confirming.
pub async fn seat_quote(account: AccountId, quantity: SeatCount) -> Result<SeatQuote, ApiError> {
    get(&format!(
        "/api/v1/accounts/{account}/seats/quote?quantity={}",
        quantity.get()
    ))
    .await
}

/// Buys seats; refused (`price_changed`) when the total is no longer the one confirmed.
pub async fn buy_seats(
    account: AccountId,
    request: &SeatPurchaseRequest,
) -> Result<SeatOverview, ApiError> {
    post(
        &format!("/api/v1/accounts/{account}/seats/purchases"),
        request,
    )
    .await
}

/// Removes unused extra seats; refused (`too_many_seats`) below the floor.
pub async fn remove_seats(
    account: AccountId,
    request: &SeatRemovalRequest,
) -> Result<SeatOverview, ApiError> {
    post(
        &format!("/api/v1/accounts/{account}/seats/removals"),
        request,
    )
    .await
}
