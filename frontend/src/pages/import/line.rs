//! One row of the preview: its fields (editable in place) and problems, and the CSV the
//! edited rows become again.

use leptos::prelude::*;
use roster_shared::account::AccountId;
use roster_shared::api::{GrantableAccount, ImportRow};
use roster_shared::email::EmailAddress;
use roster_shared::role::Role;

use crate::components::field::capitalize;

/// One row of the preview, editable in place.
#[derive(Clone, Copy)]
pub(super) struct Line {
    pub(super) key: u32,
    /// Its line in the file the person gave (kept across checks, so it can be found there).
    pub(super) line: u32,
    pub(super) email: RwSignal<String>,
    pub(super) role: RwSignal<String>,
    /// The account as written in the file (a name, a path or an id).
    pub(super) account_text: RwSignal<String>,
    /// The account it names, once known (chosen from the list, or found by the server).
    pub(super) account: RwSignal<Option<AccountId>>,
    /// What the server found wrong at the last check.
    pub(super) problems: RwSignal<Vec<String>>,
    /// Changed since the last check.
    pub(super) edited: RwSignal<bool>,
}

impl Line {
    pub(super) fn from_row(key: u32, line: u32, row: ImportRow) -> Self {
        Line {
            key,
            line,
            email: RwSignal::new(row.email),
            role: RwSignal::new(row.role),
            account_text: RwSignal::new(row.account),
            account: RwSignal::new(row.account_id),
            problems: RwSignal::new(row.problems),
            edited: RwSignal::new(false),
        }
    }

    /// Takes what the server found at a new check.
    pub(super) fn update_from(&self, row: ImportRow) {
        self.account.set(row.account_id);
        self.problems.set(row.problems);
        self.edited.set(false);
    }
}

/// One CSV field, quoted when it needs to be (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) || text.trim() != text {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The rows as CSV again, with a header line so row `i` is on line `i + 2`. An account
/// chosen from the list is written as its id, which names it without doubt.
pub(super) fn rows_to_csv(rows: &[(String, String, String)]) -> String {
    let mut out = String::from("email,role,account\n");
    for (email, role, account) in rows {
        out.push_str(&format!(
            "{},{},{}\n",
            csv_field(email),
            csv_field(role),
            csv_field(account)
        ));
    }
    out
}

/// Which row a field error of the batch (`rows[3]`) is about.
pub(super) fn row_index(field: &str) -> Option<usize> {
    field.strip_prefix("rows[")?.strip_suffix(']')?.parse().ok()
}

/// An account as a row may name it: its path from the account the import was opened on
/// ("Europe / Support"), which is also what the file may say.
fn account_path(scope: &[GrantableAccount], account: &GrantableAccount) -> String {
    let mut names = vec![account.name.to_string()];
    let mut parent = account.parent;
    while let Some(up) = parent.and_then(|id| scope.iter().find(|a| a.id == id)) {
        names.push(up.name.to_string());
        parent = up.parent;
    }
    names.reverse();
    names.join(" / ")
}

#[component]
pub(super) fn ImportLine(
    /// The row.
    line: Line,
    /// Where the person may give which roles.
    scope: StoredValue<Vec<GrantableAccount>>,
    /// Removes this row.
    on_remove: Callback<u32>,
) -> impl IntoView {
    let n = line.line;
    let email_id = format!("import-{}-email", line.key);
    let role_id = format!("import-{}-role", line.key);
    let account_id = format!("import-{}-account", line.key);
    let problems_id = format!("import-{}-problems", line.key);
    // The shared address rule explains a typo while it is being fixed; the server decides.
    let email_problem = move || {
        line.email.with(|e| {
            EmailAddress::parse(e)
                .err()
                .map(|e| capitalize(&e.to_string()))
        })
    };
    let role_known = move || line.role.with(|r| Role::parse(r).ok());
    let grantable_here = move || {
        line.account
            .get()
            .map(|id| {
                scope.with_value(|s| {
                    s.iter()
                        .find(|a| a.id == id)
                        .map(|a| a.roles.clone())
                        .unwrap_or_default()
                })
            })
            .unwrap_or_else(|| Role::ALL.to_vec())
    };
    let edited = move || line.edited.set(true);
    let remove = move |_| on_remove.run(line.key);
    let has_problems = move || line.problems.with(|p| !p.is_empty());
    view! {
        <tr data-test="import-row" data-line=n.to_string()
            class:has-problems=has_problems class:edited=move || line.edited.get()>
            <td class="muted">{n}</td>
            <td>
                <input id=email_id.clone() class="input" type="email" autocomplete="off" spellcheck="false"
                    aria-label=format!("Email, line {n}")
                    aria-invalid=move || email_problem().is_some().to_string()
                    aria-describedby=problems_id.clone()
                    prop:value=move || line.email.get()
                    on:input=move |ev| { line.email.set(event_target_value(&ev)); edited(); }
                    data-test="import-email"/>
                {move || email_problem().filter(|_| line.edited.get()).map(|m| view! { <p class="field-error small">{m}</p> })}
            </td>
            <td>
                <select id=role_id class="select" aria-label=format!("Role, line {n}") aria-describedby=problems_id.clone()
                    on:change=move |ev| { line.role.set(event_target_value(&ev)); edited(); }
                    data-test="import-role">
                    {move || role_known().is_none().then(|| view! {
                        <option value="" prop:selected=true disabled>"Choose a role"</option>
                    })}
                    {move || {
                        let enabled = grantable_here();
                        Role::ALL.into_iter().map(|role| {
                            let allowed = enabled.contains(&role);
                            view! {
                                <option value=role.as_str() prop:selected=move || role_known() == Some(role) disabled=!allowed>
                                    {role.label()}
                                </option>
                            }
                        }).collect_view()
                    }}
                </select>
            </td>
            <td>
                <select id=account_id class="select" aria-label=format!("Account, line {n}") aria-describedby=problems_id.clone()
                    on:change=move |ev| {
                        if let Ok(id) = event_target_value(&ev).parse::<i64>() {
                            line.account.set(Some(AccountId(id)));
                            edited();
                        }
                    }
                    data-test="import-account">
                    {move || line.account.get().is_none().then(|| view! {
                        <option value="" prop:selected=true disabled>"Choose an account"</option>
                    })}
                    {scope.with_value(|all| all.iter().map(|a| {
                        let id = a.id;
                        view! {
                            <option value=id.0.to_string() prop:selected=move || line.account.get() == Some(id) disabled=a.roles.is_empty()>
                                {account_path(all, a)}
                            </option>
                        }
                    }).collect_view())}
                </select>
            </td>
            <td id=problems_id data-test="import-problems">
                {move || if line.edited.get() {
                    view! { <span class="badge accent">"Changed: check again"</span> }.into_any()
                } else if has_problems() {
                    view! {
                        <ul class="row-problems">
                            {line.problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                        </ul>
                    }.into_any()
                } else {
                    view! { <span class="badge ok">"Ready"</span> }.into_any()
                }}
            </td>
            <td class="actions-cell">
                <button type="button" class="button ghost small" aria-label=format!("Remove line {n}") on:click=remove data-test="import-remove">"Remove"</button>
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("ana@example.com"), "ana@example.com");
        assert_eq!(csv_field("Europe, North"), "\"Europe, North\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field(" padded"), "\" padded\"");
    }

    #[test]
    fn rebuilt_rows_start_on_line_two() {
        let csv = rows_to_csv(&[
            ("a@x.com".into(), "basic".into(), "7".into()),
            ("b@x.com".into(), "Admin".into(), "Europe / Support".into()),
        ]);
        assert_eq!(
            csv,
            "email,role,account\na@x.com,basic,7\nb@x.com,Admin,Europe / Support\n"
        );
    }

    #[test]
    fn batch_errors_name_their_row() {
        assert_eq!(row_index("rows[3]"), Some(3));
        assert_eq!(row_index("rows"), None);
        assert_eq!(row_index("email"), None);
    }
}
