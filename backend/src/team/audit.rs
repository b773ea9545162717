//! Writing and reading the audit log.

use roster_shared::api::{AuditEntry, AuditPage};
use roster_shared::audit::AuditAction;
use roster_shared::time::Timestamp;

use crate::db;
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

/// The log of an account's scope, newest first.
pub(crate) async fn page(
    state: &AppState,
    ctx: &Context,
    page: u32,
    per_page: u32,
) -> Result<AuditPage, ApiError> {
    ctx.require_manage()?;
    let scope = (ctx.account != ctx.root()).then(|| ctx.org.scope(ctx.account));
    let per_page = per_page.clamp(1, 200);
    let page = page.max(1);
    let total = db::audit::count(state.db().reader(), ctx.root(), scope.as_deref()).await?;
    let rows = db::audit::page(
        state.db().reader(),
        ctx.root(),
        scope.as_deref(),
        i64::from(per_page),
        i64::from(page - 1) * i64::from(per_page),
    )
    .await?;
    Ok(AuditPage {
        entries: rows.into_iter().map(entry).collect(),
        total: u64::try_from(total).unwrap_or(0),
        page,
        per_page,
    })
}

/// The whole log of an account's scope as CSV (newest first, at most 100,000 entries).
pub(crate) async fn csv(state: &AppState, ctx: &Context) -> Result<String, ApiError> {
    ctx.require_manage()?;
    let scope = (ctx.account != ctx.root()).then(|| ctx.org.scope(ctx.account));
    let rows = db::audit::page(
        state.db().reader(),
        ctx.root(),
        scope.as_deref(),
        100_000,
        0,
    )
    .await?;
    let mut out = String::from("time,actor,action,account,summary,ip\r\n");
    for row in rows.into_iter().map(entry) {
        let fields = [
            iso8601(row.at),
            row.actor.unwrap_or_else(|| "Roster".into()),
            row.action.as_str().to_owned(),
            row.account.unwrap_or_default(),
            row.summary,
            row.ip.unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
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
