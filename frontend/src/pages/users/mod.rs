//! The Users list of an account: everyone with access to it or its sub-accounts (invited
//! people included), searched, filtered, sorted and paged by the server.
//!
//! - `address`: the list's state, kept in the address.
//! - `filters`: the search box and the filters.
//! - `table`: the table, its rows and its pager.
//! - `actions`: what a row's ⋮ menu does, and the dialogs it opens.

mod actions;
mod address;
mod filters;
mod table;

use leptos::prelude::*;
use roster_shared::api::PersonRow;
use roster_shared::invitation::PersonStatus;
use roster_shared::role::Role;

use self::actions::{ActionDialogs, ActionNotice, RowActions};
use self::address::ListState;
pub use self::address::ask_ahead;
use self::filters::ListFilters;
use self::table::PeopleTable;
use crate::api;
use crate::pages::bulk::{BulkBar, Selection};
use crate::pages::settings_layout::use_account;
use crate::remote::Remote;

/// The badge class of a status: Active green, Pending accent, Expired warn.
pub fn status_badge(status: PersonStatus) -> &'static str {
    match status {
        PersonStatus::Active => "badge ok",
        PersonStatus::Pending => "badge accent",
        PersonStatus::Expired => "badge warn",
    }
}

/// How a person is named in sentences: their name, or their address until they have one.
pub fn display_name(row: &PersonRow) -> String {
    row.name
        .as_ref()
        .map(|n| n.to_string())
        .unwrap_or_else(|| row.email.to_string())
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let account = use_account();
    let accounts = crate::accounts::use_accounts();
    // People below Admin manage no one here: they are told so, instead of meeting a refusal.
    // (Until the account list arrives, the list asks the server, which decides anyway.)
    let role = Memo::new(move |_| accounts.get(account.get()).map(|a| a.role));
    move || match role.get() {
        Some(role) if role < Role::Admin => view! { <NoOneToManage role=role/> }.into_any(),
        _ => view! { <PeopleList/> }.into_any(),
    }
}

/// The Users screen of someone with Basic or Reporting access.
#[component]
fn NoOneToManage(role: Role) -> impl IntoView {
    let account = use_account();
    let accounts = crate::accounts::use_accounts();
    let name = move || accounts.name(account.get()).unwrap_or_default();
    view! {
        <section aria-labelledby="users-title">
            <h1 id="users-title">"Users"</h1>
            <div class="card" data-test="users-not-managed">
                <p>
                    {move || format!("You have {} access to {}. ", role.label(), name())}
                    "Only its Admins and Owners see and manage the people who use it."
                </p>
                <ul class="link-list">
                    <li><a href="/profile">"My profile"</a></li>
                    <li><a href="/security">"Sign-in & Security"</a></li>
                </ul>
            </div>
        </section>
    }
}

/// The list itself: the people the address asks for, loaded again when they change elsewhere.
#[component]
fn PeopleList() -> impl IntoView {
    let account = use_account();
    let list = ListState::from_address();
    // Someone accepting an invitation or changing access elsewhere shows up without a reload.
    let live = crate::live::use_live();
    let people = Remote::new(move || {
        live.people.track();
        let id = account.get();
        let query = list.query.get();
        async move { api::people(id, &query).await }
    });
    let options = Remote::new(move || {
        live.people.track();
        let id = account.get();
        async move { api::invite_options(id).await }
    });
    let can_invite = move || {
        options
            .value
            .with(|o| matches!(o, Some(Ok(o)) if o.accounts.iter().any(|a| !a.roles.is_empty())))
    };

    // Rows ticked for acting on many people at once; a new search or filter starts afresh
    // (paging and sorting keep what is ticked).
    let selection = Selection::new();
    let filter_key = Memo::new(move |_| {
        list.query
            .with(|s| (s.q.clone(), s.status, s.role, s.inactive))
    });
    Effect::new(move |previous: Option<()>| {
        filter_key.track();
        if previous.is_some() {
            selection.clear();
        }
    });
    let page_ids = Memo::new(move |_| {
        people.value.with(|v| match v {
            Some(Ok(found)) => found.people.iter().map(|p| p.id).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    });
    let total = Memo::new(move |_| {
        people.value.with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map_or(0, |found| found.total)
        })
    });
    let total_at_least = Memo::new(move |_| {
        people.value.with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().ok())
                .is_some_and(|found| found.total_at_least)
        })
    });
    let accounts = crate::accounts::use_accounts();
    let account_name = Signal::derive(move || {
        accounts
            .name(account.get())
            .unwrap_or_else(|| "this account".into())
    });
    let grantable = Signal::derive(move || {
        options.value.with(|o| match o {
            Some(Ok(o)) => o.accounts.clone(),
            _ => Vec::new(),
        })
    });
    let bulk_done = Callback::new(move |()| people.reload());
    // The CSV export is the list as filtered and sorted now, every page of it.
    let export_url = move || {
        let query = roster_shared::api::PeopleQuery {
            cursor: None,
            per_page: None,
            ..list.query.get()
        };
        api::people_csv_url(account.get(), &api::people_query_string(&query))
    };
    let actions = RowActions::new(account, people);

    view! {
        <section aria-labelledby="users-title">
            <div class="row-between page-head">
                <div>
                    <h1 id="users-title">"Users"</h1>
                    <p class="muted">"Everyone with access to this account or its sub-accounts, and everyone invited."</p>
                </div>
                <div class="actions page-actions">
                    <a class="button" href=export_url download="people.csv" data-test="export-csv">"Export CSV"</a>
                    {move || can_invite().then(|| view! {
                        <a class="button" href=format!("/accounts/{}/users/import", account.get()) data-test="import-csv">"Import CSV"</a>
                        <a class="button primary" href=format!("/accounts/{}/users/new", account.get()) data-test="new-user">"New User"</a>
                    })}
                </div>
            </div>
            <ActionNotice actions/>
            <ListFilters list/>
            <BulkBar selection account account_name total total_at_least page=page_ids filters=list.query grantable on_done=bulk_done/>
            <PeopleTable people list account actions selection page_ids/>
            <ActionDialogs actions/>
        </section>
    }
}
