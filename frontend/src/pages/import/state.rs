//! An import in progress: the text given, the rows found in it, what the last check said, and
//! the steps (check, check again, send, start over).

use leptos::prelude::*;
use roster_shared::access::UserId;
use roster_shared::account::AccountId;
use roster_shared::api::{
    BulkInviteRequest, BulkInviteRow, CsvImportRequest, GrantableAccount, ImportPreview,
    InviteOptions, InviteResult,
};
use roster_shared::role::Role;
use roster_shared::seats::{SeatError, SeatPlan};

use super::line::{Line, row_index, rows_to_csv};
use crate::api::{self, ApiError};
use crate::components::field::capitalize;
use crate::drafts::{Drafts, use_drafts};
use crate::session::use_session;

/// The rows being imported, kept while the person buys seats (the Seats screen sends them back
/// here) so that they find their preview again.
#[derive(Clone)]
struct ImportDraft {
    csv: String,
}

#[derive(Clone, Copy)]
pub(super) struct Import {
    /// The account the import was opened on (rows without an account go here).
    pub(super) account: AccountId,
    /// Where the person may give which roles.
    pub(super) scope: StoredValue<Vec<GrantableAccount>>,
    pub(super) can_buy: bool,
    /// The top-level account (where seats are bought).
    root: Memo<AccountId>,
    me: Option<UserId>,
    drafts: Drafts,
    pub(super) text: RwSignal<String>,
    /// What reading the file or the text found wrong (or how many lines it has).
    pub(super) file_note: RwSignal<Option<Result<String, String>>>,
    pub(super) lines: RwSignal<Vec<Line>>,
    /// From the last check: how many people would be invited, and the seats.
    pub(super) preview: RwSignal<Option<(u32, SeatPlan)>>,
    pub(super) checking: RwSignal<bool>,
    pub(super) sending: RwSignal<bool>,
    pub(super) failure: RwSignal<Option<ApiError>>,
    pub(super) result: RwSignal<Option<InviteResult>>,
    next_key: StoredValue<u32>,
    /// Rows removed since the last check change the count of people and seats.
    removed: RwSignal<bool>,
}

impl Import {
    /// A new import on `account`; rows left unsent here are checked again at once.
    pub(super) fn new(options: InviteOptions, account: AccountId) -> Self {
        let accounts = crate::accounts::use_accounts();
        let import = Import {
            account,
            scope: StoredValue::new(options.accounts),
            can_buy: options.can_buy_seats,
            root: Memo::new(move |_| accounts.get(account).map(|a| a.root).unwrap_or(account)),
            me: use_session().info().map(|i| i.user.id),
            drafts: use_drafts(),
            text: RwSignal::new(String::new()),
            file_note: RwSignal::new(None),
            lines: RwSignal::new(Vec::new()),
            preview: RwSignal::new(None),
            checking: RwSignal::new(false),
            sending: RwSignal::new(false),
            failure: RwSignal::new(None),
            result: RwSignal::new(None),
            next_key: StoredValue::new(0),
            removed: RwSignal::new(false),
        };
        // Back from buying seats (or from elsewhere): the rows as they were, checked again.
        if let Some(draft) = import.drafts.kept::<ImportDraft>(import.me, account) {
            import.text.set(draft.csv);
            import.check_text();
        }
        import
    }

    /// The name of the account the import was opened on.
    pub(super) fn here_name(&self) -> String {
        self.scope.with_value(|s| {
            s.iter()
                .find(|a| a.id == self.account)
                .map(|a| a.name.to_string())
                .unwrap_or_default()
        })
    }

    fn keep_draft(&self, csv: Option<String>) {
        match csv {
            Some(csv) => self.drafts.keep(self.me, self.account, ImportDraft { csv }),
            None => self.drafts.forget::<ImportDraft>(),
        }
    }

    /// The Seats screen, which comes straight back here with the rows kept after buying.
    pub(super) fn seats_href(&self) -> String {
        let back = crate::url::query_value(&format!("/accounts/{}/users/import", self.account));
        let need = self
            .seat_problem()
            .map(|(_, missing)| format!("&need={missing}"))
            .unwrap_or_default();
        format!("/accounts/{}/seats?return={back}{need}", self.root.get())
    }

    /// Checks the text given (the first check): its rows become the preview.
    pub(super) fn check_text(&self) {
        let this = *self;
        self.failure.set(None);
        let csv = self.text.get_untracked();
        if csv.trim().is_empty() {
            self.file_note
                .set(Some(Err("Choose a file or paste rows first.".into())));
            return;
        }
        self.checking.set(true);
        leptos::task::spawn_local(async move {
            match api::import_preview(this.account, &CsvImportRequest { csv }).await {
                Ok(found) if found.rows.is_empty() => {
                    this.file_note.set(Some(Err(
                        "There are no rows in it, only a header or empty lines.".into(),
                    )));
                }
                Ok(found) => {
                    this.keep_draft(Some(this.text.get_untracked()));
                    this.take_preview(found);
                }
                Err(error) => this.failure.set(Some(error)),
            }
            this.checking.set(false);
        });
    }

    fn take_preview(&self, found: ImportPreview) {
        let rows = found
            .rows
            .into_iter()
            .map(|row| {
                let key = self.next_key.get_value();
                self.next_key.set_value(key + 1);
                Line::from_row(key, row.line, row)
            })
            .collect();
        self.lines.set(rows);
        self.preview.set(Some((found.people, found.seats)));
    }

    /// Checks the edited rows again; the rows keep their place and their line in the file.
    pub(super) fn check_again(&self) {
        let this = *self;
        self.failure.set(None);
        let current = self.lines.get_untracked();
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
        self.keep_draft(Some(csv.clone()));
        self.checking.set(true);
        leptos::task::spawn_local(async move {
            match api::import_preview(this.account, &CsvImportRequest { csv }).await {
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
                    this.lines.set(kept);
                    this.removed.set(false);
                    this.preview.set(Some((found.people, found.seats)));
                }
                Err(error) => this.failure.set(Some(error)),
            }
            this.checking.set(false);
        });
    }

    /// Sends every row as one batch: all are invited, or none.
    pub(super) fn send(&self) {
        let this = *self;
        self.failure.set(None);
        let current = self.lines.get_untracked();
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
        self.sending.set(true);
        leptos::task::spawn_local(async move {
            match api::import_send(this.account, &BulkInviteRequest { rows }).await {
                Ok(done) => {
                    this.keep_draft(None);
                    this.result.set(Some(done));
                }
                Err(error) => {
                    // Each row the server refused shows its reason in place.
                    for field in error.fields() {
                        if let Some(line) = row_index(&field.field).and_then(|i| current.get(i)) {
                            line.problems.set(vec![capitalize(&field.message)]);
                        }
                    }
                    this.failure.set(Some(error));
                }
            }
            this.sending.set(false);
        });
    }

    pub(super) fn start_over(&self) {
        self.lines.set(Vec::new());
        self.removed.set(false);
        self.preview.set(None);
        self.failure.set(None);
        self.result.set(None);
        self.file_note.set(None);
        self.text.set(String::new());
        self.keep_draft(None);
    }

    /// Drops the row `key` from the preview.
    pub(super) fn remove_line(&self, key: u32) {
        self.lines.update(|all| all.retain(|l| l.key != key));
        self.removed.set(true);
        // The removed row's button is gone; keep the keyboard in the preview.
        if let Some(button) = document().get_element_by_id("import-recheck") {
            use wasm_bindgen::JsCast;
            if let Ok(button) = button.dyn_into::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        }
    }

    pub(super) fn bad_rows(&self) -> usize {
        self.lines.with(|l| {
            l.iter()
                .filter(|l| l.problems.with(|p| !p.is_empty()))
                .count()
        })
    }

    /// Free seats, and how many more the rows would need if everyone is new.
    pub(super) fn seat_problem(&self) -> Option<(u32, u32)> {
        self.preview
            .get()
            .and_then(|(people, seats)| match seats.check_invite(people) {
                Err(SeatError::NotEnoughSeats { free, missing, .. }) => Some((free, missing)),
                _ => None,
            })
    }

    /// Why the rows cannot be sent yet, if they cannot.
    pub(super) fn send_blocked(&self) -> Option<String> {
        let count = self.lines.with(Vec::len);
        let edited = self
            .lines
            .with(|l| l.iter().filter(|l| l.edited.get()).count());
        if count == 0 {
            Some("There is no row to send.".to_owned())
        } else if edited > 0 || self.removed.get() {
            Some("Check the changed rows again before sending.".to_owned())
        } else if self.bad_rows() > 0 {
            Some("Fix or remove the rows with problems first: nothing is sent until every row can be.".to_owned())
        } else {
            None
        }
    }
}
