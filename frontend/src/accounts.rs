//! The accounts the signed-in person can open, shared by the header's `AccountSwitcher`, the
//! start page and the settings screens; and how an account appears in the address
//! (`/accounts/{id}/…`), so links and reloads keep it.

use leptos::prelude::*;
use roster_shared::account::AccountId;
use roster_shared::api::AccountSummary;

use crate::api;
use crate::remote::Remote;
use crate::session::use_session;

#[derive(Clone, Copy)]
pub struct Accounts {
    /// Every account the person can open, in tree order.
    pub remote: Remote<Vec<AccountSummary>>,
    /// The account the person chose last in this tab (starts as the session's
    /// `last_account`).
    pub last: RwSignal<Option<AccountId>>,
}

impl Accounts {
    /// Loads the list again (after creating, renaming or archiving an account).
    pub fn reload(&self) {
        self.remote.reload();
    }

    /// The accounts, once loaded (tracked; empty before).
    pub fn list(&self) -> Vec<AccountSummary> {
        self.remote.value.with(|v| match v {
            Some(Ok(list)) => list.clone(),
            _ => Vec::new(),
        })
    }

    /// The account with this id, if the person can open it (tracked).
    pub fn get(&self, id: AccountId) -> Option<AccountSummary> {
        self.remote.value.with(|v| match v {
            Some(Ok(list)) => list.iter().find(|a| a.id == id).cloned(),
            _ => None,
        })
    }

    /// The name of account `id`, once the list has it.
    pub fn name(&self, id: AccountId) -> Option<String> {
        self.get(id).map(|a| a.name.to_string())
    }

    /// Whether the list has arrived (or failed).
    pub fn loaded(&self) -> bool {
        self.remote.value.with(Option::is_some)
    }

    /// Records the account the person switched to, here and for their next sign-in.
    pub fn remember(&self, id: AccountId) {
        if self.last.get_untracked() != Some(id) {
            self.last.set(Some(id));
            leptos::task::spawn_local(async move {
                // Only a convenience for the next sign-in: a failure changes nothing now.
                let _ = api::set_last_account(id).await;
            });
        }
    }
}

/// Loads the accounts whenever someone signs in, and makes them reachable with
/// [`use_accounts`].
pub fn provide_accounts() -> Accounts {
    let session = use_session();
    let person = Memo::new(move |_| session.info().map(|i| (i.user.id, i.last_account)));
    let last = RwSignal::new(None);
    // Access given or taken elsewhere changes which accounts the switcher lists.
    let live = crate::live::use_live();
    let remote = Remote::new(move || {
        live.access.track();
        let signed_in = person.get();
        async move {
            match signed_in {
                Some(_) => api::accounts().await,
                None => Ok(Vec::new()),
            }
        }
    });
    Effect::new(move |_| {
        if let Some((_, last_account)) = person.get() {
            last.set(last_account);
        }
    });
    let accounts = Accounts { remote, last };
    provide_context(accounts);
    accounts
}

pub fn use_accounts() -> Accounts {
    expect_context::<Accounts>()
}

/// The account an address names, and what follows it: `/accounts/12/users/new` is
/// `(12, "users/new")`.
pub fn account_in_path(path: &str) -> Option<(AccountId, &str)> {
    let rest = path.strip_prefix("/accounts/")?;
    let (id, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let id = id.parse().ok().map(AccountId)?;
    Some((id, rest.trim_end_matches('/')))
}

/// Where switching to account `to` leads from `path`: the same screen for that account
/// (a person's page becomes the Users list, since they may not be there), or its Users list.
pub fn switch_path(path: &str, to: AccountId) -> String {
    let section = match account_in_path(path) {
        Some((_, "users/new")) => "users/new",
        Some((_, rest)) => match rest.split('/').next().unwrap_or_default() {
            "" | "users" | "people" => "users",
            other => other,
        },
        None => "users",
    };
    format!("/accounts/{to}/{section}")
}

/// Where the app opens for this person: the account they used last if they manage people
/// there, otherwise the first where they do; `None` when they manage people nowhere.
pub fn start_account(list: &[AccountSummary], last: Option<AccountId>) -> Option<AccountId> {
    let manages = |a: &&AccountSummary| !a.archived && a.role.manages_users();
    last.and_then(|id| list.iter().filter(manages).find(|a| a.id == id))
        .or_else(|| list.iter().find(manages))
        .map(|a| a.id)
}

/// `root` and every account below it, from a list in tree order (each account right after
/// its parent, so the branch is the run of deeper accounts that follows `root`).
pub fn branch(list: &[AccountSummary], root: AccountId) -> Vec<AccountSummary> {
    let Some(start) = list.iter().position(|a| a.id == root) else {
        return Vec::new();
    };
    let depth = list[start].depth;
    std::iter::once(&list[start])
        .chain(list[start + 1..].iter().take_while(|a| a.depth > depth))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_shared::name::AccountName;
    use roster_shared::role::Role;

    fn account(id: i64, role: Role, archived: bool) -> AccountSummary {
        AccountSummary {
            id: AccountId(id),
            parent: None,
            root: AccountId(1),
            name: AccountName::parse("A").unwrap(),
            depth: 0,
            role,
            archived,
        }
    }

    #[test]
    fn the_account_is_read_from_the_address() {
        assert_eq!(
            account_in_path("/accounts/12/users/new"),
            Some((AccountId(12), "users/new"))
        );
        assert_eq!(account_in_path("/accounts/7"), Some((AccountId(7), "")));
        assert_eq!(account_in_path("/accounts/x/users"), None);
        assert_eq!(account_in_path("/profile"), None);
    }

    #[test]
    fn switching_keeps_the_screen() {
        let to = AccountId(3);
        assert_eq!(switch_path("/accounts/1/users", to), "/accounts/3/users");
        assert_eq!(
            switch_path("/accounts/1/users/new", to),
            "/accounts/3/users/new"
        );
        assert_eq!(switch_path("/accounts/1/people/9", to), "/accounts/3/users");
        assert_eq!(switch_path("/accounts/1/audit", to), "/accounts/3/audit");
        assert_eq!(
            switch_path("/accounts/1/sub-accounts/", to),
            "/accounts/3/sub-accounts"
        );
        assert_eq!(switch_path("/profile", to), "/accounts/3/users");
    }

    #[test]
    fn the_start_is_where_the_person_manages_people() {
        let list = [
            account(1, Role::Basic, false),
            account(2, Role::Admin, true),
            account(3, Role::Admin, false),
            account(4, Role::Owner, false),
        ];
        assert_eq!(start_account(&list, Some(AccountId(4))), Some(AccountId(4)));
        assert_eq!(start_account(&list, Some(AccountId(1))), Some(AccountId(3)));
        assert_eq!(start_account(&list, None), Some(AccountId(3)));
        assert_eq!(start_account(&list[..2], None), None);
    }

    #[test]
    fn a_branch_is_the_account_and_what_follows_deeper() {
        let node = |id: i64, depth: u8| AccountSummary {
            id: AccountId(id),
            parent: None,
            root: AccountId(1),
            name: AccountName::parse("A").unwrap(),
            depth,
            role: Role::Admin,
            archived: false,
        };
        let list = [node(1, 0), node(2, 1), node(3, 2), node(4, 1), node(5, 0)];
        let ids = |root| -> Vec<i64> {
            branch(&list, AccountId(root))
                .iter()
                .map(|a| a.id.0)
                .collect()
        };
        assert_eq!(ids(1), [1, 2, 3, 4]);
        assert_eq!(ids(2), [2, 3]);
        assert_eq!(ids(4), [4]);
        assert!(ids(9).is_empty());
    }
}
