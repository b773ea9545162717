//! Acting on many people at once from the Users list ("Clearing out inactive users"): which
//! people a selection may hold.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::access::UserId;

/// The most people one operation acts on: a whole large organisation's inactive people, while
/// a mistaken "every match" on an enormous organisation is refused with a clear message.
pub const MOST_PEOPLE: usize = 10_000;

/// The people picked row by row: at least one, at most [`MOST_PEOPLE`], each once (in the
/// order picked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "Vec<UserId>", into = "Vec<UserId>")]
pub struct PeopleIds(Vec<UserId>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    #[error("Select at least one person.")]
    Empty,
    #[error("At most {MOST_PEOPLE} people can be changed at once; {0} were selected.")]
    TooMany(usize),
}

impl PeopleIds {
    pub fn parse(ids: Vec<UserId>) -> Result<PeopleIds, SelectionError> {
        let mut seen = BTreeSet::new();
        let ids: Vec<UserId> = ids.into_iter().filter(|id| seen.insert(*id)).collect();
        match ids.len() {
            0 => Err(SelectionError::Empty),
            n if n > MOST_PEOPLE => Err(SelectionError::TooMany(n)),
            _ => Ok(PeopleIds(ids)),
        }
    }

    pub fn as_slice(&self) -> &[UserId] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<Vec<UserId>> for PeopleIds {
    type Error = SelectionError;

    fn try_from(ids: Vec<UserId>) -> Result<Self, Self::Error> {
        PeopleIds::parse(ids)
    }
}

impl From<PeopleIds> for Vec<UserId> {
    fn from(ids: PeopleIds) -> Self {
        ids.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_selection_holds_each_person_once_and_not_too_many() {
        let ids = PeopleIds::parse(vec![UserId(3), UserId(1), UserId(3)]).unwrap();
        assert_eq!(ids.as_slice(), &[UserId(3), UserId(1)]);
        assert_eq!(PeopleIds::parse(Vec::new()), Err(SelectionError::Empty));
        let many = (0..=MOST_PEOPLE as i64).map(UserId).collect();
        assert_eq!(
            PeopleIds::parse(many),
            Err(SelectionError::TooMany(MOST_PEOPLE + 1))
        );
        let error = serde_json::from_str::<PeopleIds>("[]").unwrap_err();
        assert!(error.to_string().contains("Select at least one person."));
    }

    proptest! {
        #[test]
        fn whatever_parses_is_distinct_and_in_bounds(ids in proptest::collection::vec(0i64..50, 0..80)) {
            match PeopleIds::parse(ids.iter().copied().map(UserId).collect()) {
                Ok(parsed) => {
                    let distinct: BTreeSet<_> = parsed.as_slice().iter().collect();
                    prop_assert_eq!(distinct.len(), parsed.len());
                    prop_assert!(!parsed.is_empty() && parsed.len() <= MOST_PEOPLE);
                    prop_assert!(ids.iter().all(|id| parsed.as_slice().contains(&UserId(*id))));
                }
                Err(_) => prop_assert!(ids.is_empty()),
            }
        }
    }
}
