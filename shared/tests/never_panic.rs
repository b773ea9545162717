//! Every parser and rule in `roster-shared` answers any input with a value or an error, never
//! a panic: they run on the server for every request and in the browser while people type, and
//! a panic in either is an outage (the browser build aborts on panic).
//!
//! Inputs are arbitrary Unicode plus strings shaped like the real thing (so the deeper branches
//! of each parser run, not only the first rejection), and the JSON route in, since every type
//! deserializes through its parser.

use proptest::prelude::*;
use roster_shared::access::Membership;
use roster_shared::account::{AccountId, AccountTree};
use roster_shared::country::CountryCode;
use roster_shared::email::EmailAddress;
use roster_shared::invitation::InvitationWindow;
use roster_shared::invite_list::InviteList;
use roster_shared::money::{Currency, Money};
use roster_shared::name::{AccountName, PersonName, TokenName};
use roster_shared::password::NewPassword;
use roster_shared::phone::PhoneNumber;
use roster_shared::role::Role;
use roster_shared::seats::{SeatCount, SeatPlan, SeatQuote};
use roster_shared::time::Timestamp;

/// Arbitrary text, weighted towards the characters the parsers care about.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        // Email-ish, with separators, quotes, brackets, IDN and dots in odd places.
        "[a-zA-Z0-9.+_\"<>@, ;\t\n\\[\\]()é日本-]{0,120}",
        // Long runs: the length limits and their off-by-ones.
        "[a-z.@-]{200,400}",
        // Numbers: seat counts, phone numbers, amounts.
        "[+0-9 ().-]{0,40}",
        // Punycode-looking domains.
        "[a-z0-9]{0,10}@xn--[a-z0-9-]{0,70}(\\.[a-z0-9-]{0,10}){0,3}",
    ]
}

fn any_country() -> impl Strategy<Value = CountryCode> {
    prop::sample::select(
        roster_shared::country::all()
            .map(|c| c.code)
            .collect::<Vec<_>>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn text_parsers_never_panic(input in text()) {
        let _ = EmailAddress::parse(&input);
        let _ = InviteList::parse(&input);
        let _ = Role::parse(&input);
        let _ = SeatCount::parse(&input);
        let _ = Currency::parse(&input);
        let _ = NewPassword::parse(&input);
        let _ = NewPassword::parse_for(&input, "ana@example.com");
        let _ = NewPassword::parse_for("correct horse battery", &input);
        let _ = PersonName::parse(&input);
        let _ = AccountName::parse(&input);
        let _ = TokenName::parse(&input);
        let _ = CountryCode::parse(&input);
        let _ = roster_shared::country::search(&input).count();
    }

    #[test]
    fn phone_numbers_never_panic(input in text(), country in any_country()) {
        let _ = PhoneNumber::parse(&input, country);
    }

    #[test]
    fn json_never_panics(input in text()) {
        // The same text as a JSON string: every type deserializes through its parser.
        let json = serde_json::to_string(&input).expect("a string serializes");
        let _ = serde_json::from_str::<EmailAddress>(&json);
        let _ = serde_json::from_str::<Role>(&json);
        let _ = serde_json::from_str::<SeatCount>(&json);
        let _ = serde_json::from_str::<PersonName>(&json);
        let _ = serde_json::from_str::<CountryCode>(&json);
        let _ = serde_json::from_str::<PhoneNumber>(&json);
        // And as raw JSON text (mostly malformed).
        let _ = serde_json::from_str::<SeatCount>(&input);
        let _ = serde_json::from_str::<Money>(&input);
    }

    #[test]
    fn seat_rules_never_panic(included in any::<u32>(), extra in any::<u32>(), used in any::<u32>(),
                              people in any::<u32>(), count in any::<u32>(), price in any::<i64>()) {
        let plan = SeatPlan { included, extra, used };
        let _ = plan.total();
        let _ = plan.free();
        let _ = plan.check_invite(people);
        let _ = plan.max_removable();
        if let Ok(count) = SeatCount::new(count) {
            let _ = plan.remove(count);
            let _ = plan.buy(count);
            let eur = Currency::parse("EUR").expect("EUR is a currency");
            let _ = SeatQuote::new(count, Money::new(price, eur));
        }
    }

    #[test]
    fn time_and_invitations_never_panic(sent in any::<i64>(), now in any::<i64>(), accepted in any::<Option<i64>>()) {
        let _ = Timestamp::from_millis(sent).format_date();
        let _ = Timestamp::from_millis(sent).format_date_time();
        let window = InvitationWindow {
            sent_at: Timestamp::from_millis(sent),
            accepted_at: accepted.map(Timestamp::from_millis),
        };
        let now = Timestamp::from_millis(now);
        let _ = window.expires_at();
        let _ = window.status(now);
        let _ = window.check_acceptable(now);
        let _ = window.reissue(now);
        let _ = window.accept(now);
    }

    #[test]
    fn account_trees_never_panic(
        rows in prop::collection::vec((0i64..40, prop::option::of(0i64..40), any::<bool>()), 0..40),
        memberships in prop::collection::vec((0i64..40, 0usize..4), 0..6),
        probe in 0i64..40,
    ) {
        let rows = rows.into_iter().map(|(id, parent, archived)| (AccountId(id), parent.map(AccountId), archived));
        if let Ok(mut tree) = AccountTree::from_rows(rows) {
            let probe = AccountId(probe);
            let _ = tree.ancestors(probe);
            let _ = tree.descendants(probe);
            let _ = tree.depth(probe);
            let _ = tree.is_within(probe, AccountId(0));
            let _ = tree.check_can_add_under(probe);
            let _ = tree.check_can_archive(probe);
            let roles = [Role::Owner, Role::Admin, Role::Basic, Role::Reporting];
            let memberships: Vec<Membership> = memberships
                .into_iter()
                .map(|(account, role)| Membership { account: AccountId(account), role: roles[role] })
                .collect();
            let _ = tree.accessible(&memberships);
            let _ = tree.add(AccountId(probe.0 + 100), Some(probe));
            let _ = tree.move_under(probe, AccountId(0));
            let _ = tree.archive(probe);
        }
    }
}
