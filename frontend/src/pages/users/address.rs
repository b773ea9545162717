//! The Users list's state, kept in the address (`?q=ana&status=pending&sort=email&cursor=…`):
//! every change is a new address (replacing this one, so Back leaves the list rather than
//! undoing a filter), and Back to the list, a reload or a shared link restore it.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use roster_shared::api::{Inactivity, PeopleQuery, PeopleSort, SortOrder};
use roster_shared::invitation::PersonStatus;
use roster_shared::role::Role;

use crate::api;

pub(super) const PER_PAGE: u32 = 50;

/// Goes to an address of the list, replacing the current one.
type GoTo = Box<dyn Fn(&str)>;

/// The list as the address says, and the way to change it.
#[derive(Clone, Copy)]
pub(super) struct ListState {
    pub(super) query: Memo<PeopleQuery>,
    pathname: Memo<String>,
    go: StoredValue<GoTo, LocalStorage>,
}

impl ListState {
    /// The state of the address this screen is at.
    pub(super) fn from_address() -> Self {
        let address = use_query_map();
        let navigate = use_navigate();
        let go: GoTo = Box::new(move |to: &str| {
            navigate(
                to,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            )
        });
        ListState {
            query: Memo::new(move |_| address.with(|a| list_query(|key| a.get(key)))),
            pathname: use_location().pathname,
            go: StoredValue::new_local(go),
        }
    }

    /// Changes the list (sort, page: what is shown of the same people).
    pub(super) fn change(&self, edit: impl FnOnce(&mut PeopleQuery)) {
        let mut next = self.query.get_untracked();
        edit(&mut next);
        let to = list_address(&self.pathname.get_untracked(), &next);
        self.go.with_value(|go| go(&to));
    }

    /// Changes which people are listed (search, filters): from the first page again.
    pub(super) fn refilter(&self, edit: impl FnOnce(&mut PeopleQuery)) {
        self.change(|query| {
            edit(query);
            query.cursor = None;
        });
    }

    /// Whether a search or a filter narrows the list.
    pub(super) fn filtered(&self) -> bool {
        self.query.with(|q| {
            q.q.as_ref().is_some_and(|q| !q.trim().is_empty())
                || q.status.is_some()
                || q.role.is_some()
                || q.inactive.is_some()
        })
    }
}

/// The list as an address describes it (`?q=ana&status=pending&sort=email&cursor=…`): Back,
/// reload and a shared link bring back the search, filters, sort and page (the server's cursor
/// of it). Anything missing or not understood reads as the default (everyone, by name, the
/// first page).
pub(super) fn list_query(get: impl Fn(&str) -> Option<String>) -> PeopleQuery {
    PeopleQuery {
        q: get("q").filter(|q| !q.trim().is_empty()),
        status: get("status").and_then(|s| PersonStatus::parse(&s)),
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
        // The server's own text (URL-safe base64), passed back as it came.
        cursor: get("cursor").filter(|c| {
            !c.is_empty()
                && c.len() <= 1024
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }),
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
        cursor: state.cursor.clone(),
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
            cursor: Some("MWFuYS4xNTAuMC40Mi50YW5h".into()),
            per_page: Some(PER_PAGE),
        };
        let address = list_address("/accounts/1/users", &state);
        assert_eq!(
            address,
            "/accounts/1/users?q=ana%20lo&status=pending&role=admin&inactive=90d&sort=last_sign_in&order=desc&cursor=MWFuYS4xNTAuMC40Mi50YW5h"
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
            read("?status=gone&role=king&sort=shoe&order=up&cursor=a%20b&inactive=1y"),
            first
        );
        assert_eq!(read("?cursor=").cursor, None);
    }
}
