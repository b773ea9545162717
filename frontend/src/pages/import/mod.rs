//! Import CSV: a file (or pasted text) of `email,role,account` rows becomes one invitation
//! batch. The server reads the rows and names every problem per row; the person fixes a row
//! in place (address, role, account) or drops it, checks again, and sends. The batch is all
//! or nothing, so a half-sent file never needs untangling.
//!
//! - `state`: the import in progress and its steps.
//! - `source`: the file or pasted rows.
//! - `preview`: every row with its problems, the seats, sending.
//! - `line`: one row of the preview, and the CSV edited rows become again.

mod line;
mod preview;
mod source;
mod state;

use leptos::prelude::*;
use roster_shared::account::AccountId;
use roster_shared::api::InviteOptions;

use self::preview::ImportPreviewCard;
use self::source::ImportSource;
use self::state::Import;
use crate::components::invite_options::WithInviteOptions;
use crate::components::invite_outcome::InviteOutcome;
use crate::pages::settings_layout::use_account;

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

/// The import's three stages: the rows to read, their preview, what was sent.
#[component]
fn Importer(
    /// Where the person may give which roles, and the seats.
    options: InviteOptions,
    /// The account the import was opened on (rows without an account go here).
    account: AccountId,
) -> impl IntoView {
    let import = Import::new(options, account);
    move || match import.result.get() {
        Some(done) => view! {
            <InviteOutcome result=done account done="Import sent" test="import-result"
                again="Import another file" on_again=Callback::new(move |()| import.start_over())/>
        }
        .into_any(),
        None if import.preview.with(Option::is_none) => {
            untrack(|| view! { <ImportSource import/> }).into_any()
        }
        None => untrack(|| view! { <ImportPreviewCard import/> }).into_any(),
    }
}
