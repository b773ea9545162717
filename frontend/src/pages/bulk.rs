//! Acting on many people of the Users list at once ("clearing out inactive users"): the rows
//! ticked (on any page), or every person the current search and filters match; then remove
//! access, change a role on one account, or send invitations again. The confirmation states
//! the count and what happens; the server works through it and the dialog shows how far it is
//! ("Removing access… 200 of 500"), then whom it left as they were and why.

use std::collections::BTreeSet;
use std::time::Duration;

use leptos::prelude::*;
use roster_shared::access::UserId;
use roster_shared::account::AccountId;
use roster_shared::api::{
    BulkAction, BulkOperation, BulkRequest, BulkSelection, GrantableAccount, PeopleQuery,
};
use roster_shared::bulk::PeopleIds;
use roster_shared::role::Role;

use crate::api;
use crate::components::dialog::Dialog;
use crate::locale::{number, people};

/// Who is selected: rows by id, or every match of the list's filters.
#[derive(Clone, Copy)]
pub struct Selection {
    pub ids: RwSignal<BTreeSet<UserId>>,
    pub all_matching: RwSignal<bool>,
}

impl Selection {
    pub fn new() -> Selection {
        Selection {
            ids: RwSignal::new(BTreeSet::new()),
            all_matching: RwSignal::new(false),
        }
    }

    pub fn clear(&self) {
        self.ids.set(BTreeSet::new());
        self.all_matching.set(false);
    }

    pub fn is_selected(&self, id: UserId) -> bool {
        self.all_matching.get() || self.ids.with(|ids| ids.contains(&id))
    }

    /// Ticks or unticks one row. Unticking one of "every match" keeps the rest of this page.
    pub fn toggle(&self, id: UserId, page: &[UserId]) {
        if self.all_matching.get_untracked() {
            self.all_matching.set(false);
            self.ids
                .set(page.iter().copied().filter(|p| *p != id).collect());
        } else {
            self.ids.update(|ids| {
                if !ids.remove(&id) {
                    ids.insert(id);
                }
            });
        }
    }

    /// Every row of this page ticked (or every match).
    pub fn page_selected(&self, page: &[UserId]) -> bool {
        self.all_matching.get()
            || (!page.is_empty() && self.ids.with(|ids| page.iter().all(|id| ids.contains(id))))
    }

    /// The header box: ticks the whole page, or unticks it.
    pub fn toggle_page(&self, page: &[UserId]) {
        if self.page_selected(page) {
            self.all_matching.set(false);
            self.ids.update(|ids| {
                for id in page {
                    ids.remove(id);
                }
            });
        } else {
            self.ids.update(|ids| ids.extend(page.iter().copied()));
        }
    }

    /// How many people the selection holds, `total` being how many match the filters.
    pub fn count(&self, total: u64) -> u64 {
        if self.all_matching.get() {
            total
        } else {
            self.ids.with(|ids| ids.len() as u64)
        }
    }
}

impl Default for Selection {
    fn default() -> Self {
        Selection::new()
    }
}

/// What the dialog asks about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Remove,
    SetRole,
    Resend,
}

impl Kind {
    fn working(self) -> &'static str {
        match self {
            Kind::Remove => "Removing access…",
            Kind::SetRole => "Changing roles…",
            Kind::Resend => "Sending invitations…",
        }
    }
}

/// The bar over the list while people are selected, its actions and their dialogs.
#[component]
pub fn BulkBar(
    /// Who is selected.
    selection: Selection,
    /// The list's account.
    #[prop(into)]
    account: Signal<AccountId>,
    /// The account's name, for the sentences.
    #[prop(into)]
    account_name: Signal<String>,
    /// How many people match the list's filters (all pages).
    #[prop(into)]
    total: Signal<u64>,
    /// More match than `total` (the server counted only so far).
    #[prop(into, optional)]
    total_at_least: Signal<bool>,
    /// The ids on the page shown.
    #[prop(into)]
    page: Signal<Vec<UserId>>,
    /// The list's search and filters, for "every match".
    #[prop(into)]
    filters: Signal<PeopleQuery>,
    /// Accounts where the viewer may give roles, and which.
    #[prop(into)]
    grantable: Signal<Vec<GrantableAccount>>,
    /// Called when an operation finished (the list reloads).
    on_done: Callback<()>,
) -> impl IntoView {
    // The operation once started, and a problem starting or following it.
    let operation = RwSignal::new(None::<BulkOperation>);
    // While an operation runs, the list behind it shrinks (people leave it live): the count
    // stays the one that was confirmed.
    let count = Memo::new(move |_| match operation.get() {
        Some(op) => op.total,
        None => selection.count(total.get()),
    });
    let kind = RwSignal::new(Kind::Remove);
    let remove_open = RwSignal::new(false);
    let role_open = RwSignal::new(false);
    let resend_open = RwSignal::new(false);
    // The change-role choices.
    let role_account = RwSignal::new(None::<AccountId>);
    let role = RwSignal::new(None::<Role>);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let open = move |what: Kind| {
        kind.set(what);
        operation.set(None);
        error.set(None);
        if what == Kind::SetRole {
            let first = grantable.with(|g| g.iter().find(|a| !a.roles.is_empty()).cloned());
            role_account.set(first.as_ref().map(|a| a.id));
            role.set(first.and_then(|a| a.roles.last().copied()));
        }
        match what {
            Kind::Remove => remove_open.set(true),
            Kind::SetRole => role_open.set(true),
            Kind::Resend => resend_open.set(true),
        }
    };
    let roles_there = move || {
        let chosen = role_account.get();
        grantable.with(|g| {
            g.iter()
                .find(|a| Some(a.id) == chosen)
                .map(|a| a.roles.clone())
                .unwrap_or_default()
        })
    };

    let confirm = Callback::new(move |()| {
        let action = match kind.get_untracked() {
            Kind::Remove => BulkAction::Remove,
            Kind::Resend => BulkAction::Resend,
            Kind::SetRole => match (role_account.get_untracked(), role.get_untracked()) {
                (Some(account), Some(role)) => BulkAction::SetRole { account, role },
                _ => {
                    error.set(Some("Choose an account and a role.".into()));
                    return;
                }
            },
        };
        let selection_now = if selection.all_matching.get_untracked() {
            let f = filters.get_untracked();
            BulkSelection::Matching {
                q: f.q,
                status: f.status,
                role: f.role,
                inactive: f.inactive,
            }
        } else {
            let ids: Vec<UserId> = selection
                .ids
                .with_untracked(|ids| ids.iter().copied().collect());
            match PeopleIds::parse(ids) {
                Ok(ids) => BulkSelection::People { ids },
                Err(problem) => {
                    error.set(Some(problem.to_string()));
                    return;
                }
            }
        };
        let request = BulkRequest {
            selection: selection_now,
            action,
        };
        let id = account.get_untracked();
        pending.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::bulk_start(id, &request).await {
                Ok(started) => {
                    let operation_id = started.id;
                    operation.set(Some(started));
                    follow(id, operation_id, operation, error);
                }
                Err(problem) => error.set(Some(problem.message())),
            }
            pending.set(false);
        });
    });
    let finish = move |_| {
        remove_open.set(false);
        role_open.set(false);
        resend_open.set(false);
        if operation.get_untracked().is_some() {
            operation.set(None);
            selection.clear();
            on_done.run(());
        }
    };

    // The dialog's body: the question, then the progress, then what happened.
    let body = move |question: Box<dyn Fn() -> AnyView + Send + Sync>,
                     action_label: Signal<String>,
                     danger: bool| {
        view! {
            {move || match operation.get() {
                None => view! {
                    {question()}
                    {move || error.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
                    <div class="form-actions">
                        <button type="button" class="button ghost" on:click=finish>"Cancel"</button>
                        <button type="button" class="button" class:danger=danger class:primary=!danger
                            disabled=move || pending.get() data-test="bulk-confirm"
                            on:click=move |_| confirm.run(())>{move || action_label.get()}</button>
                    </div>
                }.into_any(),
                Some(op) if op.finished_at.is_none() => view! {
                    <p role="status" aria-live="polite" data-test="bulk-progress">
                        {format!("{} {} of {}", kind.get_untracked().working(), number(op.done), number(op.total))}
                    </p>
                    <progress class="bulk-progress" max=op.total.max(1).to_string() value=op.done.to_string()></progress>
                    <p class="muted small">"You can keep this open or close it: the work goes on either way."</p>
                    {move || error.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
                    <div class="form-actions">
                        <button type="button" class="button ghost" on:click=finish>"Close"</button>
                    </div>
                }.into_any(),
                Some(op) => {
                    let changed = op.done.saturating_sub(op.skipped_count);
                    let headline = if op.interrupted {
                        format!(
                            "Stopped after {} of {}: the server stopped or your access changed. Those not reached were left as they were; select them again to go on.",
                            number(op.done),
                            number(op.total)
                        )
                    } else if op.skipped_count == 0 {
                        format!("Done: {} changed.", people(changed))
                    } else {
                        format!("Done: {} changed, {} left as they were.", people(changed), number(op.skipped_count))
                    };
                    let more = op.skipped_count.saturating_sub(op.skipped.len() as u64);
                    view! {
                        <div class="alert" class:ok=!op.interrupted class:warn=op.interrupted role="status" data-test="bulk-result">
                            <p>{headline}</p>
                        </div>
                        {(!op.skipped.is_empty()).then(|| view! {
                            <ul class="bulk-skips" data-test="bulk-skips">
                                {op.skipped.iter().map(|s| view! {
                                    <li>
                                        <strong>{s.email.as_ref().map(|e| e.to_string()).unwrap_or_else(|| "Someone outside your accounts".into())}</strong>
                                        {format!(": {}", s.message)}
                                    </li>
                                }).collect_view()}
                                {(more > 0).then(|| view! { <li class="muted">{format!("…and {} more", number(more))}</li> })}
                            </ul>
                        })}
                        <div class="form-actions">
                            <button type="button" class="button primary" on:click=finish data-test="bulk-done">"Done"</button>
                        </div>
                    }.into_any()
                }
            }}
        }
    };
    let who = move || people(count.get());

    view! {
        {move || (count.get() > 0).then(|| view! {
            <div class="bulk-bar" role="region" aria-label="Selected people" data-test="bulk-bar">
                <span class="bulk-count" data-test="bulk-count">
                    {move || if selection.all_matching.get() {
                        if total_at_least.get() && operation.with(Option::is_none) {
                            "All matching selected".to_owned()
                        } else {
                            format!("All {} matching selected", number(count.get()))
                        }
                    } else {
                        format!("{} selected", people(count.get()))
                    }}
                </span>
                {move || {
                    let page_ids = page.get();
                    let more = !selection.all_matching.get()
                        && selection.page_selected(&page_ids)
                        && total.get() > count.get();
                    more.then(|| view! {
                        <button type="button" class="link-button" data-test="select-all-matching"
                            on:click=move |_| selection.all_matching.set(true)>
                            {move || if total_at_least.get() {
                                format!("Select all matching (more than {})", number(total.get()))
                            } else {
                                format!("Select all {} matching", people(total.get()))
                            }}
                        </button>
                    })
                }}
                <button type="button" class="link-button" on:click=move |_| selection.clear() data-test="clear-selection">"Clear selection"</button>
                <span class="header-spacer"></span>
                <button type="button" class="button small" on:click=move |_| open(Kind::SetRole) data-test="bulk-set-role">"Change role"</button>
                <button type="button" class="button small" on:click=move |_| open(Kind::Resend) data-test="bulk-resend">"Resend invitations"</button>
                <button type="button" class="button small danger" on:click=move |_| open(Kind::Remove) data-test="bulk-remove">"Remove access"</button>
            </div>
        })}
        <Dialog open=remove_open title="Remove access" id="bulk-remove-dialog">
            {body(
                Box::new(move || view! {
                    <p>{move || format!(
                        "Remove {} from {} and its sub-accounts? Their access here ends at once, and anyone left without access to the organisation frees their seat. Whoever you may not change is left as they are and listed afterwards.",
                        who(), account_name.get()
                    )}</p>
                }.into_any()),
                Signal::derive(move || format!("Remove access of {}", who())),
                true,
            )}
        </Dialog>
        <Dialog open=role_open title="Change role" id="bulk-role-dialog">
            {body(
                Box::new(move || view! {
                    <p>{move || format!("Give {} one role on one account. Where they have no access to it yet, it is added; their other access stays as it is.", who())}</p>
                    <div class="field">
                        <label class="label" for="bulk-role-account">"Account"</label>
                        <select id="bulk-role-account" class="select" on:change=move |ev| {
                            let id = event_target_value(&ev).parse().ok().map(AccountId);
                            role_account.set(id);
                            let roles = roles_there();
                            if !role.get_untracked().is_some_and(|r| roles.contains(&r)) {
                                role.set(roles.last().copied());
                            }
                        }>
                            {move || grantable.get().into_iter().filter(|a| !a.roles.is_empty()).map(|a| {
                                let id = a.id;
                                view! {
                                    <option value=id.0.to_string() prop:selected=move || role_account.get() == Some(id)>
                                        {format!("{}{}", "\u{a0}\u{a0}".repeat(a.depth as usize), a.name)}
                                    </option>
                                }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label class="label" for="bulk-role">"Role"</label>
                        <select id="bulk-role" class="select" on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)).ok())>
                            {move || roles_there().into_iter().map(|r| view! {
                                <option value=r.as_str() prop:selected=move || role.get() == Some(r)>{r.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                }.into_any()),
                Signal::derive(move || format!("Change the role of {}", who())),
                false,
            )}
        </Dialog>
        <Dialog open=resend_open title="Resend invitations" id="bulk-resend-dialog">
            {body(
                Box::new(move || view! {
                    <p>{move || format!(
                        "Send the invitation again to whoever of the {} is still invited (pending or expired), valid for {} days from now. Those who already accepted are left as they are.",
                        who(),
                        roster_shared::invitation::INVITATION_VALIDITY_DAYS
                    )}</p>
                }.into_any()),
                Signal::derive(move || format!("Resend to {}", who())),
                false,
            )}
        </Dialog>
    }
}

/// Asks how far operation `id` is until it is finished (or the screen is gone).
fn follow(
    account: AccountId,
    id: i64,
    operation: RwSignal<Option<BulkOperation>>,
    error: RwSignal<Option<String>>,
) {
    set_timeout(
        move || {
            leptos::task::spawn_local(async move {
                let answer = api::bulk_status(account, id).await;
                // The screen (and its signals) may be gone meanwhile: then nobody is watching.
                let watching = match answer {
                    Ok(now) => {
                        let finished = now.finished_at.is_some();
                        error.try_set(None);
                        operation.try_set(Some(now)).is_none() && !finished
                    }
                    Err(problem) if problem.is_transient() => {
                        error.try_set(Some(problem.message())).is_none()
                    }
                    Err(problem) => {
                        error.try_set(Some(problem.message()));
                        false
                    }
                };
                if watching {
                    follow(account, id, operation, error);
                }
            });
        },
        Duration::from_millis(400),
    );
}
