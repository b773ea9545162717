//! What New User and Import CSV both start from: where the person may give which roles, and
//! the seats. Loads them for the account in the address, explains a failure or that this person
//! cannot invite here, and otherwise hands them to the form.

use leptos::prelude::*;
use roster_shared::account::AccountId;
use roster_shared::api::InviteOptions;

use crate::api;
use crate::components::load_error::LoadError;
use crate::pages::settings_layout::use_account;
use crate::remote::Remote;

#[component]
pub fn WithInviteOptions(
    /// The form, given the options and the account they are for.
    form: fn(InviteOptions, AccountId) -> AnyView,
) -> impl IntoView {
    let account = use_account();
    let options = Remote::new(move || {
        let id = account.get();
        async move { api::invite_options(id).await }
    });
    move || match options.value.get() {
        None => view! { <p class="card muted" role="status">"Loading…"</p> }.into_any(),
        Some(Err(error)) => view! {
            <LoadError error=error retry=Callback::new(move |()| options.reload())/>
        }
        .into_any(),
        Some(Ok(found)) if found.accounts.iter().all(|a| a.roles.is_empty()) => view! {
            <div class="card">
                <p>"You cannot invite people to this account. Admins and Owners can."</p>
            </div>
        }
        .into_any(),
        Some(Ok(found)) => form(found, account.get_untracked()),
    }
}
