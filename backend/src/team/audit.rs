//! Writing and reading the audit log.

use roster_shared::api::{AuditEntry, AuditPage};
use roster_shared::audit::AuditAction;
use roster_shared::time::Timestamp;

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use futures_util::{Stream, stream};
use roster_shared::api::ErrorCode;

use crate::db;
use crate::db::audit::AuditSeek;
use crate::error::ApiError;
use crate::state::AppState;
use crate::team::context::{Actor, Context};

/// Records one change made by `actor` in the transaction `conn`.
pub(crate) async fn record(
    conn: &mut sqlx::AnyConnection,
    root_id: i64,
    account: Option<(i64, &str)>,
    actor: Option<&Actor>,
    action: AuditAction,
    summary: &str,
    now: Timestamp,
) -> Result<(), ApiError> {
    db::audit::insert(
        &mut *conn,
        row(root_id, account, actor, action, summary, now),
    )
    .await?;
    Ok(())
}

/// The row of one change: who made it is stored as their label and address at the time.
pub(crate) fn row<'a>(
    root_id: i64,
    account: Option<(i64, &'a str)>,
    actor: Option<&'a Actor>,
    action: AuditAction,
    summary: &'a str,
    now: Timestamp,
) -> db::audit::Record<'a> {
    db::audit::Record {
        root_id,
        account,
        actor: actor.map(|a| (a.user_id, a.label.as_str())),
        action,
        summary,
        ip: actor.map(|a| a.ip.as_str()),
        now,
    }
}

fn entry(row: db::audit::EntryRow) -> AuditEntry {
    AuditEntry {
        id: row.id,
        at: Timestamp::from_millis(row.created_at),
        actor: row.actor,
        action: row.action,
        summary: row.summary,
        account: row.account_name,
        ip: row.ip,
    }
}

/// A page of the log as its cursor says: where (after or before an entry) and how many entries
/// come before it (`1o150.4242`: the entries older than 4242, 150 before them), in URL-safe
/// base64. Entry ids are already the organisation's to see.
fn decode_cursor(text: &str) -> Result<(AuditSeek, u64), ApiError> {
    if text.is_empty() {
        return Ok((AuditSeek::Newest, 0));
    }
    let refused = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidQuery,
            "This link to a page of the audit log is not one Roster made; open the log from its first page.",
        )
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(text.get(..256).unwrap_or(text))
        .map_err(|_| refused())?;
    let text = String::from_utf8(bytes).map_err(|_| refused())?;
    let (head, id) = text.split_once('.').ok_or_else(refused)?;
    let id: i64 = id.parse().map_err(|_| refused())?;
    let start: u64 = head
        .get(2..)
        .and_then(|n| n.parse().ok())
        .ok_or_else(refused)?;
    match head.get(..2) {
        Some("1o") => Ok((AuditSeek::OlderThan(id), start)),
        Some("1n") => Ok((AuditSeek::NewerThan(id), start)),
        _ => Err(refused()),
    }
}

fn encode_cursor(seek: AuditSeek, start: u64) -> String {
    let text = match seek {
        AuditSeek::Newest => return String::new(),
        AuditSeek::OlderThan(id) => format!("1o{start}.{id}"),
        AuditSeek::NewerThan(id) => format!("1n{start}.{id}"),
    };
    URL_SAFE_NO_PAD.encode(text)
}

/// The log of an account's scope, newest first, a page where `cursor` says.
pub(crate) async fn page(
    state: &AppState,
    ctx: &Context,
    cursor: Option<&str>,
    per_page: u32,
) -> Result<AuditPage, ApiError> {
    ctx.require_manage()?;
    let (seek, cursor_start) = decode_cursor(cursor.unwrap_or_default())?;
    let scope = (ctx.account != ctx.root()).then(|| ctx.org.scope(ctx.account));
    let per_page = per_page.clamp(1, 200);
    let reader = state.db().reader();
    let total = db::audit::count(reader, ctx.root(), scope.as_deref()).await?;
    let want = i64::from(per_page) + 1;
    let limit = usize::try_from(per_page).unwrap_or(50);
    let mut rows = db::audit::page(reader, ctx.root(), scope.as_deref(), want, seek).await?;
    let (mut seek, mut start) = (seek, cursor_start);
    let (more_newer, more_older) = match seek {
        AuditSeek::NewerThan(_) if rows.len() <= limit => {
            // Nothing newer than these: the newest page, full.
            (seek, start) = (AuditSeek::Newest, 0);
            rows = db::audit::page(reader, ctx.root(), scope.as_deref(), want, seek).await?;
            (false, rows.len() > limit)
        }
        AuditSeek::NewerThan(_) => {
            // The extra row is the newest: drop it.
            rows.remove(0);
            start = start.saturating_sub(u64::try_from(rows.len()).unwrap_or(0));
            (true, true)
        }
        AuditSeek::Newest => (false, rows.len() > limit),
        AuditSeek::OlderThan(_) => (true, rows.len() > limit),
    };
    rows.truncate(limit);
    let shown = u64::try_from(rows.len()).unwrap_or(0);
    let next = rows
        .last()
        .filter(|_| more_older)
        .map(|row| encode_cursor(AuditSeek::OlderThan(row.id), start + shown));
    let previous = rows
        .first()
        .filter(|_| more_newer)
        .map(|row| encode_cursor(AuditSeek::NewerThan(row.id), start));
    Ok(AuditPage {
        entries: rows.into_iter().map(entry).collect(),
        total: u64::try_from(total).unwrap_or(0),
        start,
        per_page,
        next,
        previous,
    })
}

/// Entries read from the database per chunk of the CSV.
const CSV_CHUNK: i64 = 1_000;

/// The whole log of an account's scope as CSV, newest first, written while it is read (a
/// chunk of entries at a time, each one range of the log's index), in bounded memory.
pub(crate) fn csv(
    state: AppState,
    ctx: &Context,
) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, ApiError> {
    ctx.require_manage()?;
    let scope = (ctx.account != ctx.root()).then(|| ctx.org.scope(ctx.account));
    let root = ctx.root();
    let first = Some(AuditSeek::Newest);
    Ok(stream::unfold(
        (state, scope, first),
        move |(state, scope, seek)| async move {
            let seek = seek?;
            let rows =
                match db::audit::page(state.db().reader(), root, scope.as_deref(), CSV_CHUNK, seek)
                    .await
                {
                    Ok(rows) => rows,
                    Err(error) => {
                        tracing::error!(%error, "the audit export stopped");
                        let failed = Err(std::io::Error::other("the export stopped"));
                        return Some((failed, (state, scope, None)));
                    }
                };
            let mut out = String::new();
            if seek == AuditSeek::Newest {
                out.push_str("time,actor,action,account,summary,ip\r\n");
            }
            let next = (rows.len() as i64 == CSV_CHUNK)
                .then(|| rows.last().map(|row| AuditSeek::OlderThan(row.id)))
                .flatten();
            for row in rows.into_iter().map(entry) {
                let fields = [
                    iso8601(row.at),
                    row.actor.unwrap_or_else(|| "Roster".into()),
                    row.action.as_str().to_owned(),
                    row.account.unwrap_or_default(),
                    row.summary,
                    row.ip.unwrap_or_default(),
                ];
                for (n, field) in fields.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    out.push_str(&csv_field(field));
                }
                out.push_str("\r\n");
            }
            Some((Ok(Bytes::from(out)), (state, scope, next)))
        },
    ))
}

/// `2026-11-29T02:44:54Z`.
pub(crate) fn iso8601(at: Timestamp) -> String {
    let (year, month, day) = at.date();
    let seconds = at.millis().rem_euclid(86_400_000) / 1000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        (seconds % 3600) / 60,
        seconds % 60
    )
}

/// One CSV field (RFC 4180 quoting). A field a spreadsheet would run as a formula gets a
/// leading apostrophe, so an exported name like `=HYPERLINK(…)` stays text.
pub(crate) fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@SUM(1)"), "'@SUM(1)");
    }

    #[test]
    fn times_are_iso_8601() {
        assert_eq!(
            iso8601(Timestamp::from_millis(1_795_920_294_000)),
            "2026-11-29T02:44:54Z"
        );
    }
}
