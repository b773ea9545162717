//! Unsent forms (New User's addresses and access, Import CSV's rows), kept while the person
//! looks elsewhere (buying seats, another screen) and given back when they open the same form
//! of the same account again. Only to the person who typed them: someone else signing in on
//! this tab starts afresh. Kept in memory: a reload starts afresh too.

use std::any::{Any, TypeId};
use std::collections::HashMap;

use leptos::prelude::*;
use roster_shared::access::UserId;
use roster_shared::account::AccountId;

/// One unsent form of each kind (its type), with whose and for which account it is.
#[derive(Clone, Copy)]
pub struct Drafts(StoredValue<HashMap<TypeId, Kept>, LocalStorage>);

struct Kept {
    user: UserId,
    account: AccountId,
    form: Box<dyn Any>,
}

impl Drafts {
    fn new() -> Self {
        Drafts(StoredValue::new_local(HashMap::new()))
    }

    /// Keeps `form` as `user`'s unsent form of its kind on `account` (replacing the one kept
    /// before); with no one signed in, nothing is kept.
    pub fn keep<T: 'static>(&self, user: Option<UserId>, account: AccountId, form: T) {
        let Some(user) = user else {
            self.forget::<T>();
            return;
        };
        self.0.update_value(|kept| {
            kept.insert(
                TypeId::of::<T>(),
                Kept {
                    user,
                    account,
                    form: Box::new(form),
                },
            );
        });
    }

    /// The form of this kind `user` left unsent on `account`, if there is one.
    pub fn kept<T: Clone + 'static>(&self, user: Option<UserId>, account: AccountId) -> Option<T> {
        let user = user?;
        self.0.with_value(|kept| {
            kept.get(&TypeId::of::<T>())
                .filter(|k| k.user == user && k.account == account)
                .and_then(|k| k.form.downcast_ref::<T>())
                .cloned()
        })
    }

    /// Forgets the unsent form of this kind (it was sent, or started over).
    pub fn forget<T: 'static>(&self) {
        self.0.update_value(|kept| {
            kept.remove(&TypeId::of::<T>());
        });
    }
}

/// Makes room for unsent forms (call once, in the app shell).
pub fn provide_drafts() {
    provide_context(Drafts::new());
}

pub fn use_drafts() -> Drafts {
    expect_context::<Drafts>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Rows(String);

    #[derive(Clone, Debug, PartialEq)]
    struct Addresses(Vec<String>);

    #[test]
    fn a_form_comes_back_to_its_person_on_its_account_only() {
        let owner = Owner::new();
        owner.with(|| {
            let drafts = Drafts::new();
            let (ana, bo) = (Some(UserId(1)), Some(UserId(2)));
            let (acme, other) = (AccountId(10), AccountId(11));
            drafts.keep(ana, acme, Rows("a@example.com,Basic,".into()));
            drafts.keep(ana, acme, Addresses(vec!["b@example.com".into()]));
            assert_eq!(
                drafts.kept::<Rows>(ana, acme),
                Some(Rows("a@example.com,Basic,".into()))
            );
            assert_eq!(
                drafts.kept::<Addresses>(ana, acme),
                Some(Addresses(vec!["b@example.com".into()]))
            );
            assert_eq!(drafts.kept::<Rows>(bo, acme), None);
            assert_eq!(drafts.kept::<Rows>(ana, other), None);
            assert_eq!(drafts.kept::<Rows>(None, acme), None);
            drafts.forget::<Rows>();
            assert_eq!(drafts.kept::<Rows>(ana, acme), None);
            assert!(drafts.kept::<Addresses>(ana, acme).is_some());
            // Signed out: nothing is kept.
            drafts.keep(None, acme, Addresses(Vec::new()));
            assert_eq!(drafts.kept::<Addresses>(ana, acme), None);
        });
    }
}
