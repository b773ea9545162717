//! Import CSV: a file (or pasted text) of `email,role,account` rows becomes one invitation
//! batch. The server reads the rows and names every problem per row; the person fixes a row
//! in place (address, role, account) or drops it, checks again, and sends. The batch is all
//! or nothing, so a half-sent file never needs untangling.

use crate::components::invite_outcome::InviteOutcome;
use leptos::prelude::*;
use roster_shared::access::UserId;
use roster_shared::account::AccountId;
use roster_shared::api::ErrorCode;
use roster_shared::api::{
    BulkInviteRequest, BulkInviteRow, CsvImportRequest, GrantableAccount, ImportPreview, ImportRow,
    InviteOptions, InviteResult,
};
use roster_shared::email::EmailAddress;
use roster_shared::role::Role;
use roster_shared::seats::{SeatError, SeatPlan};
use wasm_bindgen::prelude::*;

use crate::accounts::use_accounts;
use crate::api::{self, ApiError};
use crate::components::field::capitalize;
use crate::components::invite_options::WithInviteOptions;
use crate::pages::settings_layout::use_account;
use crate::session::use_session;

/// Files larger than this are surely not a list of invitations (the server reads at most
/// 10,000 rows).
const MAX_FILE_BYTES: f64 = 2_000_000.0;

thread_local! {
    /// The rows being imported, kept while the person buys seats (the Seats screen sends
    /// them back here) so that they find their preview again: (person, account, CSV).
    static DRAFT: std::cell::RefCell<Option<(UserId, AccountId, String)>> =
        const { std::cell::RefCell::new(None) };
}

/// One row of the preview, editable in place.
#[derive(Clone, Copy)]
struct Line {
    key: u32,
    /// Its line in the file the person gave (kept across checks, so it can be found there).
    line: u32,
    email: RwSignal<String>,
    role: RwSignal<String>,
    /// The account as written in the file (a name, a path or an id).
    account_text: RwSignal<String>,
    /// The account it names, once known (chosen from the list, or found by the server).
    account: RwSignal<Option<AccountId>>,
    /// What the server found wrong at the last check.
    problems: RwSignal<Vec<String>>,
    /// Changed since the last check.
    edited: RwSignal<bool>,
}

impl Line {
    fn from_row(key: u32, line: u32, row: ImportRow) -> Self {
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
    fn update_from(&self, row: ImportRow) {
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
fn rows_to_csv(rows: &[(String, String, String)]) -> String {
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
fn row_index(field: &str) -> Option<usize> {
    field.strip_prefix("rows[")?.strip_suffix(']')?.parse().ok()
}

/// Reads the first file chosen in an `<input type=file>` as text.
fn read_file(ev: &leptos::ev::Event, on_text: impl FnOnce(Result<String, String>) + 'static) {
    use wasm_bindgen::JsCast;
    let Some(file) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.files())
        .and_then(|files| files.get(0))
    else {
        return;
    };
    if file.size() > MAX_FILE_BYTES {
        on_text(Err(format!(
            "“{}” is larger than 2 MB; a file of invitations is much smaller. Choose the CSV file, or split it.",
            file.name()
        )));
        return;
    }
    let name = file.name();
    let on_text = std::rc::Rc::new(std::cell::RefCell::new(Some(on_text)));
    let on_failure = on_text.clone();
    // Each runs at most once; the two small closures are left to the browser.
    let done = Closure::once(move |text: JsValue| {
        if let Some(f) = on_text.borrow_mut().take() {
            f(text
                .as_string()
                .ok_or_else(|| "The file cannot be read as text.".to_owned()));
        }
    });
    let failed = Closure::once(move |_: JsValue| {
        if let Some(f) = on_failure.borrow_mut().take() {
            f(Err(format!(
                "“{name}” cannot be read. Choose it again, or paste its rows below."
            )));
        }
    });
    let _ = file.text().then2(&done, &failed);
    done.forget();
    failed.forget();
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let account = use_account();
    view! {
        <section aria-labelledby="import-title" class="import">
            <a class="back-link" href=move || format!("/accounts/{}/users", account.get())>"← Users"</a>
            <h1 id="import-title">"Import CSV"</h1>
            <p class="muted">
                "Invite many people at once from a file of "<code>"email,role,account"</code>" rows. You see every row and its problems before anything is sent."
            </p>
            <WithInviteOptions form=|options, account| view! { <Importer options=options account=account/> }.into_any()/>
        </section>
    }
}

#[component]
fn Importer(
    /// Where the person may give which roles, and the seats.
    options: InviteOptions,
    /// The account the import was opened on (rows without an account go here).
    account: AccountId,
) -> impl IntoView {
    let accounts = use_accounts();
    let scope = StoredValue::new(options.accounts);
    let can_buy = options.can_buy_seats;
    let here_name = scope.with_value(|s| {
        s.iter()
            .find(|a| a.id == account)
            .map(|a| a.name.to_string())
            .unwrap_or_default()
    });

    let text = RwSignal::new(String::new());
    let file_note = RwSignal::new(None::<Result<String, String>>);
    let lines = RwSignal::new(Vec::<Line>::new());
    let preview = RwSignal::new(None::<(u32, SeatPlan)>);
    let checking = RwSignal::new(false);
    let sending = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let result = RwSignal::new(None::<InviteResult>);
    let next_key = StoredValue::new(0u32);
    // Rows removed since the last check change the count of people and seats.
    let removed = RwSignal::new(false);

    let me = use_session().info().map(|i| i.user.id);
    let keep_draft = move |csv: Option<String>| {
        DRAFT.with(|d| *d.borrow_mut() = me.zip(csv).map(|(me, csv)| (me, account, csv)));
    };
    let root = move || accounts.get(account).map(|a| a.root).unwrap_or(account);
    // After buying, the Seats screen comes straight back here with the rows kept.
    let seats_href = move || {
        let back = crate::url::query_value(&format!("/accounts/{account}/users/import"));
        let missing = preview.with(|p| {
            match p
                .as_ref()
                .map(|(people, seats)| seats.check_invite(*people))
            {
                Some(Err(SeatError::NotEnoughSeats { missing, .. })) => Some(missing),
                _ => None,
            }
        });
        let need = missing.map(|m| format!("&need={m}")).unwrap_or_default();
        format!("/accounts/{}/seats?return={back}{need}", root())
    };

    // A fresh preview of the text (the first check).
    let take_preview = move |found: ImportPreview| {
        let rows = found
            .rows
            .into_iter()
            .map(|row| {
                let key = next_key.get_value();
                next_key.set_value(key + 1);
                Line::from_row(key, row.line, row)
            })
            .collect();
        lines.set(rows);
        preview.set(Some((found.people, found.seats)));
    };
    let check_text = move || {
        failure.set(None);
        let csv = text.get_untracked();
        if csv.trim().is_empty() {
            file_note.set(Some(Err("Choose a file or paste rows first.".into())));
            return;
        }
        checking.set(true);
        leptos::task::spawn_local(async move {
            match api::import_preview(account, &CsvImportRequest { csv }).await {
                Ok(found) if found.rows.is_empty() => {
                    file_note.set(Some(Err(
                        "There are no rows in it, only a header or empty lines.".into(),
                    )));
                }
                Ok(found) => {
                    keep_draft(Some(text.get_untracked()));
                    take_preview(found);
                }
                Err(error) => failure.set(Some(error)),
            }
            checking.set(false);
        });
    };
    // Back from buying seats (or from elsewhere): the rows as they were, checked again.
    if let Some(csv) = DRAFT.with(|d| {
        d.borrow()
            .as_ref()
            .filter(|(who, on, _)| Some(*who) == me && *on == account)
            .map(|(_, _, csv)| csv.clone())
    }) {
        text.set(csv);
        check_text();
    }
    // Checks the edited rows again; the rows keep their place and their line in the file.
    let check_again = move || {
        failure.set(None);
        let current = lines.get_untracked();
        if current.is_empty() {
            return;
        }
        let rows: Vec<_> = current
            .iter()
            .map(|l| {
                let account_field = match l.account.get_untracked() {
                    Some(id) => id.0.to_string(),
                    None => l.account_text.get_untracked(),
                };
                (
                    l.email.get_untracked(),
                    l.role.get_untracked(),
                    account_field,
                )
            })
            .collect();
        let csv = rows_to_csv(&rows);
        keep_draft(Some(csv.clone()));
        checking.set(true);
        leptos::task::spawn_local(async move {
            match api::import_preview(account, &CsvImportRequest { csv }).await {
                Ok(found) => {
                    let mut kept = Vec::new();
                    for row in found.rows {
                        if let Some(line) = (row.line as usize)
                            .checked_sub(2)
                            .and_then(|i| current.get(i))
                        {
                            line.update_from(row);
                            kept.push(*line);
                        }
                    }
                    // A row emptied completely is not a row any more.
                    lines.set(kept);
                    removed.set(false);
                    preview.set(Some((found.people, found.seats)));
                }
                Err(error) => failure.set(Some(error)),
            }
            checking.set(false);
        });
    };
    let send = move || {
        failure.set(None);
        let current = lines.get_untracked();
        let mut rows = Vec::with_capacity(current.len());
        for line in &current {
            let (Ok(role), Some(on)) = (
                Role::parse(&line.role.get_untracked()),
                line.account.get_untracked(),
            ) else {
                return;
            };
            rows.push(BulkInviteRow {
                email: line.email.get_untracked().trim().to_owned(),
                role,
                account: on,
            });
        }
        sending.set(true);
        leptos::task::spawn_local(async move {
            match api::import_send(account, &BulkInviteRequest { rows }).await {
                Ok(done) => {
                    keep_draft(None);
                    result.set(Some(done));
                }
                Err(error) => {
                    // Each row the server refused shows its reason in place.
                    for field in error.fields() {
                        if let Some(line) = row_index(&field.field).and_then(|i| current.get(i)) {
                            line.problems.set(vec![capitalize(&field.message)]);
                        }
                    }
                    failure.set(Some(error));
                }
            }
            sending.set(false);
        });
    };
    let start_over = move || {
        lines.set(Vec::new());
        removed.set(false);
        preview.set(None);
        failure.set(None);
        result.set(None);
        file_note.set(None);
        text.set(String::new());
        keep_draft(None);
    };

    let on_file = move |ev: leptos::ev::Event| {
        file_note.set(None);
        read_file(&ev, move |read| match read {
            Ok(content) => {
                let rows = content.lines().filter(|l| !l.trim().is_empty()).count();
                text.set(content);
                file_note.set(Some(Ok(format!(
                    "The file has {rows} line{}; check them below, or check the rows now.",
                    if rows == 1 { "" } else { "s" }
                ))));
            }
            Err(message) => file_note.set(Some(Err(message))),
        });
    };

    let remove_line = Callback::new(move |key: u32| {
        lines.update(|all| all.retain(|l| l.key != key));
        removed.set(true);
        // The removed row's button is gone; keep the keyboard in the preview.
        if let Some(button) = document().get_element_by_id("import-recheck") {
            use wasm_bindgen::JsCast;
            if let Ok(button) = button.dyn_into::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        }
    });
    let bad_rows = move || {
        lines.with(|l| {
            l.iter()
                .filter(|l| l.problems.with(|p| !p.is_empty()))
                .count()
        })
    };
    let edited_rows = move || lines.with(|l| l.iter().filter(|l| l.edited.get()).count());
    let seat_problem = move || {
        preview
            .get()
            .and_then(|(people, seats)| match seats.check_invite(people) {
                Err(SeatError::NotEnoughSeats { free, missing, .. }) => Some((free, missing)),
                _ => None,
            })
    };
    let send_blocked = move || {
        let count = lines.with(Vec::len);
        if count == 0 {
            Some("There is no row to send.".to_owned())
        } else if edited_rows() > 0 || removed.get() {
            Some("Check the changed rows again before sending.".to_owned())
        } else if bad_rows() > 0 {
            Some("Fix or remove the rows with problems first: nothing is sent until every row can be.".to_owned())
        } else {
            None
        }
    };

    view! {
        {move || match result.get() {
            Some(done) => view! { <InviteOutcome result=done account done="Import sent" test="import-result" again="Import another file" on_again=Callback::new(move |()| start_over())/> }.into_any(),
            None if preview.with(Option::is_none) => untrack(|| view! {
                <form class="card form import-source" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); check_text(); }>
                    <div class="field">
                        <label for="import-file">"CSV file"</label>
                        <p class="hint" id="import-file-hint">
                            {format!("One row per line: email, role (Owner, Admin, Basic or Reporting), account (its name, a path such as “Europe / Support”, or empty for {here_name}). A header line is optional.")}
                        </p>
                        <input id="import-file" type="file" accept=".csv,text/csv,text/plain" aria-describedby="import-file-hint" on:change=on_file data-test="import-file"/>
                    </div>
                    <div class="field">
                        <label for="import-text">"Rows"</label>
                        <p class="hint" id="import-text-hint">"The chosen file's rows appear here; you can also paste them from a spreadsheet."</p>
                        <textarea id="import-text" class="csv-text" rows="8" spellcheck="false" aria-describedby="import-text-hint"
                            placeholder="email,role,account\nana@example.com,Basic,Support"
                            prop:value=move || text.get()
                            on:input=move |ev| { text.set(event_target_value(&ev)); file_note.set(None); }
                            data-test="import-text"></textarea>
                    </div>
                    {move || file_note.get().map(|note| match note {
                        Ok(message) => view! { <p class="alert info" role="status" data-test="file-note">{message}</p> }.into_any(),
                        Err(message) => view! { <p class="alert error" role="alert" data-test="file-note">{message}</p> }.into_any(),
                    })}
                    {move || failure.get().map(|error| view! { <div class="alert error" role="alert" data-test="import-error">{error.message()}</div> })}
                    <div class="form-actions">
                        <a class="button ghost" href=format!("/accounts/{account}/users")>"Cancel"</a>
                        <button type="submit" class="button primary" disabled=move || checking.get() data-test="import-check">
                            {move || if checking.get() { "Checking…" } else { "Check rows" }}
                        </button>
                    </div>
                </form>
            }).into_any(),
            None => untrack(|| view! {
                <div class="card import-preview" data-test="import-preview">
                    <div class="row-between">
                        <h2>"Preview"</h2>
                        <button type="button" class="button ghost small" on:click=move |_| start_over() data-test="import-start-over">"Choose another file"</button>
                    </div>
                    <p role="status" data-test="import-summary">
                        {move || {
                            let total = lines.with(Vec::len);
                            let bad = bad_rows();
                            let people = preview.get().map(|p| p.0).unwrap_or_default();
                            let rows = if total == 1 { "1 row".to_owned() } else { format!("{total} rows") };
                            if bad == 0 {
                                format!("{rows}, all ready: {people} {} to invite.", if people == 1 { "person" } else { "people" })
                            } else {
                                format!("{rows}: {bad} with problems. Fix them in place or remove them, then check again.")
                            }
                        }}
                    </p>
                    <div class="table-wrap">
                        <table class="import-table" aria-busy=move || checking.get().to_string()>
                            <caption class="visually-hidden">"Rows to import, with their problems"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Line"</th>
                                    <th scope="col">"Email"</th>
                                    <th scope="col">"Role"</th>
                                    <th scope="col">"Account"</th>
                                    <th scope="col">"Problems"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                <For each=move || lines.get() key=|l| l.key let:line>
                                    <ImportLine line scope on_remove=remove_line/>
                                </For>
                            </tbody>
                        </table>
                    </div>
                    {move || preview.get().map(|(_, seats)| view! {
                        <p class="seat-line" data-test="import-seats">
                            {format!("{} of {} seats used, {} free.", seats.used, seats.total(), seats.free())}
                            <span class="muted small">" People already in your organisation need no new seat."</span>
                        </p>
                    })}
                    {move || seat_problem().map(|(free, missing)| view! {
                        <div class="alert warn" role="status" data-test="import-seat-warning">
                            <p>{format!(
                                "Not enough seats: {free} free. If everyone here is new, {missing} more seat{} will be needed.",
                                if missing == 1 { "" } else { "s" }
                            )}</p>
                            {if can_buy {
                                view! { <a class="button small" href=seats_href data-test="buy-more">"Buy more"</a> }.into_any()
                            } else {
                                view! { <p class="small">"Ask an Owner or Admin of the top-level account to buy more seats."</p> }.into_any()
                            }}
                        </div>
                    })}
                    {move || failure.get().map(|error| {
                        let seats_short = error.code() == Some(ErrorCode::NotEnoughSeats);
                        view! {
                            <div class="alert error" role="alert" data-test="import-error">
                                <p>{error.message()}</p>
                                {(seats_short && can_buy).then(|| view! { <a class="button small" href=seats_href data-test="buy-more">"Buy more"</a> })}
                                {(seats_short && !can_buy).then(|| view! { <p class="small">"Ask an Owner or Admin of the top-level account to buy more seats."</p> })}
                            </div>
                        }
                    })}
                    {move || send_blocked().filter(|_| lines.with(|l| !l.is_empty())).map(|why| view! {
                        <p class="muted small" id="send-blocked">{why}</p>
                    })}
                    <div class="form-actions">
                        <button type="button" id="import-recheck" class="button" disabled=move || checking.get() || lines.with(Vec::is_empty)
                            on:click=move |_| check_again() data-test="import-recheck">
                            {move || if checking.get() { "Checking…" } else { "Check again" }}
                        </button>
                        <button type="button" class="button primary" data-test="import-send"
                            disabled=move || sending.get() || send_blocked().is_some()
                            aria-describedby=move || send_blocked().map(|_| "send-blocked")
                            on:click=move |_| send()>
                            {move || {
                                if sending.get() {
                                    "Sending…".to_owned()
                                } else if send_blocked().is_some() {
                                    "Send invitations".to_owned()
                                } else {
                                    let people = preview.get().map(|p| p.0).unwrap_or_default();
                                    if people == 1 { "Send 1 invitation".to_owned() } else { format!("Send {people} invitations") }
                                }
                            }}
                        </button>
                    </div>
                </div>
            }).into_any(),
        }}
    }
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
fn ImportLine(
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
