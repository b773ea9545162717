//! What a row's ⋮ menu does (send the invitation again, copy its link, revoke it, remove the
//! person), the questions it asks first and what it reports.

use leptos::prelude::*;
use roster_shared::account::AccountId;
use roster_shared::api::{InvitationLink, PeoplePage, PersonRow};

use super::display_name;
use crate::api;
use crate::components::clipboard::copy_to_clipboard;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::dialog::Dialog;
use crate::remote::Remote;

/// What a row action asks to confirm.
#[derive(Clone)]
pub(super) enum Confirm {
    Remove(PersonRow),
    Revoke(PersonRow),
}

/// The row actions of one list, and the state of what they show.
#[derive(Clone, Copy)]
pub(super) struct RowActions {
    /// What the last action did (or why it could not), above the list.
    pub(super) notice: RwSignal<Option<Result<String, String>>>,
    pub(super) resend: Callback<PersonRow>,
    pub(super) copy_link: Callback<PersonRow>,
    pub(super) ask: Callback<Confirm>,
    confirm: Callback<()>,
    link: RwSignal<Option<(String, InvitationLink)>>,
    copied: RwSignal<Option<bool>>,
    link_open: RwSignal<bool>,
    confirming: RwSignal<Option<Confirm>>,
    remove_open: RwSignal<bool>,
    revoke_open: RwSignal<bool>,
    confirm_pending: RwSignal<bool>,
    confirm_error: RwSignal<Option<String>>,
}

impl RowActions {
    /// The actions on `account`'s list, which loads `people` again after a change.
    pub(super) fn new(account: Signal<AccountId>, people: Remote<PeoplePage>) -> Self {
        let notice = RwSignal::new(None::<Result<String, String>>);
        let link = RwSignal::new(None);
        let copied = RwSignal::new(None);
        let link_open = RwSignal::new(false);
        let confirming = RwSignal::new(None::<Confirm>);
        let remove_open = RwSignal::new(false);
        let revoke_open = RwSignal::new(false);
        let confirm_pending = RwSignal::new(false);
        let confirm_error = RwSignal::new(None::<String>);
        let resend = Callback::new(move |row: PersonRow| {
            let id = account.get_untracked();
            let who = display_name(&row);
            notice.set(None);
            leptos::task::spawn_local(async move {
                match api::resend_invitation(id, row.id).await {
                    Ok(info) => {
                        notice.set(Some(Ok(format!(
                            "Invitation sent again to {who}. It is valid until {}.",
                            crate::locale::date(info.expires_at)
                        ))));
                        people.reload();
                    }
                    Err(error) => notice.set(Some(Err(error.message()))),
                }
            });
        });
        let copy_link = Callback::new(move |row: PersonRow| {
            let id = account.get_untracked();
            let who = display_name(&row);
            notice.set(None);
            leptos::task::spawn_local(async move {
                match api::invitation_link(id, row.id).await {
                    Ok(invitation) => {
                        copy_to_clipboard(&invitation.url, copied);
                        link.set(Some((who, invitation)));
                        link_open.set(true);
                    }
                    Err(error) => notice.set(Some(Err(error.message()))),
                }
            });
        });
        let ask = Callback::new(move |what: Confirm| {
            confirm_error.set(None);
            match what {
                Confirm::Remove(_) => remove_open.set(true),
                Confirm::Revoke(_) => revoke_open.set(true),
            }
            confirming.set(Some(what));
        });
        let confirm = Callback::new(move |()| {
            let Some(what) = confirming.get_untracked() else {
                return;
            };
            let id = account.get_untracked();
            confirm_pending.set(true);
            leptos::task::spawn_local(async move {
                let (result, done) = match &what {
                    Confirm::Remove(row) => (
                        api::remove_person(id, row.id).await,
                        format!(
                            "{} no longer has access to this account.",
                            display_name(row)
                        ),
                    ),
                    Confirm::Revoke(row) => (
                        api::revoke_invitation(id, row.id).await,
                        format!("The invitation of {} was revoked.", display_name(row)),
                    ),
                };
                confirm_pending.set(false);
                match result {
                    Ok(()) => {
                        remove_open.set(false);
                        revoke_open.set(false);
                        notice.set(Some(Ok(done)));
                        people.reload();
                    }
                    Err(error) => confirm_error.set(Some(error.message())),
                }
            });
        });
        RowActions {
            notice,
            resend,
            copy_link,
            ask,
            confirm,
            link,
            copied,
            link_open,
            confirming,
            remove_open,
            revoke_open,
            confirm_pending,
            confirm_error,
        }
    }

    /// The question before a removal (`remove`) or a revocation.
    fn question(&self, remove: bool) -> Signal<String> {
        let confirming = self.confirming;
        Signal::derive(move || match confirming.get() {
            Some(Confirm::Remove(row)) if remove => format!(
                "Remove {} from this account and its sub-accounts? Their access here ends at once.",
                display_name(&row)
            ),
            Some(Confirm::Revoke(row)) if !remove => format!(
                "Revoke the invitation of {}? Its link stops working and the access it offers is withdrawn.",
                display_name(&row)
            ),
            _ => String::new(),
        })
    }
}

/// What the row actions report above the list.
#[component]
pub(super) fn ActionNotice(actions: RowActions) -> impl IntoView {
    move || {
        actions.notice.get().map(|n| match n {
            Ok(text) => {
                view! { <div class="alert ok" role="status" data-test="notice">{text}</div> }
                    .into_any()
            }
            Err(text) => {
                view! { <div class="alert error" role="alert" data-test="notice">{text}</div> }
                    .into_any()
            }
        })
    }
}

/// The row actions' dialogs: the two questions, and the copied invitation link.
#[component]
pub(super) fn ActionDialogs(actions: RowActions) -> impl IntoView {
    let RowActions {
        link,
        copied,
        link_open,
        ..
    } = actions;
    view! {
        <ConfirmDialog open=actions.remove_open title="Remove from this account" id="remove-dialog"
            message=actions.question(true) confirm_label="Remove" danger=true
            pending=actions.confirm_pending error=actions.confirm_error on_confirm=actions.confirm/>
        <ConfirmDialog open=actions.revoke_open title="Revoke invitation" id="revoke-dialog"
            message=actions.question(false) confirm_label="Revoke invitation" danger=true
            pending=actions.confirm_pending error=actions.confirm_error on_confirm=actions.confirm/>
        <Dialog open=link_open title="Invitation link" id="link-dialog">
            {move || link.get().map(|(who, invitation)| view! {
                <p role="status">
                    {move || match copied.get() {
                        Some(true) => "Copied to the clipboard. ",
                        Some(false) => "Copy the link below. ",
                        None => "",
                    }}
                </p>
                <p>{format!("Someone who already has a Roster sign-in for {who} accepts with it after signing in, until {}. Someone new to Roster sets up their sign-in from the invitation emailed to {who}: a copied link cannot.", crate::locale::date(invitation.expires_at))}</p>
                <label class="label" for="invitation-link">"Invitation link"</label>
                <input id="invitation-link" class="input" type="text" readonly prop:value=invitation.url
                    on:focus=move |ev| {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    } data-test="invitation-link"/>
                <div class="form-actions">
                    <button type="button" class="button primary" on:click=move |_| link_open.set(false)>"Done"</button>
                </div>
            })}
        </Dialog>
    }
}
