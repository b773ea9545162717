//! Sub-accounts: the tree below an account. Admins and Owners create, rename, archive and
//! restore them; everyone else sees the tree.

use leptos::prelude::*;
use roster_shared::api::{AccountNameRequest, AccountSummary};
use roster_shared::name::AccountName;

use crate::accounts::{branch, use_accounts};
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::dialog::Dialog;
use crate::components::field::{Input, TextField};
use crate::pages::settings_layout::use_account;

#[component]
pub fn SubAccountsPage() -> impl IntoView {
    let account = use_account();
    let accounts = use_accounts();
    let tree = Memo::new(move |_| branch(&accounts.list(), account.get()));
    let manages = move |a: &AccountSummary| a.role.manages_users() && !a.archived;
    let notice = RwSignal::new(None::<String>);

    // Create / rename: one name field, two dialogs.
    let target = RwSignal::new(None::<AccountSummary>);
    let name = Input::new();
    let create_open = RwSignal::new(false);
    let rename_open = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let archive_open = RwSignal::new(false);
    let archive_error = RwSignal::new(None::<String>);
    let restore_open = RwSignal::new(false);
    let restore_error = RwSignal::new(None::<String>);

    // While typing: the shared rule against the siblings this screen already lists (the
    // server decides again, for siblings it cannot see and for names taken meanwhile).
    Effect::new(move |_| {
        let typed = name.value.get();
        let creating = create_open.get();
        if !creating && !rename_open.get() {
            return;
        }
        let (Some(on), Ok(typed)) = (target.get(), AccountName::parse(&typed)) else {
            return;
        };
        let list = accounts.list();
        let (parent, except) = if creating {
            (Some(on.id), None)
        } else {
            (on.parent, Some(on.id))
        };
        let Some(parent) = parent.and_then(|p| list.iter().find(|a| a.id == p)) else {
            return;
        };
        if let Some(sibling) = list.iter().find(|a| {
            a.parent == Some(parent.id)
                && !a.archived
                && Some(a.id) != except
                && a.name.reads_as(&typed)
        }) {
            name.error.set(Some(sibling.name.taken_under(&parent.name)));
        }
    });

    let start_create = move |parent: AccountSummary| {
        name.value.set(String::new());
        name.error.set(None);
        target.set(Some(parent));
        create_open.set(true);
    };
    let start_rename = move |account: AccountSummary| {
        name.value.set(account.name.to_string());
        name.error.set(None);
        target.set(Some(account));
        rename_open.set(true);
    };
    let submit_name = move |creating: bool| {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(parsed) = name.check(AccountName::parse) else {
                return;
            };
            let Some(on) = target.get_untracked() else {
                return;
            };
            pending.set(true);
            leptos::task::spawn_local(async move {
                let request = AccountNameRequest { name: parsed };
                let result = if creating {
                    api::create_sub_account(on.id, &request).await
                } else {
                    api::rename_account(on.id, &request).await
                };
                pending.set(false);
                match result {
                    Ok(done) => {
                        create_open.set(false);
                        rename_open.set(false);
                        notice.set(Some(if creating {
                            format!("{} was created under {}.", done.name, on.name)
                        } else {
                            format!("{} is now called {}.", on.name, done.name)
                        }));
                        accounts.reload();
                    }
                    Err(error) => name.fail(error.field("name").unwrap_or_else(|| error.message())),
                }
            });
        }
    };
    let archive = Callback::new(move |()| {
        let Some(on) = target.get_untracked() else {
            return;
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::archive_account(on.id).await;
            pending.set(false);
            match result {
                Ok(()) => {
                    archive_open.set(false);
                    notice.set(Some(format!("{} was archived.", on.name)));
                    accounts.reload();
                }
                Err(error) => archive_error.set(Some(error.message())),
            }
        });
    });
    let restore = Callback::new(move |()| {
        let Some(on) = target.get_untracked() else {
            return;
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::restore_account(on.id).await;
            pending.set(false);
            match result {
                Ok(()) => {
                    restore_open.set(false);
                    notice.set(Some(format!("{} was restored.", on.name)));
                    accounts.reload();
                }
                Err(error) => restore_error.set(Some(error.message())),
            }
        });
    });
    let restore_message = Signal::derive(move || {
        target
            .get()
            .map(|a| format!("Restore {}? It can be chosen again, and the access people hold there applies again.", a.name))
            .unwrap_or_default()
    });
    let archive_message = Signal::derive(move || {
        target
            .get()
            .map(|a| format!("Archive {}? People keep no access through it, and it can no longer be chosen. Its sub-accounts must be archived first.", a.name))
            .unwrap_or_default()
    });

    view! {
        <section aria-labelledby="sub-accounts-title">
            <div class="row-between page-head">
                <div>
                    <h1 id="sub-accounts-title">"Sub-accounts"</h1>
                    <p class="muted">"A role on an account applies to its sub-accounts too."</p>
                </div>
                {move || tree.get().first().filter(|a| manages(a)).cloned().map(|here| view! {
                    <button type="button" class="button primary" on:click=move |_| start_create(here.clone()) data-test="new-sub-account">"New sub-account"</button>
                })}
            </div>
            {move || notice.get().map(|n| view! { <div class="alert ok" role="status">{n}</div> })}
            {move || (!accounts.loaded()).then(|| view! { <p class="card muted" role="status">"Loading…"</p> })}
            {move || tree.get().first().filter(|a| !manages(a)).map(|_| view! {
                <p class="alert info">"Only Admins and Owners can create, rename or archive sub-accounts."</p>
            })}
            {move || {
                let list = tree.get();
                let base = list.first().map(|a| a.depth).unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <ul class="card account-tree" data-test="account-tree-list">
                        {list.into_iter().map(|a| {
                            let can = manages(&a);
                            let top_level = a.parent.is_none();
                            let can_restore = a.archived && a.role.manages_users();
                            let (for_create, for_rename, for_archive) = (a.clone(), a.clone(), a.clone());
                            let for_restore = a.clone();
                            let label = a.name.to_string();
                            view! {
                                <li class=format!("account-node depth-{}", (a.depth - base).min(8)) class:archived=a.archived data-test="account-node">
                                    <a href=format!("/accounts/{}/users", a.id) class="account-node-name">{a.name.to_string()}</a>
                                    {a.archived.then(|| view! { <span class="badge">"Archived"</span> })}
                                    <span class="muted small">{format!("Your role: {}", a.role)}</span>
                                    {can.then(|| view! {
                                        <span class="node-actions">
                                            <button type="button" class="button ghost small" aria-label=format!("Add sub-account under {label}")
                                                on:click=move |_| start_create(for_create.clone())>"Add sub-account"</button>
                                            <button type="button" class="button ghost small" aria-label=format!("Rename {label}")
                                                on:click=move |_| start_rename(for_rename.clone())>"Rename"</button>
                                            {(!top_level).then(|| view! {
                                                <button type="button" class="button ghost small danger-text"
                                                    aria-label=format!("Archive {label}")
                                                    on:click=move |_| {
                                                        archive_error.set(None);
                                                        target.set(Some(for_archive.clone()));
                                                        archive_open.set(true);
                                                    }>"Archive"</button>
                                            })}
                                        </span>
                                    })}
                                    {can_restore.then(|| view! {
                                        <span class="node-actions">
                                            <button type="button" class="button ghost small" aria-label=format!("Restore {label}")
                                                on:click=move |_| {
                                                    restore_error.set(None);
                                                    target.set(Some(for_restore.clone()));
                                                    restore_open.set(true);
                                                }>"Restore"</button>
                                        </span>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }}
            <Dialog open=create_open title="New sub-account" id="create-dialog">
                <form class="form" on:submit=submit_name(true) novalidate>
                    <p class="muted">{move || target.get().map(|t| format!("Under {}.", t.name))}</p>
                    <TextField id="sub-account-name" label="Name" value=name.value error=name.error/>
                    <div class="form-actions">
                        <button type="button" class="button ghost" on:click=move |_| create_open.set(false)>"Cancel"</button>
                        <button type="submit" class="button primary" disabled=move || pending.get() data-test="create-sub-account">"Create"</button>
                    </div>
                </form>
            </Dialog>
            <Dialog open=rename_open title="Rename account" id="rename-dialog">
                <form class="form" on:submit=submit_name(false) novalidate>
                    <TextField id="account-new-name" label="Name" value=name.value error=name.error/>
                    <div class="form-actions">
                        <button type="button" class="button ghost" on:click=move |_| rename_open.set(false)>"Cancel"</button>
                        <button type="submit" class="button primary" disabled=move || pending.get()>"Rename"</button>
                    </div>
                </form>
            </Dialog>
            <ConfirmDialog open=archive_open title="Archive account" id="archive-dialog" message=archive_message
                confirm_label="Archive" danger=true pending=pending error=archive_error on_confirm=archive/>
            <ConfirmDialog open=restore_open title="Restore account" id="restore-dialog" message=restore_message
                confirm_label="Restore" pending=pending error=restore_error on_confirm=restore/>
        </section>
    }
}
