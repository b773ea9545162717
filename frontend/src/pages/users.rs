//! The Users list of an account: everyone with access to it or its sub-accounts (invited
//! people included), searched, filtered, sorted and paged by the server.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use roster_shared::access::UserId;
use roster_shared::account::AccountId;
use roster_shared::api::{
    EmailDelivery, Inactivity, InvitationLink, PeopleQuery, PeopleSort, PersonRow, SortOrder,
};
use roster_shared::invitation::PersonStatus;
use roster_shared::role::Role;

use crate::api;
use crate::components::clipboard::copy_to_clipboard;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::dialog::Dialog;
use crate::components::load_error::LoadError;
use crate::components::menu::Menu;
use crate::components::pager::Pager;
use crate::locale::Time;
use crate::pages::bulk::{BulkBar, Selection};
use crate::pages::settings_layout::use_account;
use crate::remote::Remote;
use crate::session::use_session;

const PER_PAGE: u32 = 50;

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

/// What a row action asks to confirm.
#[derive(Clone)]
enum Confirm {
    Remove(PersonRow),
    Revoke(PersonRow),
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
    let name = move || {
        accounts
            .get(account.get())
            .map(|a| a.name.to_string())
            .unwrap_or_default()
    };
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

/// The list as an address describes it (`?q=ana&status=pending&sort=email&page=3`): Back,
/// reload and a shared link bring back the search, filters, sort and page. Anything missing
/// or not understood reads as the default (everyone, by name, page 1).
fn list_query(get: impl Fn(&str) -> Option<String>) -> PeopleQuery {
    PeopleQuery {
        q: get("q").filter(|q| !q.trim().is_empty()),
        status: get("status").and_then(|s| PersonStatus::ALL.into_iter().find(|p| p.as_str() == s)),
        role: get("role").and_then(|r| Role::parse(&r).ok()),
        inactive: get("inactive").and_then(|i| Inactivity::parse(&i)),
        sort: Some(match get("sort").as_deref() {
            Some("email") => PeopleSort::Email,
            Some("status") => PeopleSort::Status,
            Some("last_sign_in") => PeopleSort::LastSignIn,
            _ => PeopleSort::Name,
        }),
        order: Some(match get("order").as_deref() {
            Some("desc") => SortOrder::Desc,
            _ => SortOrder::Asc,
        }),
        page: Some(
            get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(1)
                .max(1),
        ),
        per_page: Some(PER_PAGE),
    }
}

/// The address of the list in `state`, leaving out what is the default.
fn list_address(path: &str, state: &PeopleQuery) -> String {
    let sort = state.sort.filter(|s| *s != PeopleSort::Name);
    let query = PeopleQuery {
        q: state.q.clone(),
        status: state.status,
        role: state.role,
        inactive: state.inactive,
        sort,
        order: state.order.filter(|o| *o != SortOrder::Asc),
        page: state.page.filter(|p| *p > 1),
        per_page: None,
    };
    format!("{path}{}", api::people_query_string(&query))
}

/// Asks for the list's page and New User's options while this screen's code is still on its
/// way (the route runs this when it opens): without it, opening the Users list fetched the
/// code, then the list, one after the other.
pub fn ask_ahead() {
    let location = window().location();
    let path = location.pathname().unwrap_or_default();
    if let Some((account, _)) = crate::accounts::account_in_path(&path) {
        let search =
            web_sys::UrlSearchParams::new_with_str(&location.search().unwrap_or_default()).ok();
        let query = list_query(|key| search.as_ref().and_then(|s| s.get(key)));
        api::prefetch(api::people_path(account, &query));
        api::prefetch(api::invite_options_path(account));
    }
}

#[component]
fn PeopleList() -> impl IntoView {
    let account = use_account();
    let session = use_session();
    let me = move || session.info().map(|i| i.user.id);

    // The list's state is the address's: every change is a new address (replacing this one,
    // so Back leaves the list rather than undoing a filter), and Back to the list, a reload or
    // a shared link restore it. Its answer may already be on its way (`ask_ahead`).
    let address = use_query_map();
    let pathname = use_location().pathname;
    let navigate = StoredValue::new_local(use_navigate());
    let state = Memo::new(move |_| address.with(|a| list_query(|key| a.get(key))));
    let change = move |edit: &dyn Fn(&mut PeopleQuery)| {
        let mut next = state.get_untracked();
        edit(&mut next);
        navigate.get_value()(
            &list_address(&pathname.get_untracked(), &next),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let q = Memo::new(move |_| state.with(|s| s.q.clone().unwrap_or_default()));
    let status = Memo::new(move |_| state.with(|s| s.status));
    let role = Memo::new(move |_| state.with(|s| s.role));
    let inactive = Memo::new(move |_| state.with(|s| s.inactive));
    let sort = Memo::new(move |_| state.with(|s| s.sort.unwrap_or(PeopleSort::Name)));
    let order = Memo::new(move |_| state.with(|s| s.order.unwrap_or(SortOrder::Asc)));
    let page = Memo::new(move |_| state.with(|s| s.page.unwrap_or(1)));
    // Another page starts at its first row: the pager sits below the table, and staying
    // scrolled down would show the new page's end first.
    let set_page = Callback::new(move |p: u32| {
        change(&|s| s.page = Some(p.max(1)));
        if let Ok(Some(table)) = document().query_selector(".table-card") {
            table.scroll_into_view();
        }
    });
    // What the search box shows: what is typed, which reaches the address once typing pauses;
    // an address that changes otherwise (Back, a link) shows its own search.
    let search = RwSignal::new(q.get_untracked());
    Effect::new(move |_| {
        let searched = q.get();
        if untrack(|| search.get().trim() != searched.trim()) {
            search.set(searched);
        }
    });

    // Someone accepting an invitation or changing access elsewhere shows up without a reload.
    let live = crate::live::use_live();
    let people = Remote::new(move || {
        live.people.track();
        let id = account.get();
        let query = state.get();
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
    let filter_key = Memo::new(move |_| (q.get(), status.get(), role.get(), inactive.get()));
    Effect::new(move |previous: Option<()>| {
        filter_key.track();
        if previous.is_some() {
            selection.clear();
        }
    });
    let page_ids = Memo::new(move |_| {
        people.value.with(|v| match v {
            Some(Ok(list)) => list.people.iter().map(|p| p.id).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    });
    let total = Memo::new(move |_| {
        people.value.with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map_or(0, |l| l.total)
        })
    });
    let accounts = crate::accounts::use_accounts();
    let account_name = Signal::derive(move || {
        accounts
            .get(account.get())
            .map(|a| a.name.to_string())
            .unwrap_or_else(|| "this account".into())
    });
    let grantable = Signal::derive(move || {
        options.value.with(|o| match o {
            Some(Ok(o)) => o.accounts.clone(),
            _ => Vec::new(),
        })
    });
    let bulk_done = Callback::new(move |()| people.reload());

    // The search asks the server once typing pauses.
    let debounce = StoredValue::new(None::<TimeoutHandle>);
    let on_search = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        search.set(text.clone());
        if let Some(handle) = debounce.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                change(&|s| {
                    s.q = Some(text.clone()).filter(|q| !q.trim().is_empty());
                    s.page = Some(1);
                })
            },
            Duration::from_millis(250),
        )
        .ok();
        debounce.set_value(handle);
    };
    let filtered = move || {
        !q.get().trim().is_empty()
            || status.get().is_some()
            || role.get().is_some()
            || inactive.get().is_some()
    };
    // The CSV export is the list as filtered and sorted now, every page of it.
    let export_url = move || {
        let query = PeopleQuery {
            page: None,
            per_page: None,
            ..state.get()
        };
        api::people_csv_url(account.get(), &api::people_query_string(&query))
    };
    let clear_filters = move |_| {
        search.set(String::new());
        change(&|s| {
            s.q = None;
            s.status = None;
            s.role = None;
            s.inactive = None;
            s.page = Some(1);
        });
    };

    // Row actions and what they report.
    let notice = RwSignal::new(None::<Result<String, String>>);
    let link = RwSignal::new(None::<(String, InvitationLink)>);
    let copied = RwSignal::new(None::<bool>);
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
    let confirm_message = move |remove: bool| {
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
    };

    let header = move |label: &'static str, key: PeopleSort| {
        let sorted = move || sort.get() == key;
        view! {
            <th scope="col" aria-sort=move || sorted().then(|| if order.get() == SortOrder::Asc { "ascending" } else { "descending" })>
                <button type="button" class="sort-button" on:click=move |_| {
                    let flip = sort.get_untracked() == key && order.get_untracked() == SortOrder::Asc;
                    change(&|s| {
                        s.sort = Some(key);
                        s.order = Some(if flip { SortOrder::Desc } else { SortOrder::Asc });
                        s.page = Some(1);
                    });
                }>
                    {label}
                    <span class="sort-mark" aria-hidden="true">
                        {move || if !sorted() { "↕" } else if order.get() == SortOrder::Asc { "↑" } else { "↓" }}
                    </span>
                </button>
            </th>
        }
    };
    let status_filter = move |label: &'static str, value: Option<PersonStatus>| {
        view! {
            <button type="button" class="segment" aria-pressed=move || (status.get() == value).to_string()
                data-test=format!("status-{}", label.to_lowercase())
                on:click=move |_| change(&|s| { s.status = value; s.page = Some(1); })>{label}</button>
        }
    };

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
            {move || notice.get().map(|n| match n {
                Ok(text) => view! { <div class="alert ok" role="status" data-test="notice">{text}</div> }.into_any(),
                Err(text) => view! { <div class="alert error" role="alert" data-test="notice">{text}</div> }.into_any(),
            })}
            <div class="toolbar" role="search">
                <div class="field search-field">
                    <label for="people-search" class="visually-hidden">"Search by name or email"</label>
                    <input id="people-search" class="input" type="search" placeholder="Search by name or email"
                        autocomplete="off" prop:value=move || search.get() on:input=on_search data-test="people-search"/>
                </div>
                <div class="segments" role="group" aria-label="Status">
                    {status_filter("All", None)}
                    {status_filter("Active", Some(PersonStatus::Active))}
                    {status_filter("Pending", Some(PersonStatus::Pending))}
                    {status_filter("Expired", Some(PersonStatus::Expired))}
                </div>
                <div class="field role-filter">
                    <label for="role-filter" class="visually-hidden">"Role"</label>
                    <select id="role-filter" class="select" data-test="role-filter" on:change=move |ev| {
                        let picked = Role::parse(&event_target_value(&ev)).ok();
                        change(&|s| { s.role = picked; s.page = Some(1); });
                    }>
                        <option value="" prop:selected=move || role.get().is_none()>"All roles"</option>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() prop:selected=move || role.get() == Some(r)>{r.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field role-filter">
                    <label for="inactive-filter" class="visually-hidden">"Last sign-in"</label>
                    <select id="inactive-filter" class="select" data-test="inactive-filter" on:change=move |ev| {
                        let picked = Inactivity::parse(&event_target_value(&ev));
                        change(&|s| { s.inactive = picked; s.page = Some(1); });
                    }>
                        <option value="" prop:selected=move || inactive.get().is_none()>"Any last sign-in"</option>
                        {Inactivity::ALL.into_iter().map(|i| view! {
                            <option value=i.as_str() prop:selected=move || inactive.get() == Some(i)>{i.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <BulkBar selection account account_name total page=page_ids filters=state grantable on_done=bulk_done/>
            {move || match people.value.get() {
                None => view! { <p class="card muted" role="status">"Loading people…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <LoadError error=error retry=Callback::new(move |()| people.reload()) test="people-error"/>
                }.into_any(),
                Some(Ok(list)) if list.people.is_empty() => view! {
                    <div class="card empty" data-test="people-empty">
                        {if filtered() {
                            view! {
                                <p>"No one matches this search and these filters."</p>
                                <button class="button" on:click=clear_filters>"Clear filters"</button>
                            }.into_any()
                        } else {
                            view! { <p>"No one has access to this account yet. Invite people with New User."</p> }.into_any()
                        }}
                    </div>
                }.into_any(),
                Some(Ok(list)) => {
                    let total = list.total;
                    let here = account.get_untracked();
                    view! {
                        <div class="card table-card">
                            <div class="table-wrap">
                                <table class="people" aria-busy=move || people.loading.get().to_string() data-test="people">
                                    <caption class="visually-hidden">"Users, sorted by the column marked"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col" class="select-cell">
                                                <input type="checkbox" class="checkbox" aria-label="Select everyone on this page"
                                                    data-test="select-page"
                                                    prop:checked=move || page_ids.with(|ids| selection.page_selected(ids))
                                                    on:change=move |_| page_ids.with_untracked(|ids| selection.toggle_page(ids))/>
                                            </th>
                                            {header("Name", PeopleSort::Name)}
                                            {header("Email", PeopleSort::Email)}
                                            {header("Status", PeopleSort::Status)}
                                            <th scope="col">"Access"</th>
                                            {header("Last sign-in", PeopleSort::LastSignIn)}
                                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list.people.into_iter().map(|row| {
                                            let is_me = me() == Some(row.id);
                                            view! { <PersonLine row account=here is_me resend copy_link ask selection page_ids/> }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <Pager page=page per_page=PER_PAGE total=total on_page=set_page label="People"/>
                        </div>
                    }.into_any()
                }
            }}
            <ConfirmDialog open=remove_open title="Remove from this account" id="remove-dialog"
                message=confirm_message(true) confirm_label="Remove" danger=true
                pending=confirm_pending error=confirm_error on_confirm=confirm/>
            <ConfirmDialog open=revoke_open title="Revoke invitation" id="revoke-dialog"
                message=confirm_message(false) confirm_label="Revoke invitation" danger=true
                pending=confirm_pending error=confirm_error on_confirm=confirm/>
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
        </section>
    }
}

#[component]
fn PersonLine(
    /// The person.
    row: PersonRow,
    /// The account whose list this is.
    account: AccountId,
    /// The person is the viewer.
    is_me: bool,
    /// Sends the invitation again.
    resend: Callback<PersonRow>,
    /// Makes and shows a link to the invitation.
    copy_link: Callback<PersonRow>,
    /// Asks to confirm a removal or revocation.
    ask: Callback<Confirm>,
    /// The rows ticked for acting on many at once.
    selection: Selection,
    /// The ids of the page shown.
    page_ids: Memo<Vec<UserId>>,
) -> impl IntoView {
    let who = display_name(&row);
    let profile = format!("/accounts/{account}/people/{}", row.id);
    let invited = row.invitation.is_some();
    // Someone whose only access here comes from an account above is changed up there.
    let only_inherited = !row.access.is_empty() && row.access.iter().all(|a| a.inherited);
    let pending = invited && row.status == PersonStatus::Pending;
    let expired = row.status == PersonStatus::Expired;
    let email_trouble = row
        .invitation
        .as_ref()
        .map(|i| i.email)
        .filter(|e| matches!(e, EmailDelivery::Failed | EmailDelivery::Retrying));
    let row_for_menu = row.clone();
    let row_for_hint = row.clone();
    let user: UserId = row.id;
    view! {
        <tr data-test="person-row" data-email=row.email.to_string() data-user=user.0
            class:selected=move || selection.is_selected(user)>
            <td class="select-cell">
                <input type="checkbox" class="checkbox" aria-label=format!("Select {who}") data-test="select-row"
                    prop:checked=move || selection.is_selected(user)
                    on:change=move |_| page_ids.with_untracked(|ids| selection.toggle(user, ids))/>
            </td>
            <td class="person-name">
                <a href=profile.clone()>
                    {match &row.name {
                        Some(name) => name.to_string(),
                        None => "—".to_owned(),
                    }}
                </a>
                {is_me.then(|| view! { <span class="muted small">" (you)"</span> })}
            </td>
            <td class="person-email">{row.email.to_string()}</td>
            <td>
                <span class=status_badge(row.status) data-test="status">{row.status.label()}</span>
                {row.invitation.as_ref().filter(|_| row.status != PersonStatus::Active).map(|i| view! {
                    <span class="muted small invitation-expiry" data-test="expiry">
                        {if row.status == PersonStatus::Expired { "Expired " } else { "Expires " }}
                        <Time at=i.expires_at relative=true/>
                    </span>
                })}
                {email_trouble.map(|trouble| view! {
                    <button type="button" class="link-button warn-text small email-hint"
                        title=if trouble == EmailDelivery::Failed { "The invitation email could not be delivered." } else { "Delivering the invitation email failed so far; Roster keeps trying." }
                        on:click=move |_| resend.run(row_for_hint.clone()) data-test="email-failed">
                        "Email failed — Resend"
                    </button>
                })}
            </td>
            <td>
                <ul class="role-chips">
                    {row.access.iter().map(|a| {
                        let title = match (a.pending, a.inherited) {
                            (true, _) => Some("Offered by the invitation".to_owned()),
                            (false, true) => Some(format!("Held on {}, which covers this account", a.account_name)),
                            _ => None,
                        };
                        view! {
                            <li class="role-chip" class:pending=a.pending class:inherited=a.inherited title=title data-test="role-chip">
                                {if a.inherited {
                                    format!("{} · from {}", a.role.label(), a.account_name)
                                } else {
                                    format!("{} · {}", a.role.label(), a.account_name)
                                }}
                                {a.pending.then(|| view! { <span class="visually-hidden">" (invited)"</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </td>
            <td data-test="last-sign-in">{match row.last_sign_in_at {
                Some(at) => view! { <Time at relative=true/> }.into_any(),
                None => "Never".into_any(),
            }}</td>
            <td class="actions-cell">
                <Menu label=format!("Actions for {who}") test="row-menu">
                    {
                        let row = row_for_menu.clone();
                        let profile = profile.clone();
                        let (r1, r2, r3, r4) = (row.clone(), row.clone(), row.clone(), row);
                        view! {
                            <a role="menuitem" tabindex="-1" href=profile>"Edit profile"</a>
                            {(pending || expired).then(|| view! {
                                <button type="button" role="menuitem" tabindex="-1" class="menu-item"
                                    on:click=move |_| resend.run(r1.clone())>
                                    {if expired { "Re-invite" } else { "Resend invitation" }}
                                </button>
                            })}
                            {pending.then(|| view! {
                                <button type="button" role="menuitem" tabindex="-1" class="menu-item"
                                    on:click=move |_| copy_link.run(r2.clone())>"Copy invitation link"</button>
                            })}
                            {invited.then(|| view! {
                                <button type="button" role="menuitem" tabindex="-1" class="menu-item"
                                    on:click=move |_| ask.run(Confirm::Revoke(r3.clone()))>"Revoke invitation"</button>
                            })}
                            {(!is_me && !only_inherited).then(|| view! {
                                <button type="button" role="menuitem" tabindex="-1" class="menu-item danger-text"
                                    on:click=move |_| ask.run(Confirm::Remove(r4.clone()))>"Remove from this account"</button>
                            })}
                        }
                    }
                </Menu>
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(address: &str) -> PeopleQuery {
        let pairs: HashMap<&str, &str> = address
            .trim_start_matches('?')
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .collect();
        list_query(|key| pairs.get(key).map(|v| v.replace("%20", " ")))
    }

    #[test]
    fn the_list_round_trips_through_its_address() {
        let state = PeopleQuery {
            q: Some("ana lo".into()),
            status: Some(PersonStatus::Pending),
            role: Some(Role::Admin),
            inactive: Some(Inactivity::Days90),
            sort: Some(PeopleSort::LastSignIn),
            order: Some(SortOrder::Desc),
            page: Some(3),
            per_page: Some(PER_PAGE),
        };
        let address = list_address("/accounts/1/users", &state);
        assert_eq!(
            address,
            "/accounts/1/users?q=ana%20lo&status=pending&role=admin&inactive=90d&sort=last_sign_in&order=desc&page=3"
        );
        assert_eq!(read(address.trim_start_matches("/accounts/1/users")), state);
    }

    #[test]
    fn the_default_list_has_a_bare_address_and_nonsense_reads_as_default() {
        let first = read("");
        assert_eq!(
            list_address("/accounts/1/users", &first),
            "/accounts/1/users"
        );
        assert_eq!(
            read("?status=gone&role=king&sort=shoe&order=up&page=-2&inactive=1y"),
            first
        );
        assert_eq!(read("?page=0").page, Some(1));
    }
}
