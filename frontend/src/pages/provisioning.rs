//! Settings › Provisioning: the groups an identity provider (Okta, Microsoft Entra ID) pushes
//! through SCIM, and what each gives its members. A group gives nothing until an Owner of the
//! top-level account chooses one role and the accounts it applies to; from then on joining the
//! group gives that access and leaving it takes it back (the rule is `roster_shared::groups`).

use leptos::prelude::*;
use roster_shared::account::AccountId;
use roster_shared::api::{GrantableAccount, GroupGrant, GroupGrantOutcome, PushedGroup};
use roster_shared::groups;
use roster_shared::role::Role;

use crate::accounts::use_accounts;
use crate::api;
use crate::components::account_tree_picker::AccountTreePicker;
use crate::components::dialog::Dialog;
use crate::components::load_error::LoadError;
use crate::components::role_select::RoleSelect;
use crate::pages::settings_layout::use_account;
use crate::remote::Remote;

/// "Admin on Support, Sales", or what an unmapped group gives.
fn gives(grant: Option<&GroupGrant>, accounts: &[GrantableAccount]) -> String {
    let Some(grant) = grant else {
        return "Nothing yet".to_owned();
    };
    let names: Vec<String> = grant
        .accounts
        .iter()
        .map(|id| {
            accounts
                .iter()
                .find(|a| a.id == *id)
                .map_or_else(|| format!("account {id}"), |a| a.name.to_string())
        })
        .collect();
    format!("{} on {}", grant.role.label(), names.join(", "))
}

/// What the page says after a group's access was chosen.
fn outcome_text(outcome: &GroupGrantOutcome, accounts: &[GrantableAccount]) -> String {
    let people = match outcome.changed {
        0 => "no one's access changed".to_owned(),
        1 => "1 person's access changed".to_owned(),
        n => format!("{n} people's access changed"),
    };
    format!(
        "“{}” now gives {}: {people}.",
        outcome.group.name,
        match &outcome.group.grant {
            Some(_) => gives(outcome.group.grant.as_ref(), accounts),
            None => "nothing".to_owned(),
        }
    )
}

#[component]
pub fn ProvisioningPage() -> impl IntoView {
    let account = use_account();
    let accounts = use_accounts();
    let groups = Remote::new(move || {
        let id = account.get();
        async move { api::pushed_groups(id).await }
    });
    let options = Remote::new(move || {
        let id = account.get();
        async move { api::invite_options(id).await }
    });
    let grantable = Signal::derive(move || {
        options
            .value
            .get()
            .and_then(Result::ok)
            .map(|o| o.accounts)
            .unwrap_or_default()
    });
    let top_level = Signal::derive(move || {
        accounts
            .get(account.get())
            .is_none_or(|a| a.parent.is_none())
    });
    let owner =
        Signal::derive(move || groups::chooses_access(accounts.get(account.get()).map(|a| a.role)));
    // Each User the provider creates takes a seat: when none is free, it is refused.
    let seats = Remote::new(move || {
        let id = account.get();
        async move { api::seat_overview(id).await }
    });
    let outcome = RwSignal::new(None::<GroupGrantOutcome>);
    let editing = RwSignal::new(None::<PushedGroup>);
    let open = RwSignal::new(false);
    Effect::new(move |_| {
        account.track();
        outcome.set(None);
    });
    let on_saved = Callback::new(move |done: GroupGrantOutcome| {
        open.set(false);
        outcome.set(Some(done));
        groups.reload();
    });

    view! {
        <section aria-labelledby="provisioning-title" class="provisioning">
            <div class="page-head">
                <h1 id="provisioning-title">"Provisioning"</h1>
                <p class="muted">
                    "Groups your identity provider (such as Okta or Microsoft Entra ID) pushes through SCIM. A group gives nothing until an Owner chooses a role and the accounts it applies to; then everyone in the group gets that access, and leaving the group takes it back."
                </p>
            </div>
            {move || outcome.get().map(|done| view! {
                <div class="alert ok" role="status" data-test="provisioning-notice">
                    <p>{outcome_text(&done, &grantable.get())}</p>
                    {(!done.refused.is_empty()).then(|| view! {
                        <p>"Kept as they were, as the access rules require:"</p>
                        <ul data-test="provisioning-refused">
                            {done.refused.iter().map(|line| view! { <li>{line.clone()}</li> }).collect_view()}
                        </ul>
                    })}
                </div>
            })}
            {move || top_level.get().then(|| seats.value.get().and_then(Result::ok).map(|found| {
                let total = found.seats.included + found.seats.extra;
                let full = found.seats.used >= total;
                let href = format!("/accounts/{}/seats", account.get_untracked());
                view! {
                    <div class="card provisioning-seats" class:alert=full class:warn=full data-test="provisioning-seats">
                        <p>
                            {format!("Seats: {} of {total} in use. Each person your provider creates or activates takes one.", found.seats.used)}
                            {full.then_some(" No seat is free: the provider's next new user will be refused until more are bought.")}
                        </p>
                        {(full && found.can_manage).then(|| view! {
                            <a class="button small" href=href data-test="buy-more">"Buy more"</a>
                        })}
                    </div>
                }
            }))}
            {move || if !top_level.get() {
                view! {
                    <p class="card muted" data-test="provisioning-top-level">
                        "Provisioning is set on the organisation's top-level account: open it with the account switcher."
                    </p>
                }.into_any()
            } else {
                view! {
                    <h2 class="visually-hidden">"Groups"</h2>
                    {move || match groups.value.get() {
                        None => view! { <p class="card muted" role="status">"Loading…"</p> }.into_any(),
                        Some(Err(error)) => view! {
                            <LoadError error=error retry=Callback::new(move |()| groups.reload())/>
                        }.into_any(),
                        Some(Ok(list)) if list.is_empty() => view! {
                            <p class="card muted" data-test="groups-empty">
                                "No groups yet. When your identity provider pushes groups through SCIM (set it up with a token under "
                                <a href=move || format!("/accounts/{}/tokens", account.get())>"API tokens"</a>
                                "), they appear here."
                            </p>
                        }.into_any(),
                        Some(Ok(list)) => view! {
                            <div class="card table-card">
                                <div class="table-wrap">
                                    <table class="groups-table" aria-busy=move || groups.loading.get().to_string() data-test="pushed-groups">
                                        <caption class="visually-hidden">"Groups your identity provider pushed"</caption>
                                        <thead>
                                            <tr>
                                                <th scope="col">"Group"</th>
                                                <th scope="col">"Members"</th>
                                                <th scope="col">"Gives"</th>
                                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list.into_iter().map(|group| {
                                                let name = group.name.clone();
                                                let for_edit = group.clone();
                                                let grant = group.grant.clone();
                                                let unmapped = grant.is_none();
                                                let label = format!("Choose access for {name}");
                                                view! {
                                                    <tr data-test="pushed-group" data-name=name.clone()>
                                                        <td>
                                                            <span class="group-name">{name.clone()}</span>
                                                            {group.external_id.map(|id| view! { <br/><code class="muted small">{id}</code> })}
                                                        </td>
                                                        <td class="nowrap">{group.members}</td>
                                                        <td data-test="group-gives" class:muted=unmapped>
                                                            {move || gives(grant.as_ref(), &grantable.get())}
                                                        </td>
                                                        <td class="actions-cell">
                                                            {move || owner.get().then(|| {
                                                                let for_edit = for_edit.clone();
                                                                let label = label.clone();
                                                                view! {
                                                                    <button type="button" class="button small" data-test="choose-access"
                                                                        aria-label=label
                                                                        on:click=move |_| {
                                                                            editing.set(Some(for_edit.clone()));
                                                                            open.set(true);
                                                                        }>"Choose access"</button>
                                                                }
                                                            })}
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            </div>
                            {move || (!owner.get()).then(|| view! {
                                <p class="alert info" data-test="owners-only">"Only Owners of this account choose what a group gives."</p>
                            })}
                        }.into_any(),
                    }}
                }.into_any()
            }}
            <Dialog open title="Access from a group" id="group-access-dialog">
                {move || editing.get().map(|group| view! {
                    <GrantForm group accounts=grantable on_saved on_cancel=Callback::new(move |()| open.set(false))/>
                })}
            </Dialog>
        </section>
    }
}

/// The role and accounts a group gives, chosen by an Owner.
#[component]
fn GrantForm(
    group: PushedGroup,
    /// The organisation's accounts, with the roles the Owner may give on each.
    accounts: Signal<Vec<GrantableAccount>>,
    on_saved: Callback<GroupGrantOutcome>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let account = use_account();
    let role = RwSignal::new(group.grant.as_ref().map(|g| g.role).or(Some(Role::Basic)));
    let selected = RwSignal::new(
        group
            .grant
            .as_ref()
            .map(|g| g.accounts.clone())
            .unwrap_or_default(),
    );
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let roles = Signal::derive(move || {
        accounts.with(|all| {
            all.iter()
                .find(|a| a.parent.is_none())
                .map(|a| a.roles.clone())
                .unwrap_or_else(|| Role::ALL.to_vec())
        })
    });
    // A problem said about the choice goes once the choice changes.
    Effect::new(move |_| {
        selected.track();
        role.track();
        problem.set(None);
    });
    let id = group.id;
    let mapped = group.grant.is_some();
    let send = move |grant: Option<GroupGrant>| {
        pending.set(true);
        problem.set(None);
        leptos::task::spawn_local(async move {
            let result = api::set_group_grant(account.get_untracked(), id, grant.as_ref()).await;
            pending.set(false);
            match result {
                Ok(done) => on_saved.run(done),
                Err(error) => problem.set(Some(error.message())),
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen: Vec<AccountId> = selected.get_untracked();
        let Some(role) = role.get_untracked() else {
            problem.set(Some("Choose the role the group gives.".to_owned()));
            return;
        };
        if chosen.is_empty() {
            problem.set(Some(
                "Choose at least one account the group gives access to.".to_owned(),
            ));
            return;
        }
        send(Some(GroupGrant {
            role,
            accounts: chosen,
        }));
    };
    view! {
        <form class="form group-grant-form" on:submit=submit novalidate data-test="group-grant-form">
            <p>{format!("Everyone in “{}” gets this access; leaving the group takes it back. A role someone was given by hand that is higher stays theirs.", group.name)}</p>
            <div class="field">
                <label for="group-role">"Role"</label>
                <RoleSelect id="group-role" value=role options=roles/>
            </div>
            <AccountTreePicker id="group-accounts" legend="Accounts" accounts selected/>
            {move || problem.get().map(|m| view! { <div class="alert error" role="alert" data-test="group-grant-problem">{m}</div> })}
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || pending.get() data-test="save-group-access">
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
                {mapped.then(|| view! {
                    <button type="button" class="button danger-text" disabled=move || pending.get() data-test="give-nothing"
                        on:click=move |_| send(None)>"Give nothing"</button>
                })}
                <button type="button" class="button ghost" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use roster_shared::name::AccountName;

    use super::*;

    fn account(id: i64, name: &str) -> GrantableAccount {
        GrantableAccount {
            id: AccountId(id),
            parent: None,
            name: AccountName::parse(name).expect("a name"),
            depth: 0,
            roles: Role::ALL.to_vec(),
        }
    }

    #[test]
    fn a_group_says_what_it_gives() {
        let accounts = [account(1, "Acme"), account(2, "Support")];
        assert_eq!(gives(None, &accounts), "Nothing yet");
        let grant = GroupGrant {
            role: Role::Admin,
            accounts: vec![AccountId(1), AccountId(2)],
        };
        assert_eq!(gives(Some(&grant), &accounts), "Admin on Acme, Support");
    }
}
