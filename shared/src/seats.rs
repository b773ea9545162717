//! Seats: how many people a top-level account may have, and how that changes.
//!
//! A plan includes some seats; an account may buy extra ones. Every person with any access
//! anywhere in the top-level account's tree uses one seat, whether active or still invited
//! ([`occupies_seat`]): an expired invitation frees its seat. Inviting needs a free seat per
//! new person; removing seats only removes unused extra seats, never below the plan's included
//! seats nor below the seats in use.

use serde::{Deserialize, Serialize};

use crate::invitation::PersonStatus;
use crate::money::Money;

/// Most seats bought or removed in one go.
pub const MAX_SEAT_CHANGE: u32 = 1000;

/// A number of seats to buy or remove: 1 to [`MAX_SEAT_CHANGE`]. Valid by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = u32, minimum = 1, maximum = 1000))]
#[serde(try_from = "u32", into = "u32")]
pub struct SeatCount(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeatCountError {
    #[error("choose at least 1 seat")]
    Zero,
    #[error("at most {MAX_SEAT_CHANGE} seats at a time")]
    TooMany,
    #[error("seats are counted whole: type a number like 3")]
    NotWhole,
}

impl SeatCount {
    pub fn new(count: u32) -> Result<Self, SeatCountError> {
        match count {
            0 => Err(SeatCountError::Zero),
            n if n > MAX_SEAT_CHANGE => Err(SeatCountError::TooMany),
            n => Ok(SeatCount(n)),
        }
    }

    /// Reads what a person typed in a quantity box.
    ///
    /// Only digits make a count: `2.5`, `2,5`, `1e3` or `3 seats` are refused as they are
    /// (never read as some other number), a minus sign or nothing asks for at least one.
    pub fn parse(input: &str) -> Result<Self, SeatCountError> {
        let typed = input.trim();
        let digits = typed.strip_prefix('-').unwrap_or(typed);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(if typed.is_empty() {
                SeatCountError::Zero
            } else {
                SeatCountError::NotWhole
            });
        }
        if typed.starts_with('-') {
            return Err(SeatCountError::Zero);
        }
        // All digits: too many for u64 is too many seats.
        let count = typed.parse::<u64>().unwrap_or(u64::MAX);
        SeatCount::new(u32::try_from(count).unwrap_or(u32::MAX))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for SeatCount {
    type Error = SeatCountError;

    fn try_from(value: u32) -> Result<Self, Self::Error> {
        SeatCount::new(value)
    }
}

impl From<SeatCount> for u32 {
    fn from(value: SeatCount) -> Self {
        value.0
    }
}

/// Whether a person in this state uses a seat.
pub fn occupies_seat(status: PersonStatus) -> bool {
    match status {
        PersonStatus::Active | PersonStatus::Pending => true,
        PersonStatus::Expired => false,
    }
}

/// The seat situation of one top-level account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatPlan {
    /// Seats the plan includes.
    pub included: u32,
    /// Seats bought on top of the plan.
    pub extra: u32,
    /// People using a seat (see [`occupies_seat`]).
    pub used: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeatError {
    #[error(
        "{} needed but only {free} free: {missing} more {} required",
        seats(*needed),
        if *missing == 1 { "seat" } else { "seats" }
    )]
    NotEnoughSeats {
        needed: u32,
        free: u32,
        missing: u32,
    },
    #[error("{}", removal_message(*requested, *max))]
    TooManyToRemove { requested: u32, max: u32 },
}

/// "1 seat", "3 seats".
pub fn seats(count: u32) -> String {
    if count == 1 {
        "1 seat".to_owned()
    } else {
        format!("{count} seats")
    }
}

fn removal_message(requested: u32, max: u32) -> String {
    let requested = seats(requested);
    if max == 0 {
        format!(
            "cannot remove {requested}: there are no unused extra seats \
             (seats never go below the plan's included seats or the seats in use)"
        )
    } else {
        format!(
            "cannot remove {requested}: at most {max} unused extra {} can be removed",
            if max == 1 { "seat" } else { "seats" }
        )
    }
}

impl SeatPlan {
    pub fn total(&self) -> u32 {
        self.included.saturating_add(self.extra)
    }

    pub fn free(&self) -> u32 {
        self.total().saturating_sub(self.used)
    }

    /// Whether `people` new people fit.
    pub fn check_invite(&self, people: u32) -> Result<(), SeatError> {
        let free = self.free();
        if people > free {
            return Err(SeatError::NotEnoughSeats {
                needed: people,
                free,
                missing: people - free,
            });
        }
        Ok(())
    }

    /// The most seats that may be removed: extra seats that are not in use.
    pub fn max_removable(&self) -> u32 {
        self.extra.min(self.free())
    }

    /// The plan after removing `count` seats, if allowed.
    pub fn remove(&self, count: SeatCount) -> Result<SeatPlan, SeatError> {
        let max = self.max_removable();
        if count.get() > max {
            return Err(SeatError::TooManyToRemove {
                requested: count.get(),
                max,
            });
        }
        Ok(SeatPlan {
            extra: self.extra - count.get(),
            ..*self
        })
    }

    /// The plan after buying `count` seats.
    pub fn buy(&self, count: SeatCount) -> SeatPlan {
        SeatPlan {
            extra: self.extra.saturating_add(count.get()),
            ..*self
        }
    }
}

/// What buying seats costs, shown before the purchase is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatQuote {
    pub quantity: SeatCount,
    pub unit_price: Money,
    pub total: Money,
}

impl SeatQuote {
    /// `None` only if the total does not fit in 64 bits (a misconfigured price).
    pub fn new(quantity: SeatCount, unit_price: Money) -> Option<SeatQuote> {
        Some(SeatQuote {
            quantity,
            unit_price,
            total: unit_price.times(quantity.get())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;

    fn plan(included: u32, extra: u32, used: u32) -> SeatPlan {
        SeatPlan {
            included,
            extra,
            used,
        }
    }

    fn n(count: u32) -> SeatCount {
        SeatCount::new(count).unwrap()
    }

    #[test]
    fn seat_counts_are_bounded() {
        assert_eq!(SeatCount::new(0), Err(SeatCountError::Zero));
        assert_eq!(SeatCount::new(1001), Err(SeatCountError::TooMany));
        assert_eq!(SeatCount::parse(" 12 ").unwrap().get(), 12);
        assert_eq!(SeatCount::parse("-3"), Err(SeatCountError::Zero));
        assert_eq!(
            SeatCount::parse("99999999999"),
            Err(SeatCountError::TooMany)
        );
        assert_eq!(
            SeatCount::parse("99999999999999999999999"),
            Err(SeatCountError::TooMany)
        );
        // Never read as another number.
        for typed in [
            "2.5", "2,5", "1e3", "3 seats", "+3", "٣", "0x10", "-", "-2.5",
        ] {
            assert_eq!(
                SeatCount::parse(typed),
                Err(SeatCountError::NotWhole),
                "{typed}"
            );
        }
        assert_eq!(SeatCount::parse(""), Err(SeatCountError::Zero));
        assert_eq!(SeatCount::parse("0"), Err(SeatCountError::Zero));
        assert_eq!(SeatCount::parse("007").unwrap().get(), 7);
        assert!(serde_json::from_str::<SeatCount>("0").is_err());
        assert_eq!(
            serde_json::from_str::<SeatCount>("1000").unwrap().get(),
            1000
        );
    }

    #[test]
    fn inviting_needs_free_seats_and_says_how_many_are_missing() {
        let p = plan(10, 0, 7);
        assert_eq!(p.check_invite(3), Ok(()));
        let error = p.check_invite(5).unwrap_err();
        assert_eq!(
            error,
            SeatError::NotEnoughSeats {
                needed: 5,
                free: 3,
                missing: 2
            }
        );
        assert_eq!(
            error.to_string(),
            "5 seats needed but only 3 free: 2 more seats required"
        );
    }

    #[test]
    fn removal_never_goes_below_included_or_used() {
        // 10 included + 5 extra, 12 used: 3 extra seats are unused.
        let p = plan(10, 5, 12);
        assert_eq!(p.max_removable(), 3);
        assert_eq!(p.remove(n(3)).unwrap(), plan(10, 2, 12));
        let error = p.remove(n(4)).unwrap_err();
        assert_eq!(
            error,
            SeatError::TooManyToRemove {
                requested: 4,
                max: 3
            }
        );
        assert!(error.to_string().contains("at most 3"), "{error}");
        // Few people: only the extra seats can go, never included ones.
        assert_eq!(plan(10, 5, 1).max_removable(), 5);
        // No extra seats at all.
        let error = plan(10, 0, 1).remove(n(1)).unwrap_err();
        assert!(
            error.to_string().contains("no unused extra seats"),
            "{error}"
        );
    }

    #[test]
    fn expired_invitations_free_their_seat() {
        assert!(occupies_seat(PersonStatus::Active));
        assert!(occupies_seat(PersonStatus::Pending));
        assert!(!occupies_seat(PersonStatus::Expired));
    }

    #[test]
    fn quotes_are_exact() {
        let price = Money::new(1_250, Currency::parse("EUR").unwrap());
        let quote = SeatQuote::new(n(3), price).unwrap();
        assert_eq!(quote.total.minor, 3_750);
        assert_eq!(quote.total.to_string(), "€37.50");
    }

    #[derive(Debug, Clone)]
    enum Op {
        Invite(u32),
        Expire(u32),
        Buy(u32),
        Remove(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1u32..40).prop_map(Op::Invite),
            (1u32..10).prop_map(Op::Expire),
            (1u32..=MAX_SEAT_CHANGE).prop_map(Op::Buy),
            (1u32..=MAX_SEAT_CHANGE).prop_map(Op::Remove),
        ]
    }

    proptest! {
        /// A count is read only from a box holding exactly its digits: whatever else is typed
        /// is refused, never turned into a different number.
        #[test]
        fn a_typed_count_is_exactly_its_digits(typed in "[ 0-9.,+eE-]{0,8}") {
            if let Ok(count) = SeatCount::parse(&typed) {
                let digits = typed.trim();
                prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{typed:?}");
                prop_assert_eq!(digits.parse::<u32>().ok(), Some(count.get()));
            }
        }

        #[test]
        fn no_sequence_pushes_used_above_the_limit(included in 0u32..60, ops in proptest::collection::vec(op(), 1..100)) {
            let mut p = plan(included, 0, 0);
            for op in ops {
                match op {
                    Op::Invite(k) => if p.check_invite(k).is_ok() { p.used += k },
                    Op::Expire(k) => p.used = p.used.saturating_sub(k),
                    Op::Buy(k) => p = p.buy(n(k)),
                    Op::Remove(k) => if let Ok(next) = p.remove(n(k)) {
                        prop_assert!(next.total() >= next.included);
                        p = next;
                    },
                }
                prop_assert!(p.used <= p.total(), "{p:?}");
                prop_assert!(p.total() >= p.included);
            }
        }
    }
}
