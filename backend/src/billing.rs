//! The billing boundary: every seat purchase and removal goes through a [`Billing`].
//!
//! The built-in [`Ledger`] charges nobody: it records the change (price, quantity, who, when)
//! in the seat ledger, which is what a self-hosted installation without a payment provider
//! wants. A payment provider plugs in here: charge (or credit) with the change's idempotency
//! key, answer with the provider's reference, and the rest of Roster stays as it is.

use futures_util::future::BoxFuture;
use roster_shared::money::Money;

/// One change of extra seats, as the billing system sees it.
#[derive(Debug, Clone)]
pub(crate) struct SeatChange {
    pub(crate) organisation: i64,
    pub(crate) quantity: u32,
    pub(crate) unit_price: Money,
    pub(crate) total: Money,
    /// Unique per change, so a retried request is never charged twice.
    pub(crate) idempotency_key: String,
}

#[derive(Debug, thiserror::Error)]
#[allow(dead_code)] // produced by payment providers plugged in here; the ledger never fails
pub(crate) enum BillingError {
    /// The payment was refused (card declined, …): the person can do something about it.
    #[error("{0}")]
    Declined(String),
    /// The billing system could not be reached or failed.
    #[error("billing system unavailable: {0}")]
    Unavailable(String),
}

pub(crate) trait Billing: Send + Sync {
    /// A name for logs and the ledger.
    fn name(&self) -> &'static str;
    /// Charges for extra seats; answers the billing system's reference.
    fn charge<'a>(&'a self, change: &'a SeatChange) -> BoxFuture<'a, Result<String, BillingError>>;
    /// Stops charging for removed seats; answers the billing system's reference.
    fn credit<'a>(&'a self, change: &'a SeatChange) -> BoxFuture<'a, Result<String, BillingError>>;
}

/// Records changes without charging anyone.
pub(crate) struct Ledger;

impl Billing for Ledger {
    fn name(&self) -> &'static str {
        "ledger"
    }

    fn charge<'a>(&'a self, change: &'a SeatChange) -> BoxFuture<'a, Result<String, BillingError>> {
        Box::pin(async move {
            Ok(format!(
                "ledger:{}:{}",
                change.organisation, change.idempotency_key
            ))
        })
    }

    fn credit<'a>(&'a self, change: &'a SeatChange) -> BoxFuture<'a, Result<String, BillingError>> {
        Box::pin(async move {
            Ok(format!(
                "ledger:{}:{}",
                change.organisation, change.idempotency_key
            ))
        })
    }
}
