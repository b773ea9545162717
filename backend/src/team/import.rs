//! CSV import (a file of `email,role,account` rows, previewed with per-row problems, then sent
//! as one batch) and CSV export of the Users list.

use roster_shared::api::ErrorCode;
use roster_shared::excerpt::cut;
use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use roster_shared::access;
use roster_shared::account::AccountId;
use roster_shared::api::{
    BulkInviteRow, FieldError, ImportPreview, ImportRow, InviteResult, PeopleQuery,
};
use roster_shared::email::EmailAddress;
use roster_shared::invite_list::MAX_INVITATION_SIZE;
use roster_shared::role::Role;

use crate::clock;
use crate::db;
use crate::db::people::Seek;
use crate::error::ApiError;
use crate::state::AppState;
use crate::team::audit::csv_field;
use crate::team::context::{Actor, Context, sentence};
use crate::team::invite::{invite_recipients, seat_plan};
use crate::team::people::{self, ListFilter};
use bytes::Bytes;
use futures_util::{Stream, stream};
use roster_shared::api::{PeopleSort, PersonRow, SortOrder};
use roster_shared::time::Timestamp;

/// Finds the account a row names: its id, its name (unique in the scope), or its path from
/// this account ("Europe / Support").
fn resolve(ctx: &Context, text: &str) -> Result<i64, String> {
    let scope = ctx.org.scope(ctx.account);
    let text = text.trim();
    if text.is_empty() {
        return Ok(ctx.account);
    }
    if let Ok(id) = text.parse::<i64>() {
        return if scope.contains(&id) {
            Ok(id)
        } else {
            Err(format!(
                "there is no account {id} in {}",
                ctx.org.name(ctx.account)
            ))
        };
    }
    let wanted: Vec<String> = text
        .split(['/', '>'])
        .map(|part| part.trim().to_lowercase())
        .filter(|p| !p.is_empty())
        .collect();
    let path_of = |id: i64| -> Vec<String> {
        ctx.org
            .tree
            .path(AccountId(id))
            .into_iter()
            .map(|a| ctx.org.name(a.0).to_lowercase())
            .collect()
    };
    let matches: Vec<i64> = scope
        .iter()
        .copied()
        .filter(|id| path_of(*id).ends_with(&wanted))
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "no account named “{}” in {}",
            roster_shared::excerpt::excerpt(text),
            ctx.org.name(ctx.account)
        )),
        _ => Err(format!(
            "“{text}” names several accounts; write its path, such as “Parent / {text}”"
        )),
    }
}

/// A row that can be sent: the address, the role, the account.
type GoodRow = (EmailAddress, Role, i64);

/// Checks one row; answers the account it names (if any) and the resolved row or its problems.
fn check_row(
    ctx: &Context,
    email: &str,
    role: &str,
    account: &str,
) -> (Option<AccountId>, Result<GoodRow, Vec<String>>) {
    let mut problems = Vec::new();
    let address = EmailAddress::parse(email)
        .map_err(|e| problems.push(sentence(&e.to_string())))
        .ok();
    let role = Role::parse(role)
        .map_err(|e| problems.push(sentence(&e.to_string())))
        .ok();
    let account = resolve(ctx, account)
        .map_err(|e| problems.push(sentence(&e)))
        .ok();
    if let (Some(role), Some(account)) = (role, account) {
        if ctx.org.is_archived(account) {
            problems.push(format!("{} is archived.", ctx.org.name(account)));
        } else if let Err(error) = access::check_grant(
            &ctx.org.tree,
            &ctx.actor_memberships,
            role,
            AccountId(account),
        ) {
            problems.push(sentence(&error.to_string()));
        }
    }
    let resolved = match (address, role, account) {
        (Some(a), Some(r), Some(acc)) if problems.is_empty() => Ok((a, r, acc)),
        _ => Err(problems),
    };
    (account.map(AccountId), resolved)
}

/// The most rows one import reads.
pub(crate) const MOST_ROWS: usize = 10_000;

/// One line of an import file, as read (fields trimmed), before anything is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvLine {
    pub(crate) number: u32,
    pub(crate) email: String,
    pub(crate) role: String,
    pub(crate) account: String,
    /// The line had more than the three columns read.
    pub(crate) extra_columns: bool,
}

/// Longest field kept from an import line, in characters: longer than any address (254),
/// role or account name, so cutting one never changes what a row means, while a row shown
/// back in the preview stays short whatever was uploaded.
pub(crate) const MOST_FIELD_CHARS: usize = 320;

/// Reads an import file's lines: a header line ("email,…") and blank lines are skipped, at
/// most [`MOST_ROWS`] are read, and a line that is not CSV is refused naming its number.
pub(crate) fn read_lines(csv: &str) -> Result<Vec<CsvLine>, ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv.as_bytes());
    let mut lines = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let record = record.map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidCsv,
                format!("Line {number} cannot be read as CSV: {e}."),
            )
        })?;
        let field = |i: usize| cut(record.get(i).unwrap_or_default(), MOST_FIELD_CHARS);
        if index == 0 && field(0).eq_ignore_ascii_case("email") {
            continue;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        lines.push(CsvLine {
            number,
            email: field(0),
            role: field(1),
            account: field(2),
            extra_columns: record.len() > 3,
        });
        if lines.len() > MOST_ROWS {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidCsv,
                "The file has more than 10,000 rows; split it.",
            ));
        }
    }
    Ok(lines)
}

#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn preview(
    state: &AppState,
    ctx: &Context,
    csv: &str,
) -> Result<ImportPreview, ApiError> {
    ctx.require_manage()?;
    let mut rows = Vec::new();
    let mut seen: BTreeSet<(String, i64)> = BTreeSet::new();
    let mut people: BTreeSet<String> = BTreeSet::new();
    for line in read_lines(csv)? {
        let (account_id, checked) = check_row(ctx, &line.email, &line.role, &line.account);
        let mut problems = match checked {
            Ok((address, _, account)) => {
                if !seen.insert((address.key(), account)) {
                    vec!["This address and account are on an earlier line too.".to_owned()]
                } else {
                    people.insert(address.key());
                    Vec::new()
                }
            }
            Err(problems) => problems,
        };
        if line.extra_columns {
            problems.push("Only three columns are read: email, role, account.".into());
        }
        rows.push(ImportRow {
            line: line.number,
            email: line.email,
            role: line.role,
            account: line.account,
            account_id,
            problems,
        });
    }
    let root = db::accounts::find(state.db().reader(), ctx.root())
        .await?
        .ok_or_else(crate::team::context::no_such_account)?;
    let mut conn = state.db().reader().acquire().await?;
    let seats = seat_plan(state, &mut conn, &root, clock::now()).await?;
    Ok(ImportPreview {
        rows,
        people: u32::try_from(people.len()).unwrap_or(u32::MAX),
        seats,
    })
}

#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn bulk(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    rows: Vec<BulkInviteRow>,
) -> Result<InviteResult, ApiError> {
    ctx.require_manage()?;
    let mut by_person: BTreeMap<String, (EmailAddress, BTreeMap<i64, Role>)> = BTreeMap::new();
    let mut fields = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let (_, checked) = check_row(
            ctx,
            &row.email,
            row.role.as_str(),
            &row.account.0.to_string(),
        );
        match checked {
            Ok((address, role, account)) => {
                let entry = by_person
                    .entry(address.key())
                    .or_insert_with(|| (address, BTreeMap::new()));
                if entry
                    .1
                    .insert(account, role)
                    .is_some_and(|earlier| earlier != role)
                {
                    fields.push(FieldError {
                        field: format!("rows[{index}]"),
                        message: format!(
                            "{} is given two roles on {}",
                            row.email,
                            ctx.org.name(account)
                        ),
                    });
                }
            }
            Err(problems) => fields.push(FieldError {
                field: format!("rows[{index}]"),
                message: problems.join(" "),
            }),
        }
    }
    if !fields.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidRows,
            format!(
                "{} row(s) cannot be sent; nothing was sent. Fix them and try again.",
                fields.len()
            ),
        )
        .with_fields(fields));
    }
    if by_person.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::NoValidAddress,
            "There is no row to send.",
        ));
    }
    if by_person.len() > MAX_INVITATION_SIZE {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::TooMany,
            format!(
                "{} people: one batch can invite at most {MAX_INVITATION_SIZE}; split the file.",
                by_person.len()
            ),
        ));
    }
    let recipients: Vec<_> = by_person.into_values().collect();
    invite_recipients(state, actor, ctx, &recipients, Vec::new()).await
}

/// People read from the database per chunk of an export.
const EXPORT_CHUNK: usize = 1_000;

/// The Users list (with its search, filters and order) as CSV, every person of it, written
/// while it is read: 1,000 people at a time, each chunk one range of an index after the
/// last (see `db::people`), so memory stays the same whatever the organisation's size and the
/// first bytes leave at once (the browser's download shows them arrive).
///
/// The statuses are those of the moment the export started. A failure after the first bytes
/// can no longer change the response's status: the download is cut short instead (and logged).
pub(crate) fn export(
    state: AppState,
    ctx: Context,
    query: PeopleQuery,
) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, ApiError> {
    ctx.require_manage()?;
    let filter = ListFilter::new(
        &ctx,
        query.q.as_deref(),
        query.status,
        query.role,
        query.inactive,
    );
    let export = Export {
        state,
        ctx,
        filter,
        sort: query.sort.unwrap_or_default(),
        order: query.order.unwrap_or_default(),
        now: clock::now(),
        plan: None,
        seek: Some(Seek::First),
    };
    Ok(stream::unfold(export, |mut export| async move {
        let seek = export.seek.take()?;
        match export.chunk(&seek).await {
            Ok((bytes, next)) => {
                export.seek = next;
                Some((Ok(bytes), export))
            }
            Err(error) => {
                tracing::error!(error = error.parts().2, "the people export stopped");
                Some((Err(std::io::Error::other("the export stopped")), export))
            }
        }
    }))
}

struct Export {
    state: AppState,
    ctx: Context,
    filter: ListFilter,
    sort: PeopleSort,
    order: SortOrder,
    now: Timestamp,
    /// How the people are read, decided with the first chunk.
    plan: Option<db::people::Plan>,
    /// Where the next chunk starts; `None` once the last one is written.
    seek: Option<Seek>,
}

impl Export {
    /// The CSV of the chunk at `seek` (after the header line, for the first), and where the
    /// next one starts.
    async fn chunk(&mut self, seek: &Seek) -> Result<(Bytes, Option<Seek>), ApiError> {
        let filter = self.filter.at(self.now);
        let plan = match self.plan.take() {
            Some(plan) => plan,
            None => db::people::Plan::decide(self.state.db(), &filter).await?,
        };
        let slice = db::people::people_page(
            self.state.db(),
            &filter,
            &plan,
            self.sort,
            self.order,
            seek,
            EXPORT_CHUNK,
        )
        .await?;
        self.plan = Some(plan);
        let mut out = String::with_capacity(slice.rows.len() * 120 + 64);
        if *seek == Seek::First {
            out.push_str("name,email,status,access,last_sign_in\r\n");
        }
        for person in people::person_rows(&self.ctx, &slice.rows)? {
            write_csv_row(&mut out, &person);
        }
        let next = slice
            .rows
            .last()
            .filter(|_| slice.more_after)
            .map(|row| Seek::After(db::people::key_of(row, self.sort, self.order)));
        Ok((Bytes::from(out), next))
    }
}

/// One person as a line of the export.
fn write_csv_row(out: &mut String, person: &PersonRow) {
    let access = person
        .access
        .iter()
        .map(|a| {
            format!(
                "{}: {}{}{}",
                a.account_name,
                a.role.label(),
                if a.pending { " (invited)" } else { "" },
                if a.inherited { " (inherited)" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let fields = [
        person
            .name
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_default(),
        person.email.to_string(),
        person.status.label().to_owned(),
        access,
        person
            .last_sign_in_at
            .map(crate::team::audit::iso8601)
            .unwrap_or_default(),
    ];
    for (n, field) in fields.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(field));
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_fields_are_cut_where_no_address_role_or_account_reaches() {
        let email = "é".repeat(MOST_FIELD_CHARS + 5);
        let lines = read_lines(&format!("{email},basic,Acme\nana@example.com,admin,Acme")).unwrap();
        assert_eq!(lines[0].email.chars().count(), MOST_FIELD_CHARS + 1);
        assert!(lines[0].email.ends_with('…'));
        assert_eq!(lines[1].email, "ana@example.com");
        let longest_address = format!("{}@{}", "a".repeat(64), "b".repeat(189));
        assert_eq!(cut(&longest_address, MOST_FIELD_CHARS), longest_address);
    }
}
