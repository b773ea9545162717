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
//! - [`people`]: the Users list, one person, editing and removing access, re-inviting.
//! - [`accounts`]: the account switcher's tree and sub-account management.
//! - [`seats`]: the seat overview, quotes, buying and removing seats (through `billing`).
//! - [`audit`]: writing and reading the audit log.

pub(crate) mod accept;
pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod context;
pub(crate) mod invite;
pub(crate) mod people;
pub(crate) mod seats;
