//! Profile Details of a person (Users › ⋮ › Edit profile), with its tabs Home, Notification
//! preferences and Connected devices. For someone else: their details read-only and "Account
//! and sub account access", edited as a whole and saved at once, with exactly what changed
//! reported back. For yourself: your own User Details, preferences and devices, editable
//! (your access is changed by another Admin or Owner).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use roster_shared::access::UserId;
use roster_shared::account::AccountId;
use roster_shared::api::{
    AccessAssignment, AccessChange, AccessChanges, AccessUpdate, EditableAccess, EmailDelivery,
    GrantableAccount, PersonDetail,
};
use roster_shared::name::AccountName;
use roster_shared::role::Role;

use crate::accounts::use_accounts;
use crate::api;
use crate::components::account_tree_picker::AccountTreePicker;
use crate::components::role_select::RoleSelect;
use crate::locale::Time;
use crate::pages::profile::{DevicesTab, HomeTab, NotificationsTab};
use crate::pages::settings_layout::use_account;
use crate::pages::users::status_badge;
use crate::remote::Remote;

/// One line of an access report: "Support: Basic → Admin", "Added Sales as Reporting",
/// "Removed access to Billing".
pub fn describe_change(change: &AccessChange) -> String {
    let account = &change.account_name;
    match (change.from, change.to) {
        (Some(from), Some(to)) => format!("{account}: {from} → {to}"),
        (None, Some(to)) => format!("Added {account} as {to}"),
        (Some(_), None) => format!("Removed access to {account}"),
        (None, None) => format!("{account}: unchanged"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Home,
    Notifications,
    Devices,
}

#[component]
pub fn PersonPage() -> impl IntoView {
    let account = use_account();
    let params = use_params_map();
    let user = Memo::new(move |_| {
        params.with(|p| p.get_str("user").and_then(|s| s.parse().ok()).map(UserId))
    });
    let detail = Remote::new(move || {
        let id = account.get();
        let user = user.get();
        async move {
            match user {
                Some(user) => api::person(id, user).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let report = RwSignal::new(None::<AccessChanges>);
    // Another person: the last report was about someone else.
    Effect::new(move |_| {
        user.track();
        report.set(None);
    });
    let saved = Callback::new(move |changes: AccessChanges| {
        report.set(Some(changes));
        detail.reload();
    });
    // What to show changes only between loading, failing and showing; fresh data after a save
    // renews the details and the editor but keeps the page (and the report) in place.
    let state = Memo::new(move |_| {
        detail.value.with(|v| match v {
            None => 0,
            Some(Ok(Some(_))) => 1,
            Some(Ok(None)) => 2,
            Some(Err(_)) => 3,
        })
    });
    let person = Signal::derive(move || {
        detail.value.with(|v| match v {
            Some(Ok(Some(p))) => Some(p.clone()),
            _ => None,
        })
    });
    view! {
        <section aria-labelledby="person-title">
            <a class="back-link" href=move || format!("/accounts/{}/users", account.get())>"← Users"</a>
            {move || match state.get() {
                0 => view! { <p class="card muted" role="status">"Loading…"</p> }.into_any(),
                1 => view! { <PersonView person account=account.get_untracked() report on_saved=saved/> }.into_any(),
                2 => view! { <h1 id="person-title">"Person not found"</h1> }.into_any(),
                _ => match report.get() {
                    // The save removed their last access here: the person is no longer part of
                    // this account, so there is nothing more to show than what was done.
                    Some(changes) => view! {
                        <h1 id="person-title">"Profile details"</h1>
                        <ChangeReport changes name=String::new()/>
                        <p>"They no longer have access to this account or its sub-accounts."</p>
                        <a class="button" href=move || format!("/accounts/{}/users", account.get())>"Back to Users"</a>
                    }.into_any(),
                    None => view! {
                        <h1 id="person-title">"Profile details"</h1>
                        <div class="alert error" role="alert">{detail.error()}</div>
                    }.into_any(),
                },
            }}
        </section>
    }
}

#[component]
fn PersonView(
    /// The person as the server shows them to the viewer (renewed after a save).
    person: Signal<Option<PersonDetail>>,
    /// The account whose settings these are.
    account: AccountId,
    /// What the last save changed.
    report: RwSignal<Option<AccessChanges>>,
    /// Called after a save with what changed.
    on_saved: Callback<AccessChanges>,
) -> impl IntoView {
    let tab = RwSignal::new(Tab::Home);
    let name = move || {
        person.with(|p| {
            p.as_ref()
                .map(|p| {
                    p.name
                        .as_ref()
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| p.email.to_string())
                })
                .unwrap_or_default()
        })
    };
    let is_self = person.with_untracked(|p| p.as_ref().is_some_and(|p| p.is_self));
    let status = move || person.with(|p| p.as_ref().map(|p| p.status));
    let tab_button = move |target: Tab, id: &'static str, label: &'static str| {
        view! {
            <button type="button" role="tab" id=id class="tab"
                class:active=move || tab.get() == target
                aria-selected=move || (tab.get() == target).to_string()
                aria-controls="person-panel"
                tabindex=move || if tab.get() == target { "0" } else { "-1" }
                on:click=move |_| tab.set(target)
                on:keydown=move |ev| {
                    let next = match (ev.key().as_str(), target) {
                        ("ArrowRight", Tab::Home) | ("ArrowLeft", Tab::Devices) => Some(Tab::Notifications),
                        ("ArrowRight", Tab::Notifications) | ("Home", _) => Some(Tab::Home),
                        ("ArrowLeft", Tab::Notifications) | ("End", _) => Some(Tab::Devices),
                        ("ArrowRight", Tab::Devices) => Some(Tab::Home),
                        ("ArrowLeft", Tab::Home) => Some(Tab::Devices),
                        _ => None,
                    };
                    if let Some(next) = next {
                        ev.prevent_default();
                        tab.set(next);
                        let id = match next { Tab::Home => "tab-home", Tab::Notifications => "tab-notifications", Tab::Devices => "tab-devices" };
                        if let Some(element) = document().get_element_by_id(id) {
                            use wasm_bindgen::JsCast;
                            if let Ok(element) = element.dyn_into::<web_sys::HtmlElement>() {
                                let _ = element.focus();
                            }
                        }
                    }
                }
            >{label}</button>
        }
    };
    let private = move |what: &'static str| {
        view! { <p class="muted">{format!("Not available: only the person themself can see their {what}.")}</p> }
    };
    view! {
        <h1 id="person-title">"Profile details"</h1>
        <p class="person-head">
            <span class="big" data-test="person-name">{name}</span>
            {move || status().map(|s| view! { <span class=status_badge(s) data-test="person-status">{s.label()}</span> })}
        </p>
        <div class="tabs" role="tablist" aria-label="Profile sections">
            {tab_button(Tab::Home, "tab-home", "Home")}
            {tab_button(Tab::Notifications, "tab-notifications", "Notification preferences")}
            {tab_button(Tab::Devices, "tab-devices", "Connected devices")}
        </div>
        <div id="person-panel" role="tabpanel" aria-labelledby=move || match tab.get() {
            Tab::Home => "tab-home",
            Tab::Notifications => "tab-notifications",
            Tab::Devices => "tab-devices",
        }>
            // Your own profile is the one you edit: User Details, your notification preferences
            // and your devices, the same forms as on your profile pages.
            {move || match tab.get() {
                Tab::Home if is_self => view! {
                    <HomeTab/>
                    {move || person.get().map(|p| view! { <AccessEditor person=p account on_saved/> })}
                }.into_any(),
                Tab::Home => view! {
                    {move || person.get().map(|p| view! { <DetailsCard person=p/> })}
                    {move || report.get().map(|changes| view! { <ChangeReport changes name=untrack(name)/> })}
                    {move || person.get().map(|p| view! { <AccessEditor person=p account on_saved/> })}
                }.into_any(),
                Tab::Notifications if is_self => view! { <NotificationsTab/> }.into_any(),
                Tab::Devices if is_self => view! { <DevicesTab/> }.into_any(),
                Tab::Notifications => view! { <div class="card">{private("notification preferences")}</div> }.into_any(),
                Tab::Devices => view! { <div class="card">{private("connected devices")}</div> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn DetailsCard(
    /// The person.
    person: PersonDetail,
) -> impl IntoView {
    let invitation = person.invitation.as_ref().map(|i| {
        let delivery = match i.email {
            EmailDelivery::Queued => "email queued",
            EmailDelivery::Sent => "email sent",
            EmailDelivery::Retrying => "email not delivered yet, retrying",
            EmailDelivery::Failed => "email could not be delivered",
        };
        format!(
            "Sent {}, valid until {} ({delivery})",
            crate::locale::date(i.sent_at),
            crate::locale::date_time(i.expires_at)
        )
    });
    view! {
        <div class="card">
            <h2>"User details"</h2>
            <dl class="facts" data-test="person-details">
                <dt>"Name"</dt>
                <dd>{person.name.map(|n| n.to_string()).unwrap_or_else(|| "Not chosen yet (set when the invitation is accepted)".into())}</dd>
                <dt>"Email address"</dt>
                <dd>{person.email.to_string()}</dd>
                <dt>"Mobile"</dt>
                <dd>{person.mobile.map(|m| m.to_string()).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Country"</dt>
                <dd>{person.country.map(|c| c.name()).unwrap_or("—")}</dd>
                <dt>"Last sign-in"</dt>
                <dd>{match person.last_sign_in_at {
                    Some(at) => view! { <Time at with_time=true/> }.into_any(),
                    None => "Never".into_any(),
                }}</dd>
                {invitation.map(|text| view! { <dt>"Invitation"</dt><dd>{text}</dd> })}
            </dl>
            <p class="muted small">"Only the person can change their details."</p>
        </div>
    }
}

#[component]
fn ChangeReport(
    /// What the save changed.
    changes: AccessChanges,
    /// The person's name, for the sentence about their seat.
    name: String,
) -> impl IntoView {
    // Focus moves to the report, so keyboard and screen reader users hear what was saved.
    let report_ref = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(report) = report_ref.get() {
            let _ = report.focus();
        }
    });
    view! {
        <div class="alert ok" role="status" tabindex="-1" node_ref=report_ref data-test="access-changes">
            {if changes.changes.is_empty() {
                view! { <p>"Saved. Nothing changed."</p> }.into_any()
            } else {
                view! {
                    <p><strong>"Saved."</strong></p>
                    <ul>{changes.changes.iter().map(|c| view! { <li>{describe_change(c)}</li> }).collect_view()}</ul>
                }.into_any()
            }}
            {changes.removed_from_organisation.then(|| {
                let who = if name.is_empty() { "They".to_owned() } else { name.clone() };
                view! {
                    <p>{format!("{who} no longer has access to any account of this organisation; their seat is free.")}</p>
                }
            })}
        </div>
    }
}

/// A row of the access editor: an existing access entry, possibly changed.
#[derive(Clone, Copy)]
struct EditRow {
    account: AccountId,
    role: RwSignal<Option<Role>>,
}

/// Accounts added with one role ("Assign with another role to more accounts").
#[derive(Clone, Copy)]
struct AddRow {
    key: u32,
    role: RwSignal<Option<Role>>,
    accounts: RwSignal<Vec<AccountId>>,
}

#[component]
fn AccessEditor(
    /// The person, their access and what the viewer may grant.
    person: PersonDetail,
    /// The account whose settings these are.
    account: AccountId,
    /// Called after a save with what changed.
    on_saved: Callback<AccessChanges>,
) -> impl IntoView {
    let user = person.id;
    let entries = StoredValue::new(person.access.clone());
    let inherited = person.inherited.clone();
    let has_inherited = !inherited.is_empty();
    let grantable = StoredValue::new(person.grantable.clone());
    let is_self = person.is_self;
    let make_rows = move || {
        entries.with_value(|e| {
            e.iter()
                .map(|a| EditRow {
                    account: a.account,
                    role: RwSignal::new(Some(a.role)),
                })
                .collect::<Vec<_>>()
        })
    };
    let rows = RwSignal::new(make_rows());
    let added = RwSignal::new(Vec::<AddRow>::new());
    let next_key = StoredValue::new(0u32);
    let saving = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);

    let entry = move |id: AccountId| -> Option<EditableAccess> {
        entries.with_value(|e| e.iter().find(|a| a.account == id).cloned())
    };
    let name_of = move |id: AccountId| -> String {
        entry(id)
            .map(|e| e.account_name)
            .or_else(|| {
                grantable.with_value(|g| g.iter().find(|a| a.id == id).map(|a| a.name.clone()))
            })
            .as_ref()
            .map(AccountName::to_string)
            .unwrap_or_else(|| id.to_string())
    };
    // The roles the viewer may give on an account: where the person has no access yet, what
    // the server offered; where they have it, the roles that row may be set to (so an account
    // whose row was removed can be added back with another role before saving).
    let roles_on = move |id: AccountId| -> Vec<Role> {
        grantable
            .with_value(|g| g.iter().find(|a| a.id == id).map(|a| a.roles.clone()))
            .or_else(|| entry(id).filter(|e| e.removable).map(|e| e.roles))
            .unwrap_or_default()
    };
    let desired = move || -> Result<Vec<AccessAssignment>, String> {
        let mut out = Vec::new();
        for row in rows.get() {
            if let Some(role) = row.role.get() {
                out.push(AccessAssignment {
                    account: row.account,
                    role,
                });
            }
        }
        for row in added.get() {
            let chosen = row.accounts.get();
            if chosen.is_empty() {
                continue;
            }
            let Some(role) = row.role.get() else {
                return Err("Choose a role for the accounts you are adding.".into());
            };
            for id in chosen {
                if !roles_on(id).contains(&role) {
                    return Err(format!("You cannot give {role} on {}.", name_of(id)));
                }
                out.push(AccessAssignment { account: id, role });
            }
        }
        Ok(out)
    };
    let original = move || {
        entries.with_value(|e| {
            e.iter()
                .map(|a| AccessAssignment {
                    account: a.account,
                    role: a.role,
                })
                .collect::<Vec<_>>()
        })
    };
    let dirty = move || desired().map(|d| d != original()).unwrap_or(true);
    crate::unsaved::ask_before_leaving(Signal::derive(move || dirty() && !saving.get()));
    let taken = move || {
        let mut ids: Vec<AccountId> = rows.get().iter().map(|r| r.account).collect();
        for row in added.get() {
            ids.extend(row.accounts.get());
        }
        ids
    };

    let cancel = move |_| {
        rows.set(make_rows());
        added.set(Vec::new());
        failure.set(None);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let access = match desired() {
            Ok(access) => access,
            Err(message) => {
                failure.set(Some(message));
                return;
            }
        };
        failure.set(None);
        saving.set(true);
        leptos::task::spawn_local(async move {
            match api::update_access(account, user, &AccessUpdate { access }).await {
                Ok(changes) => on_saved.run(changes),
                Err(error) => failure.set(Some(error.message())),
            }
            saving.set(false);
        });
    };
    let add_row = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        added.update(|a| {
            a.push(AddRow {
                key,
                role: RwSignal::new(None),
                accounts: RwSignal::new(Vec::new()),
            })
        });
    };
    let can_add = grantable.with_value(|g| g.iter().any(|a| !a.roles.is_empty())) && !is_self;
    // The picker shows the scope as a tree: where access may be added, and (for context,
    // not available) where the person has access already.
    let accounts = use_accounts();
    let picker_accounts = Signal::derive(move || {
        let list = accounts.list();
        let scope = crate::accounts::branch(&list, account);
        let base = scope.first().map(|a| a.depth).unwrap_or_default();
        // The whole scope: the picker draws the real tree and offers what may be given.
        let mut out: Vec<GrantableAccount> = scope
            .into_iter()
            .map(|a| GrantableAccount {
                id: a.id,
                parent: a.parent,
                name: a.name,
                depth: a.depth - base,
                roles: roles_on(a.id),
            })
            .collect();
        // Without the account list (still loading), the grantable accounts alone.
        if out.is_empty() {
            out = grantable.get_value();
        }
        out
    });

    view! {
        <form class="card form" on:submit=save novalidate data-test="access-editor">
            <h2>"Account and sub account access"</h2>
            {is_self.then(|| view! {
                <p class="muted">"You cannot change your own access; another Admin or Owner can."</p>
            })}
            {(!inherited.is_empty()).then(|| view! {
                <ul class="inherited-access" data-test="inherited-access">
                    {inherited.iter().map(|a| view! {
                        <li>
                            <span class="role-chip inherited">{format!("{} · from {}", a.role.label(), a.account_name)}</span>
                            {format!(
                                " Their {} role on {} covers this account and its sub-accounts; it is changed on the Users list of {}.",
                                a.role.label(), a.account_name, a.account_name
                            )}
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {move || (rows.with(Vec::is_empty) && !has_inherited).then(|| view! {
                <p class="muted">"No access to this account or its sub-accounts."</p>
            })}
            <table class="access-table">
                <thead>
                    <tr>
                        <th scope="col">"Account"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col"><span class="visually-hidden">"Remove"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {move || rows.get().into_iter().map(|row| {
                        let Some(info) = entry(row.account) else { return ().into_any() };
                        let name = info.account_name.to_string();
                        let settable = info.roles.clone();
                        let read_only = settable.is_empty();
                        let removable = info.removable;
                        let id = row.account;
                        view! {
                            <tr data-test="access-row" data-account=name.clone()>
                                <td>
                                    {name.clone()}
                                    {info.pending.then(|| view! { <span class="badge accent">"Invited"</span> })}
                                </td>
                                <td>
                                    <RoleSelect id=format!("access-{id}") value=row.role
                                        options=Role::ALL.to_vec() enabled=Signal::derive(move || settable.clone())
                                        aria_label=format!("Role on {name}") disabled=read_only/>
                                </td>
                                <td class="actions-cell">
                                    <button type="button" class="icon-button danger-text"
                                        aria-label=format!("Remove access to {name}")
                                        title=if removable { "Remove access" } else { "You cannot remove this access" }
                                        disabled=!removable
                                        on:click=move |_| rows.update(|r| r.retain(|x| x.account != id))
                                        data-test="remove-access">
                                        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
                                            <path fill="currentColor" d="M9 3h6l1 2h4v2H4V5h4l1-2zm-3 6h12l-1 12H7L6 9zm4 2v8h2v-8h-2zm4 0v8h2v-8h-2z"/>
                                        </svg>
                                    </button>
                                </td>
                            </tr>
                        }.into_any()
                    }).collect_view()}
                </tbody>
            </table>
            {move || added.get().into_iter().map(|row| {
                let role_id = format!("add-{}-role", row.key);
                let enabled = Signal::derive(move || {
                    let chosen = row.accounts.get();
                    Role::ALL.into_iter().filter(|r| {
                        if chosen.is_empty() {
                            picker_accounts.with(|all| all.iter().any(|a| a.roles.contains(r)))
                        } else {
                            chosen.iter().all(|id| roles_on(*id).contains(r))
                        }
                    }).collect::<Vec<_>>()
                });
                let unavailable = Signal::derive(move || {
                    let own = row.accounts.get();
                    taken().into_iter().filter(|id| !own.contains(id)).collect::<Vec<_>>()
                });
                let key = row.key;
                view! {
                    <div class="grant extra" role="group" aria-label="More accounts" data-test="add-access-row">
                        <div class="field grant-role">
                            <label for=role_id.clone()>"Role"</label>
                            <RoleSelect id=role_id value=row.role options=Role::ALL.to_vec() enabled/>
                            <button type="button" class="button ghost small remove-row"
                                on:click=move |_| added.update(|a| a.retain(|x| x.key != key))>"Remove row"</button>
                        </div>
                        <AccountTreePicker id=format!("add-{key}") legend="Accounts"
                            accounts=picker_accounts selected=row.accounts unavailable
                            unavailable_note="already in the list"/>
                    </div>
                }
            }).collect_view()}
            {can_add.then(|| view! {
                <div>
                    <button type="button" class="button ghost" on:click=add_row data-test="assign-more">
                        "+ Assign with another role to more accounts"
                    </button>
                </div>
            })}
            {move || failure.get().map(|m| view! { <div class="alert error" role="alert" data-test="access-error">{m}</div> })}
            <div class="form-actions">
                {move || dirty().then(|| view! { <span class="muted small unsaved">"Unsaved changes"</span> })}
                <button type="button" class="button ghost" on:click=cancel disabled=move || !dirty()>"Cancel"</button>
                <button type="submit" class="button primary" disabled=move || saving.get() || !dirty() data-test="save-access">
                    {move || if saving.get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(from: Option<Role>, to: Option<Role>) -> AccessChange {
        AccessChange {
            account: AccountId(2),
            account_name: AccountName::parse("Support").unwrap(),
            from,
            to,
        }
    }

    #[test]
    fn changes_read_as_sentences() {
        assert_eq!(
            describe_change(&change(Some(Role::Basic), Some(Role::Admin))),
            "Support: Basic → Admin"
        );
        assert_eq!(
            describe_change(&change(None, Some(Role::Reporting))),
            "Added Support as Reporting"
        );
        assert_eq!(
            describe_change(&change(Some(Role::Basic), None)),
            "Removed access to Support"
        );
    }
}
