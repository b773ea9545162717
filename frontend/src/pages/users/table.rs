//! The Users list's table: its states (loading, failed, empty), its sortable columns, its
//! rows and its pager.

use leptos::prelude::*;
use roster_shared::access::UserId;
use roster_shared::account::AccountId;
use roster_shared::api::{EmailDelivery, PeoplePage, PeopleSort, PersonRow, SortOrder};
use roster_shared::invitation::PersonStatus;

use super::actions::{Confirm, RowActions};
use super::address::ListState;
use super::{display_name, status_badge};
use crate::components::load_error::LoadError;
use crate::components::menu::Menu;
use crate::components::pager::SeekPager;
use crate::locale::Time;
use crate::pages::bulk::Selection;
use crate::remote::Remote;
use crate::session::use_session;

#[component]
pub(super) fn PeopleTable(
    people: Remote<PeoplePage>,
    list: ListState,
    account: Signal<AccountId>,
    actions: RowActions,
    selection: Selection,
    /// The ids of the page shown.
    page_ids: Memo<Vec<UserId>>,
) -> impl IntoView {
    let session = use_session();
    let me = move || session.info().map(|i| i.user.id);
    // Another page starts at its first row: the pager sits below the table, and staying
    // scrolled down would show the new page's end first.
    let set_page = Callback::new(move |cursor: Option<String>| {
        list.change(|s| s.cursor = cursor);
        if let Ok(Some(table)) = document().query_selector(".table-card") {
            table.scroll_into_view();
        }
    });
    let clear_filters = move |_| {
        list.refilter(|s| {
            s.q = None;
            s.status = None;
            s.role = None;
            s.inactive = None;
        })
    };
    move || {
        match people.value.get() {
        None => view! { <p class="card muted" role="status">"Loading people…"</p> }.into_any(),
        Some(Err(error)) => view! {
            <LoadError error=error retry=Callback::new(move |()| people.reload()) test="people-error"/>
        }.into_any(),
        Some(Ok(found)) if found.people.is_empty() => view! {
            <div class="card empty" data-test="people-empty">
                {if list.query.with_untracked(|q| q.cursor.is_some()) {
                    // The people of this page left since its link was made.
                    view! {
                        <p>"No one is on this page any more."</p>
                        <button class="button" on:click=move |_| set_page.run(None)>"First page"</button>
                    }.into_any()
                } else if list.filtered() {
                    view! {
                        <p>"No one matches this search and these filters."</p>
                        <button class="button" on:click=clear_filters>"Clear filters"</button>
                    }.into_any()
                } else {
                    view! { <p>"No one has access to this account yet. Invite people with New User."</p> }.into_any()
                }}
            </div>
        }.into_any(),
        Some(Ok(found)) => {
            let here = account.get_untracked();
            let (start, shown, total, total_at_least) =
                (found.start, found.people.len(), found.total, found.total_at_least);
            let (previous, next) = (found.previous.clone(), found.next.clone());
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
                                    <SortHeader list label="Name" key=PeopleSort::Name/>
                                    <SortHeader list label="Email" key=PeopleSort::Email/>
                                    <SortHeader list label="Status" key=PeopleSort::Status/>
                                    <th scope="col">"Access"</th>
                                    <SortHeader list label="Last sign-in" key=PeopleSort::LastSignIn/>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {found.people.into_iter().map(|row| {
                                    let is_me = me() == Some(row.id);
                                    view! {
                                        <PersonLine row account=here is_me resend=actions.resend
                                            copy_link=actions.copy_link ask=actions.ask selection page_ids/>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <SeekPager start shown total total_at_least previous next on_page=set_page label="People"/>
                </div>
            }.into_any()
        }
    }
    }
}

/// A column heading that sorts by `key`, and the other way round when pressed again.
#[component]
fn SortHeader(list: ListState, label: &'static str, key: PeopleSort) -> impl IntoView {
    let sort = Memo::new(move |_| list.query.with(|s| s.sort.unwrap_or(PeopleSort::Name)));
    let order = Memo::new(move |_| list.query.with(|s| s.order.unwrap_or(SortOrder::Asc)));
    let sorted = move || sort.get() == key;
    view! {
        <th scope="col" aria-sort=move || sorted().then(|| if order.get() == SortOrder::Asc { "ascending" } else { "descending" })>
            <button type="button" class="sort-button" on:click=move |_| {
                let flip = sort.get_untracked() == key && order.get_untracked() == SortOrder::Asc;
                list.refilter(|s| {
                    s.sort = Some(key);
                    s.order = Some(if flip { SortOrder::Desc } else { SortOrder::Asc });
                });
            }>
                {label}
                <span class="sort-mark" aria-hidden="true">
                    {move || if !sorted() { "↕" } else if order.get() == SortOrder::Asc { "↑" } else { "↓" }}
                </span>
            </button>
        </th>
    }
}

#[component]
pub(super) fn PersonLine(
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
            // A line break, when the column is narrow, falls after the "@" rather than inside
            // the domain ("ana@example.co" / "m" at 1280 px).
            <td class="person-email">{row.email.local_part().to_owned()}"@"<wbr/>{row.email.domain().to_owned()}</td>
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
