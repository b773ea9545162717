//! Team management: organisations (top-level accounts and their sub-accounts), the people in
//! them, invitations, access, and the audit log.
//!
//! Every decision about who may do what is a `roster_shared::access` rule applied to the
//! organisation's `AccountTree`; this module loads the facts those rules need, applies the
//! outcome in one transaction, and records it in the audit log.
//!
//! - [`context`]: the organisation, the account addressed, and the actor's access to it.
//! - [`invite`]: inviting many people at once (new invitations, refreshed ones, direct grants).
//! - [`accept`]: what an invitation link offers, and accepting it.
//! - [`import`]: CSV import (preview, then one batch) and CSV export of the Users list.
//! - [`people`]: the Users list, one person, editing and removing access, re-inviting.
//! - [`bulk`]: acting on many people of the list at once, with progress every replica reads.
//! - [`accounts`]: the account switcher's tree and sub-account management.
//! - [`seats`]: the seat overview, quotes, buying and removing seats (through `billing`).
//! - [`api_tokens`]: tokens for programs, scoped to an account with a highest role.
//! - [`audit`]: writing and reading the audit log.
//! - [`profile`]: a person's own profile, notification preferences and address change.
//! - [`provisioning`]: what the groups an identity provider pushes give their members.

pub(crate) mod accept;
pub(crate) mod accounts;
pub(crate) mod api_tokens;
pub(crate) mod audit;
pub(crate) mod bulk;
pub(crate) mod context;
pub(crate) mod cursor;
pub(crate) mod import;
pub(crate) mod invite;
pub(crate) mod people;
pub(crate) mod profile;
pub(crate) mod provisioning;
pub(crate) mod seats;

use roster_shared::account::AccountId;
use roster_shared::api::LiveEvent;

use crate::events::Audience;
use crate::state::AppState;

/// Tells the organisation's browsers that its people changed (lists refresh), and the people
/// whose own access changed (their account switcher refreshes).
pub(crate) async fn announce(state: &AppState, root: i64, people: &[i64]) {
    let events = state.events();
    events
        .publish(
            state.db(),
            Audience::Organisation { root },
            LiveEvent::PeopleChanged {
                organisation: AccountId(root),
            },
        )
        .await;
    for user in people {
        events
            .publish(
                state.db(),
                Audience::Person { user: *user },
                LiveEvent::AccessChanged,
            )
            .await;
    }
}
