//! Writing invitations, one function per use case: opening them for many addresses at once,
//! recording what each new one offers (its access, its member row, its mail and its audit
//! entry), and accepting one.
//!
//! Each function owns its statements, how they are batched and how their rows are read: on
//! SQLite a batch is one round trip to the single writer, which is what sets the pace of
//! invitations under load (see [`super::batch`]). Callers see typed inputs and outputs only.

use std::collections::{BTreeMap, HashMap};

use roster_shared::email::EmailAddress;
use roster_shared::role::Role;
use roster_shared::time::Timestamp;
use sqlx::{AnyConnection, Row as _};

use super::Dialect;
use super::accounts::{self, AccountRow};
use super::audit::{self, Record};
use super::batch::{Batch, StatementId};
use super::outbox::{self, NewMail};
use super::team::{self, NewMember};

/// Addresses opened (or recorded) per batch: one statement's variables stay far below
/// SQLite's limit of 32,766, however many accounts an invitation offers.
const PER_BATCH: usize = 100;

/// Who invites, and the window the invitations are open for.
pub(crate) struct Inviter<'a> {
    pub(crate) root_id: i64,
    pub(crate) user_id: i64,
    pub(crate) name: &'a str,
    pub(crate) sent_at: Timestamp,
    pub(crate) expires_at: Timestamp,
}

/// A new invitation and the identity it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NewlyInvited {
    pub(crate) invitation: i64,
    pub(crate) user: i64,
}

/// The organisation, locked until the transaction ends, with its seats in use before these
/// invitations, and per address (in order) its new invitation, or `None` when the address is
/// already in the organisation (invited or accepted).
pub(crate) struct Opened {
    pub(crate) root: AccountRow,
    pub(crate) used_seats: i64,
    pub(crate) invited: Vec<Option<NewlyInvited>>,
}

/// Locks the organisation, counts its seats, and invites every address that is new to it:
/// the identity is created if the address is new to this Roster, and an invitation written
/// unless that identity is already in the organisation. `addresses` are distinct (by key).
/// `None`: there is no such organisation.
pub(crate) async fn open(
    conn: &mut AnyConnection,
    dialect: Dialect,
    inviter: &Inviter<'_>,
    addresses: &[&EmailAddress],
) -> sqlx::Result<Option<Opened>> {
    // The lock and the count come first, in the same trip as the first addresses: statements
    // run in order, so the count is of before this invitation.
    let mut opened: Option<(AccountRow, i64)> = None;
    let mut by_address: HashMap<String, NewlyInvited> = HashMap::with_capacity(addresses.len());
    let chunks: Vec<&[&EmailAddress]> = if addresses.is_empty() {
        vec![&[]]
    } else {
        addresses.chunks(PER_BATCH).collect()
    };
    for chunk in chunks {
        let mut batch = Batch::for_rows(dialect, chunk.len());
        let counting = opened.is_none().then(|| {
            accounts::write_lock_counting_seats(
                &mut batch,
                dialect,
                inviter.root_id,
                inviter.sent_at,
            )
        });
        let written = write_invite_addresses(&mut batch, chunk, inviter);
        let results = batch.run(&mut *conn).await?;
        if let Some(counting) = counting {
            match accounts::organisation_counting_seats(&results, counting)? {
                Some(found) => opened = Some(found),
                None => return Ok(None),
            }
        }
        for row in written.map_or(&[][..], |id| results.of(id)) {
            by_address.insert(
                row.try_get("email")?,
                NewlyInvited {
                    invitation: row.try_get("id")?,
                    user: row.try_get("user_id")?,
                },
            );
        }
    }
    let Some((root, used_seats)) = opened else {
        return Ok(None);
    };
    Ok(Some(Opened {
        root,
        used_seats,
        invited: addresses
            .iter()
            .map(|address| by_address.remove(address.as_str()))
            .collect(),
    }))
}

/// The two statements that invite `addresses` (see [`open`]), whatever their number: the
/// identities new to this Roster, then an invitation for each identity not yet in the
/// organisation. The second, returned, gives each new invitation with its identity and the
/// address it was made for. `None`: there is no address.
fn write_invite_addresses<'q>(
    batch: &mut Batch<'q>,
    addresses: &[&'q EmailAddress],
    inviter: &Inviter<'q>,
) -> Option<StatementId> {
    if addresses.is_empty() {
        return None;
    }
    let sent_at = inviter.sent_at.millis();
    batch
        .statement()
        .push("INSERT INTO users (email, email_key, created_at) VALUES ")
        .rows(addresses, |row, address| {
            row.bind(address.as_str()).bind(address.key()).bind(sent_at);
        })
        .push(" ON CONFLICT (email_key) DO NOTHING");
    // The addresses as a table (`column1` its place, `column2` the address, `column3` its key:
    // both engines name a VALUES list's columns so), in order, so that the invitations' ids
    // follow the addresses.
    batch
        .statement()
        .push(
            "INSERT INTO invitations (root_id, user_id, email, invited_by, inviter_name, \
             sent_at, expires_at, created_at) SELECT ",
        )
        .bind(inviter.root_id)
        .push(", u.id, a.column2, ")
        .bind(inviter.user_id)
        .push(", ")
        .bind(inviter.name)
        .push(", ")
        .bind(sent_at)
        .push(", ")
        .bind(inviter.expires_at.millis())
        .push(", ")
        .bind(sent_at)
        .push(" FROM (VALUES ")
        .rows(addresses.iter().enumerate(), |row, (place, address)| {
            row.bind(place as i64)
                .bind(address.as_str())
                .bind(address.key());
        })
        .push(
            ") AS a JOIN users u ON u.email_key = a.column3 \
             WHERE NOT EXISTS (SELECT 1 FROM tree_members m WHERE m.root_id = ",
        )
        .bind(inviter.root_id)
        .push(" AND m.user_id = u.id) ORDER BY a.column1 RETURNING id, user_id, email");
    Some(batch.last())
}

/// A new invitation, with everything recorded beside it.
pub(crate) struct Sent<'a> {
    pub(crate) invited: NewlyInvited,
    pub(crate) address: &'a EmailAddress,
    /// The access it offers.
    pub(crate) access: &'a BTreeMap<i64, Role>,
    pub(crate) mail: NewMail,
    /// The audit entry's sentence.
    pub(crate) summary: String,
}

/// Records new invitations of `inviter`'s organisation: the access each offers, the person's
/// member row (sorted and found by the invited address until they accept: the name their
/// identity keeps for other organisations is not this one's to see), the invitation mail and
/// the audit entry (`audit`, with each one's own sentence).
pub(crate) async fn record_sent(
    conn: &mut AnyConnection,
    dialect: Dialect,
    inviter: &Inviter<'_>,
    audit: Record<'_>,
    sent: &[Sent<'_>],
) -> sqlx::Result<()> {
    for chunk in sent.chunks(PER_BATCH) {
        // Each address's key is its sort and search key until the person accepts.
        let keys: Vec<String> = chunk.iter().map(|one| one.address.key()).collect();
        let mut batch = Batch::for_rows(dialect, chunk.len());
        let grants: Vec<(i64, i64, Role)> = chunk
            .iter()
            .flat_map(|one| {
                one.access
                    .iter()
                    .map(|(account, role)| (one.invited.invitation, *account, *role))
            })
            .collect();
        if !grants.is_empty() {
            team::write_set_grants(batch.statement(), grants);
        }
        team::write_insert_members(
            batch.statement(),
            chunk.iter().zip(&keys).map(|(one, key)| NewMember {
                root_id: inviter.root_id,
                user_id: one.invited.user,
                name_key: key,
                email_key: key,
                accepted_at: None,
                invitation: Some((one.invited.invitation, inviter.expires_at)),
                now: inviter.sent_at,
            }),
        );
        outbox::write_insert(batch.statement(), chunk.iter().map(|one| &one.mail));
        audit::write_insert(
            batch.statement(),
            chunk.iter().map(|one| Record {
                summary: &one.summary,
                ..audit
            }),
        );
        batch.run(&mut *conn).await?;
    }
    Ok(())
}

/// An invitation being accepted by the person it is for.
pub(crate) struct Acceptance<'a> {
    pub(crate) invitation: i64,
    /// When the invitation was last sent: one sent again since is not the one accepted.
    pub(crate) sent_at: i64,
    pub(crate) root_id: i64,
    pub(crate) user_id: i64,
    /// The person's sort and search keys in the organisation from now on (name, address).
    pub(crate) keys: (&'a str, &'a str),
    pub(crate) audit: Record<'a>,
    pub(crate) now: Timestamp,
}

/// The outcome of [`accept`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accepted {
    /// Accepted; the person opens this account next (the first the invitation offered).
    Yes { opens: Option<i64> },
    /// The invitation was no longer open (accepted in another tab, withdrawn or sent again):
    /// the transaction must not be committed.
    NotOpen,
}

/// Accepts an invitation if it is still the same open one: marks it accepted and retires its
/// links, makes the member row the person's own, gives the access it offers, records the
/// audit entry.
pub(crate) async fn accept(
    conn: &mut AnyConnection,
    dialect: Dialect,
    acceptance: Acceptance<'_>,
) -> sqlx::Result<Accepted> {
    let mut batch = Batch::new(dialect);
    let invitation = acceptance.invitation;
    team::write_mark_accepted(
        batch.statement(),
        invitation,
        acceptance.sent_at,
        acceptance.now,
    );
    let marked = batch.last();
    // The person's row before their member row: a sign-in locks them in that order (its
    // trigger keeps tree_members' last sign-in), so a tab whose acceptance came too late (and
    // is rolled back) cannot hold the member row while waiting for the person's.
    team::write_open_first_offered(batch.statement(), invitation, acceptance.user_id);
    let opened = batch.last();
    team::write_retire_links(batch.statement(), invitation);
    team::write_accept_member(
        batch.statement(),
        acceptance.root_id,
        acceptance.user_id,
        acceptance.keys,
        acceptance.now,
    );
    team::write_grant_offered_access(
        batch.statement(),
        invitation,
        acceptance.user_id,
        acceptance.now,
    );
    audit::write_insert(batch.statement(), [acceptance.audit]);
    let results = batch.run(&mut *conn).await?;
    if results.of(marked).is_empty() {
        return Ok(Accepted::NotOpen);
    }
    let opens = match results.of(opened).first() {
        Some(row) => row.try_get::<Option<i64>, _>("last_account_id")?,
        None => None,
    };
    Ok(Accepted::Yes { opens })
}
