//! The people of an organisation (`tree_members`), invitations and their links (the Users
//! list's queries are in `db::people`).

use roster_shared::role::Role;
use roster_shared::time::Timestamp;
use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::batch::Sql;

// ---- people of an organisation ------------------------------------------------------------

pub(crate) struct NewMember<'a> {
    pub(crate) root_id: i64,
    pub(crate) user_id: i64,
    pub(crate) name_key: &'a str,
    pub(crate) email_key: &'a str,
    pub(crate) accepted_at: Option<Timestamp>,
    /// The open invitation and its expiry.
    pub(crate) invitation: Option<(i64, Timestamp)>,
    pub(crate) now: Timestamp,
}

pub(crate) async fn insert_member<'e, E: Executor<'e, Database = Any>>(
    db: E,
    member: NewMember<'_>,
) -> sqlx::Result<()> {
    let mut sql = Sql::default();
    write_insert_members(&mut sql, [member]);
    sql.execute(db).await?;
    Ok(())
}

/// The statement of [`insert_member`] for every one of `members`, into `sql` (a statement of a
/// batch).
pub(super) fn write_insert_members<'q>(
    sql: &mut Sql<'q>,
    members: impl IntoIterator<Item = NewMember<'q>>,
) {
    sql.push(
        "INSERT INTO tree_members (root_id, user_id, name_key, email_key, accepted_at, \
         invitation_id, invitation_expires_at, created_at) VALUES ",
    )
    .rows(members, |row, member| {
        row.bind(member.root_id)
            .bind(member.user_id)
            .bind(member.name_key)
            .bind(member.email_key)
            .bind(member.accepted_at.map(Timestamp::millis))
            .bind(member.invitation.map(|(id, _)| id))
            .bind(member.invitation.map(|(_, at)| at.millis()))
            .bind(member.now.millis());
    });
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct MemberRow {
    pub(crate) accepted_at: Option<i64>,
    pub(crate) invitation_id: Option<i64>,
    pub(crate) invitation_expires_at: Option<i64>,
}

impl MemberRow {
    /// Whether this person uses a seat at `now` (see `roster_shared::seats::occupies_seat`).
    pub(crate) fn holds_seat(&self, now: Timestamp) -> bool {
        self.accepted_at.is_some()
            || self
                .invitation_expires_at
                .is_some_and(|at| at > now.millis())
    }
}

pub(crate) async fn member<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
) -> sqlx::Result<Option<MemberRow>> {
    sqlx::query_as(
        "SELECT accepted_at, invitation_id, invitation_expires_at FROM tree_members \
         WHERE root_id = $1 AND user_id = $2",
    )
    .bind(root_id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Points the person's row at an open invitation (sent again: new expiry).
pub(crate) async fn set_member_invitation<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
    invitation_id: i64,
    expires_at: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE tree_members SET invitation_id = $3, invitation_expires_at = $4 \
         WHERE root_id = $1 AND user_id = $2",
    )
    .bind(root_id)
    .bind(user_id)
    .bind(invitation_id)
    .bind(expires_at.millis())
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a member accepted (a statement of a batch).
///
/// From now on the organisation sees who they are: their name and address become the row's sort
/// and search keys (until now they were the invited address).
pub(super) fn write_accept_member<'q>(
    sql: &mut Sql<'q>,
    root_id: i64,
    user_id: i64,
    keys: (&'q str, &'q str),
    now: Timestamp,
) {
    let (name_key, email_key) = keys;
    sql.push("UPDATE tree_members SET accepted_at = ")
        .bind(now.millis())
        .push(", invitation_id = NULL, invitation_expires_at = NULL, name_key = ")
        .bind(name_key)
        .push(", email_key = ")
        .bind(email_key)
        .push(" WHERE root_id = ")
        .bind(root_id)
        .push(" AND user_id = ")
        .bind(user_id);
}

pub(crate) async fn delete_member<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM tree_members WHERE root_id = $1 AND user_id = $2")
        .bind(root_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The seats in use of the organisation at `now`, as an SQL expression written into `sql`.
pub(super) fn write_used_seats(sql: &mut Sql<'_>, root_id: i64, now: Timestamp) {
    sql.push("COALESCE((SELECT accepted + invited FROM member_counts WHERE root_id = ")
        .bind(root_id)
        .push("), 0) - (SELECT COUNT(*) FROM tree_members WHERE root_id = ")
        .bind(root_id)
        .push(" AND accepted_at IS NULL AND invitation_expires_at <= ")
        .bind(now.millis())
        .push(")");
}

/// Seats in use: accepted people, and people invited whose invitation has not expired.
///
/// The organisation's totals come from `member_counts` (kept by triggers, migration 0009), so
/// only invitations that have run out are counted row by row. A member not yet accepted always
/// has an invitation expiry (`insert_member`, `set_member_invitation`).
pub(crate) async fn used_seats<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    now: Timestamp,
) -> sqlx::Result<i64> {
    let mut sql = Sql::new("SELECT ");
    write_used_seats(&mut sql, root_id, now);
    sql.fetch_value(db).await
}

/// Everyone in the organisation, accepted or invited (expired invitations included).
pub(crate) async fn member_total<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COALESCE((SELECT accepted + invited FROM member_counts WHERE root_id = $1), 0)",
    )
    .bind(root_id)
    .fetch_one(db)
    .await
}

/// How many memberships a person has in an organisation.
pub(crate) async fn memberships_in_organisation<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships m JOIN accounts a ON a.id = m.account_id \
         WHERE a.root_id = $1 AND m.user_id = $2",
    )
    .bind(root_id)
    .bind(user_id)
    .fetch_one(db)
    .await
}

// ---- invitations --------------------------------------------------------------------------

#[derive(Debug, Clone, FromRow)]
pub(crate) struct InvitationRow {
    pub(crate) id: i64,
    pub(crate) root_id: i64,
    pub(crate) user_id: i64,
    pub(crate) email: String,
    pub(crate) inviter_name: Option<String>,
    pub(crate) sent_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) accepted_at: Option<i64>,
    pub(crate) revoked_at: Option<i64>,
}

const INVITATION_COLUMNS: &str =
    "id, root_id, user_id, email, inviter_name, sent_at, expires_at, accepted_at, revoked_at";

pub(crate) struct NewInvitation<'a> {
    pub(crate) root_id: i64,
    pub(crate) email: &'a str,
    pub(crate) invited_by: Option<i64>,
    pub(crate) inviter_name: Option<&'a str>,
    pub(crate) sent_at: Timestamp,
    pub(crate) expires_at: Timestamp,
}

pub(crate) async fn insert_invitation<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    invitation: NewInvitation<'_>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO invitations (root_id, user_id, email, invited_by, inviter_name, sent_at, \
         expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $6) RETURNING id",
    )
    .bind(invitation.root_id)
    .bind(user_id)
    .bind(invitation.email)
    .bind(invitation.invited_by)
    .bind(invitation.inviter_name)
    .bind(invitation.sent_at.millis())
    .bind(invitation.expires_at.millis())
    .fetch_one(db)
    .await
}

/// How an invitation link reached its holder, which decides what it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkOrigin {
    /// Mailed to the invited address, or handed by the operator who runs the instance to an
    /// organisation's first Owner: its holder controls the mailbox, so it may create the
    /// identity's password.
    Mailed,
    /// Copied by an admin to pass on by other means: it proves nothing about the mailbox.
    Copied,
}

impl LinkOrigin {
    fn column(self) -> i64 {
        match self {
            LinkOrigin::Mailed => 1,
            LinkOrigin::Copied => 0,
        }
    }
}

#[derive(FromRow)]
struct InvitationByTokenRow {
    #[sqlx(flatten)]
    invitation: InvitationRow,
    mailed: i64,
}

/// The invitation a link token belongs to, and how the link was handed out.
pub(crate) async fn invitation_by_token<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
) -> sqlx::Result<Option<(InvitationRow, LinkOrigin)>> {
    let row: Option<InvitationByTokenRow> = sqlx::query_as(&format!(
        "SELECT {}, t.mailed FROM invitations i JOIN invitation_tokens t ON t.invitation_id = i.id \
         WHERE t.token_hash = $1",
        super::columns_of("i", INVITATION_COLUMNS)
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| {
        let origin = if row.mailed == 1 {
            LinkOrigin::Mailed
        } else {
            LinkOrigin::Copied
        };
        (row.invitation, origin)
    }))
}

/// `user_id`'s open invitation to organisation `root_id` (the newest, if several were ever
/// sent), for accepting it through the organisation's identity provider.
pub(crate) async fn open_invitation_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    root_id: i64,
) -> sqlx::Result<Option<InvitationRow>> {
    sqlx::query_as(&format!(
        "SELECT {INVITATION_COLUMNS} FROM invitations \
         WHERE user_id = $1 AND root_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL \
         ORDER BY sent_at DESC LIMIT 1"
    ))
    .bind(user_id)
    .bind(root_id)
    .fetch_optional(db)
    .await
}

/// An invitation with the names its email shows: the organisation and each offered account.
pub(crate) struct InvitationToSend {
    pub(crate) invitation: InvitationRow,
    pub(crate) organisation: String,
    /// Account name and role, by account.
    pub(crate) grants: Vec<(String, Role)>,
}

#[derive(FromRow)]
struct InvitationToSendRow {
    #[sqlx(flatten)]
    invitation: InvitationRow,
    organisation: String,
    account_name: Option<String>,
    grant_role: Option<String>,
}

/// What rendering invitation `id`'s email needs, in one statement (the mail worker renders
/// every invitation sent, so this is on the path of each one).
pub(crate) async fn invitation_to_send<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<InvitationToSend>> {
    let rows: Vec<InvitationToSendRow> = sqlx::query_as(&format!(
        "SELECT {}, COALESCE(o.name, '') AS organisation, \
                COALESCE(a.name, '') AS account_name, g.role AS grant_role \
         FROM invitations i LEFT JOIN accounts o ON o.id = i.root_id \
         LEFT JOIN invitation_grants g ON g.invitation_id = i.id \
         LEFT JOIN accounts a ON a.id = g.account_id \
         WHERE i.id = $1 ORDER BY g.account_id",
        super::columns_of("i", INVITATION_COLUMNS)
    ))
    .bind(id)
    .fetch_all(db)
    .await?;
    let mut grants = Vec::with_capacity(rows.len());
    let mut first = None;
    for row in rows {
        if let (Some(account), Some(role)) = (row.account_name, row.grant_role.as_deref()) {
            let role = Role::parse(role).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            grants.push((account, role));
        }
        first.get_or_insert((row.invitation, row.organisation));
    }
    Ok(first.map(|(invitation, organisation)| InvitationToSend {
        invitation,
        organisation,
        grants,
    }))
}

/// Sends an invitation again: a fresh window; earlier links stop working.
pub(crate) async fn reissue(
    conn: &mut AnyConnection,
    id: i64,
    inviter: Option<i64>,
    inviter_name: Option<&str>,
    sent_at: Timestamp,
    expires_at: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE invitations SET sent_at = $2, expires_at = $3, invited_by = $4, inviter_name = $5, \
         expiry_logged = $6 WHERE id = $1",
    )
    .bind(id)
    .bind(sent_at.millis())
    .bind(expires_at.millis())
    .bind(inviter)
    .bind(inviter_name)
    .bind(false)
    .execute(&mut *conn)
    .await?;
    delete_tokens(conn, id).await
}

/// Marks the invitation accepted, only if it is still the same open invitation sent at
/// `sent_at` (another tab may have accepted it a moment ago, or it was re-sent): a statement of
/// a batch that returns the invitation's id only when it marked it. Without that row the
/// caller must not commit.
pub(super) fn write_mark_accepted(sql: &mut Sql<'_>, id: i64, sent_at: i64, now: Timestamp) {
    sql.push("UPDATE invitations SET accepted_at = ")
        .bind(now.millis())
        .push(" WHERE id = ")
        .bind(id)
        .push(" AND sent_at = ")
        .bind(sent_at)
        .push(" AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id");
}

/// Makes the invitation's links unusable (a statement of a batch).
pub(super) fn write_retire_links(sql: &mut Sql<'_>, id: i64) {
    sql.push("DELETE FROM invitation_tokens WHERE invitation_id = ")
        .bind(id);
}

/// Gives the person the access their invitation offers (a statement of a batch).
pub(super) fn write_grant_offered_access(
    sql: &mut Sql<'_>,
    invitation_id: i64,
    user_id: i64,
    now: Timestamp,
) {
    // `WHERE` before `ON CONFLICT` keeps SQLite from reading ON as a join constraint.
    sql.push("INSERT INTO memberships (user_id, account_id, role, created_at) SELECT ")
        .bind(user_id)
        .push(", account_id, role, ")
        .bind(now.millis())
        .push(" FROM invitation_grants WHERE invitation_id = ")
        .bind(invitation_id)
        .push(" ON CONFLICT (user_id, account_id) DO UPDATE SET role = excluded.role");
}

/// Opens the first account the invitation offers next time (a statement of a batch that
/// returns that account, and no row when the invitation offered none).
pub(super) fn write_open_first_offered(sql: &mut Sql<'_>, invitation_id: i64, user_id: i64) {
    sql.push(
        "UPDATE users SET last_account_id = \
           (SELECT MIN(account_id) FROM invitation_grants WHERE invitation_id = ",
    )
    .bind(invitation_id)
    .push(") WHERE id = ")
    .bind(user_id)
    .push(" AND EXISTS (SELECT 1 FROM invitation_grants WHERE invitation_id = ")
    .bind(invitation_id)
    .push(") RETURNING last_account_id");
}

pub(crate) async fn mark_revoked(
    conn: &mut AnyConnection,
    id: i64,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE invitations SET revoked_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    delete_tokens(conn, id).await
}

/// Stores the hashes of freshly mailed links, `(invitation, hash)`, in one statement of a
/// batch (the mail worker's, before the messages leave); nothing when there are none.
pub(super) fn write_insert_mailed_tokens<'q>(
    batch: &mut super::batch::Batch<'q>,
    tokens: &[(i64, &'q str)],
    now: Timestamp,
) {
    if tokens.is_empty() {
        return;
    }
    batch
        .statement()
        .push(
            "INSERT INTO invitation_tokens (token_hash, invitation_id, created_at, mailed) VALUES ",
        )
        .rows(tokens, |row, &(invitation_id, hash)| {
            row.bind(hash)
                .bind(invitation_id)
                .bind(now.millis())
                .bind(LinkOrigin::Mailed.column());
        });
}

/// Stores the hash of one link handed out other than by the mail worker.
pub(crate) async fn insert_token<'e, E: Executor<'e, Database = Any>>(
    db: E,
    invitation_id: i64,
    hash: &str,
    origin: LinkOrigin,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO invitation_tokens (token_hash, invitation_id, created_at, mailed) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(hash)
    .bind(invitation_id)
    .bind(now.millis())
    .bind(origin.column())
    .execute(db)
    .await?;
    Ok(())
}

async fn delete_tokens(conn: &mut AnyConnection, invitation_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM invitation_tokens WHERE invitation_id = $1")
        .bind(invitation_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct GrantRow {
    pub(crate) account_id: i64,
    #[sqlx(try_from = "String")]
    pub(crate) role: Role,
}

pub(crate) async fn grants<'e, E: Executor<'e, Database = Any>>(
    db: E,
    invitation_id: i64,
) -> sqlx::Result<Vec<GrantRow>> {
    sqlx::query_as("SELECT account_id, role FROM invitation_grants WHERE invitation_id = $1")
        .bind(invitation_id)
        .fetch_all(db)
        .await
}

/// Offers `role` on `account_id` (replacing what the invitation offered there).
pub(crate) async fn set_grant<'e, E: Executor<'e, Database = Any>>(
    db: E,
    invitation_id: i64,
    account_id: i64,
    role: Role,
) -> sqlx::Result<()> {
    let mut sql = Sql::default();
    write_set_grants(&mut sql, [(invitation_id, account_id, role)]);
    sql.execute(db).await?;
    Ok(())
}

/// The statement of [`set_grant`] for every `(invitation, account, role)` of `grants`, into
/// `sql` (a statement of a batch).
pub(super) fn write_set_grants(
    sql: &mut Sql<'_>,
    grants: impl IntoIterator<Item = (i64, i64, Role)>,
) {
    sql.push("INSERT INTO invitation_grants (invitation_id, account_id, role) VALUES ")
        .rows(grants, |row, (invitation_id, account_id, role)| {
            row.bind(invitation_id).bind(account_id).bind(role.as_str());
        })
        .push(" ON CONFLICT (invitation_id, account_id) DO UPDATE SET role = excluded.role");
}

pub(crate) async fn delete_grant<'e, E: Executor<'e, Database = Any>>(
    db: E,
    invitation_id: i64,
    account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM invitation_grants WHERE invitation_id = $1 AND account_id = $2")
        .bind(invitation_id)
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Invitations that expired and were not logged yet; marks them logged (so each replica's
/// maintenance logs each expiry once).
pub(crate) async fn take_newly_expired<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: Timestamp,
) -> sqlx::Result<Vec<(i64, i64, String, i64)>> {
    sqlx::query_as(
        "UPDATE invitations SET expiry_logged = $2 \
         WHERE id IN (SELECT id FROM invitations WHERE accepted_at IS NULL AND revoked_at IS NULL \
                      AND expires_at <= $1 AND expiry_logged = $3 LIMIT 500) \
           AND expiry_logged = $3 \
         RETURNING id, root_id, email, user_id",
    )
    .bind(now.millis())
    .bind(true)
    .bind(false)
    .fetch_all(db)
    .await
}
