//! The Users list paged by cursor: every order read page by page, forwards and back, is the
//! list read at once; a page link keeps its place while people come and go; the CSV export,
//! written while it is read, holds every person once.

use std::collections::HashSet;

use roster_shared::api::{AuditPage, PeoplePage, PersonRow};
use roster_shared::invitation::PersonStatus;
use roster_shared::role::Role;
use roster_shared::seats::SeatQuote;
use roster_tests::{ApiClient, Engine, TestApp, engines, expect_error};
use serde_json::json;

engines!(
    every_order_reads_the_same_page_by_page_forwards_and_back,
    a_page_link_keeps_its_place_while_people_come_and_go,
    a_cursor_of_another_order_or_made_up_is_refused,
    the_csv_export_holds_everyone_once_in_the_lists_order,
    the_audit_log_pages_by_cursor_and_exports_every_entry,
    a_role_held_by_thousands_is_counted_to_2500_and_paged_by_its_index,
    a_sub_account_of_thousands_is_known_broad_from_its_kept_counts,
    a_search_matching_thousands_is_counted_to_2500_and_says_so,
    the_inactivity_filters_keep_the_lists_order,
    the_status_filters_keep_the_lists_order,
);

const ORDERS: [&str; 8] = [
    "sort=name&order=asc",
    "sort=name&order=desc",
    "sort=email&order=asc",
    "sort=email&order=desc",
    "sort=status&order=asc",
    "sort=status&order=desc",
    "sort=last_sign_in&order=asc",
    "sort=last_sign_in&order=desc",
];

/// A demo organisation of `people` (every status, some who signed in, sub-accounts), and its
/// Owner signed in.
async fn demo(engine: Engine, people: usize) -> (TestApp, ApiClient, i64) {
    let database = roster_tests::app::TestDatabase::new(engine).await;
    let demo = roster_backend::operator::demo(&database.url, people)
        .await
        .expect("the demo fills an empty database");
    let app = TestApp::spawn_on(database, |_| {}).await;
    let owner = app.new_client();
    let session = owner.sign_in_ok(&demo.owner_email, &demo.password).await;
    let root = session.last_account.expect("the Owner's organisation").0;
    (app, owner, root)
}

async fn page(client: &ApiClient, account: i64, query: &str) -> PeoplePage {
    client
        .get_ok(&format!("/api/v1/accounts/{account}/people?{query}"))
        .await
}

fn ids(people: &[PersonRow]) -> Vec<i64> {
    people.iter().map(|p| p.id.0).collect()
}

/// Pages of `per_page` from the first, by Next, then back by Previous.
async fn walk(
    client: &ApiClient,
    account: i64,
    query: &str,
    per_page: u32,
) -> (Vec<PeoplePage>, Vec<PeoplePage>) {
    let mut forwards = vec![page(client, account, &format!("{query}&per_page={per_page}")).await];
    while let Some(next) = forwards.last().and_then(|p| p.next.clone()) {
        forwards.push(
            page(
                client,
                account,
                &format!("{query}&per_page={per_page}&cursor={next}"),
            )
            .await,
        );
        assert!(forwards.len() < 500, "paging ends");
    }
    let mut backwards = vec![forwards.last().cloned().expect("a first page")];
    while let Some(previous) = backwards.last().and_then(|p| p.previous.clone()) {
        backwards.push(
            page(
                client,
                account,
                &format!("{query}&per_page={per_page}&cursor={previous}"),
            )
            .await,
        );
        assert!(backwards.len() < 500, "paging ends");
    }
    backwards.reverse();
    (forwards, backwards)
}

/// `query`'s list, read at once and page by page both ways, is `expected`, and its total says
/// how many.
async fn lists_exactly(client: &ApiClient, account: i64, query: &str, expected: &[i64]) {
    let whole = page(client, account, &format!("{query}&per_page=200")).await;
    assert_eq!(ids(&whole.people), expected, "{query}");
    assert_eq!(whole.total, expected.len() as u64, "{query}: the total");
    let (forwards, backwards) = walk(client, account, query, 7).await;
    let read: Vec<i64> = forwards.iter().flat_map(|p| ids(&p.people)).collect();
    assert_eq!(read, expected, "{query}: forwards");
    let read: Vec<i64> = backwards.iter().flat_map(|p| ids(&p.people)).collect();
    assert_eq!(read, expected, "{query}: back");
}

async fn every_order_reads_the_same_page_by_page_forwards_and_back(engine: Engine) {
    let (app, owner, root) = demo(engine, 130).await;
    for order in ORDERS {
        for filter in ["", "&status=pending", "&q=a", "&inactive=never"] {
            let query = format!("{order}{filter}");
            let whole = page(&owner, root, &format!("{query}&per_page=200")).await;
            assert!(whole.next.is_none() && whole.previous.is_none(), "{query}");
            assert_eq!(whole.people.len() as u64, whole.total, "{query}");
            let (forwards, backwards) = walk(&owner, root, &query, 7).await;
            let read: Vec<i64> = forwards.iter().flat_map(|p| ids(&p.people)).collect();
            assert_eq!(read, ids(&whole.people), "{query}: forwards");
            let mut start = 0;
            for (n, (ahead, back)) in forwards.iter().zip(&backwards).enumerate() {
                assert_eq!(
                    ahead.start, start,
                    "{query}: page {n} starts where the last ended"
                );
                start += ahead.people.len() as u64;
                assert_eq!(
                    ids(&back.people),
                    ids(&ahead.people),
                    "{query}: page {n} back"
                );
                assert_eq!(back.start, ahead.start, "{query}: page {n} back");
                assert!(
                    ahead.people.len() == 7 || ahead.next.is_none(),
                    "{query}: full pages"
                );
            }
            assert_eq!(forwards.len(), backwards.len(), "{query}");
        }
        // The order itself: statuses by name (Active, Expired, Pending), then by name; the
        // last sign-in with the people who never signed in last either way.
        let whole = page(&owner, root, &format!("{order}&per_page=200")).await;
        if order.starts_with("sort=status") {
            let labels: Vec<&str> = whole.people.iter().map(|p| p.status.label()).collect();
            let mut sorted = labels.clone();
            sorted.sort();
            if order.ends_with("desc") {
                sorted.reverse();
            }
            assert_eq!(labels, sorted, "{order}");
            for status in [
                PersonStatus::Active,
                PersonStatus::Pending,
                PersonStatus::Expired,
            ] {
                assert!(
                    labels.contains(&status.label()),
                    "the demo has {status:?} people"
                );
            }
        }
        if order.starts_with("sort=last_sign_in") {
            let seen: Vec<Option<i64>> = whole
                .people
                .iter()
                .map(|p| p.last_sign_in_at.map(|t| t.millis()))
                .collect();
            let signed_in = seen.iter().take_while(|s| s.is_some()).count();
            assert!(
                signed_in > 0 && signed_in < seen.len(),
                "{order}: both kinds"
            );
            assert!(
                seen[signed_in..].iter().all(Option::is_none),
                "{order}: never last"
            );
            let times: Vec<i64> = seen[..signed_in].iter().flatten().copied().collect();
            let mut sorted = times.clone();
            sorted.sort();
            if order.ends_with("desc") {
                sorted.reverse();
            }
            assert_eq!(times, sorted, "{order}");
        }
    }
    app.stop().await;
}

/// "Not signed in for N days" and "never signed in" list exactly the people the whole list
/// shows with such a last sign-in, in the whole list's order, in every order and page by page
/// both ways: the accepted who never signed in, the invited (who sort by their address among
/// the names) and those whose last sign-in is older, read as separate parts of the order.
async fn the_inactivity_filters_keep_the_lists_order(engine: Engine) {
    let (app, owner, root) = demo(engine, 130).await;
    let day: i64 = 86_400_000;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    // Every third person who signed in last did 100 days ago, every seventh 200 days ago.
    app.execute(&format!(
        "UPDATE users SET last_sign_in_at = CASE WHEN id % 7 = 0 THEN {} ELSE {} END \
         WHERE last_sign_in_at IS NOT NULL AND (id % 3 = 0 OR id % 7 = 0)",
        now - 200 * day,
        now - 100 * day
    ))
    .await;
    for order in ORDERS {
        let everyone = page(&owner, root, &format!("{order}&per_page=200")).await;
        assert_eq!(everyone.people.len() as u64, everyone.total, "{order}");
        for (filter, days) in [
            ("never", None),
            ("30d", Some(30)),
            ("90d", Some(90)),
            ("180d", Some(180)),
        ] {
            let query = format!("{order}&inactive={filter}");
            let expected: Vec<i64> = everyone
                .people
                .iter()
                .filter(|p| match (p.last_sign_in_at, days) {
                    (None, _) => true,
                    (Some(at), Some(days)) => at.millis() < now - days * day,
                    (Some(_), None) => false,
                })
                .map(|p| p.id.0)
                .collect();
            lists_exactly(&owner, root, &query, &expected).await;
        }
    }
    // Each kind is there: the filters were tried on something.
    let kinds = |query: &'static str| {
        let owner = &owner;
        async move { page(owner, root, query).await.total }
    };
    let (never, month, quarter, half) = (
        kinds("inactive=never").await,
        kinds("inactive=30d").await,
        kinds("inactive=90d").await,
        kinds("inactive=180d").await,
    );
    assert!(
        never > 0 && half > never && quarter > half && month == quarter,
        "{never} {month} {quarter} {half}"
    );
    app.stop().await;
}

/// Each status lists exactly the people the whole list shows with it, in the whole list's
/// order, in every order and page by page both ways. By name, Pending is read as two parts of
/// the order (the accepted who never signed in, the invited whose invitation is open) and
/// Expired as one (the rest of the invited).
async fn the_status_filters_keep_the_lists_order(engine: Engine) {
    let (app, owner, root) = demo(engine, 130).await;
    // Every fifth person who signed in (the Owner aside) becomes accepted but never signed
    // in: Pending without an invitation.
    app.execute(
        "UPDATE users SET first_sign_in_at = NULL, last_sign_in_at = NULL \
         WHERE last_sign_in_at IS NOT NULL AND id % 5 = 0 \
         AND id NOT IN (SELECT user_id FROM memberships WHERE role = 'owner')",
    )
    .await;
    for order in ORDERS {
        let everyone = page(&owner, root, &format!("{order}&per_page=200")).await;
        assert_eq!(everyone.people.len() as u64, everyone.total, "{order}");
        for status in [
            PersonStatus::Active,
            PersonStatus::Pending,
            PersonStatus::Expired,
        ] {
            let query = format!("{order}&status={}", status.as_str());
            let expected: Vec<i64> = everyone
                .people
                .iter()
                .filter(|p| p.status == status)
                .map(|p| p.id.0)
                .collect();
            lists_exactly(&owner, root, &query, &expected).await;
        }
    }
    // Both kinds of Pending are there, and Expired: the parts were tried on something.
    let pending = page(&owner, root, "status=pending&per_page=200").await;
    let accepted = pending.people.iter().filter(|p| p.name.is_some()).count();
    assert!(
        accepted > 0 && accepted < pending.people.len(),
        "{accepted} of {} Pending accepted",
        pending.people.len()
    );
    assert!(page(&owner, root, "status=expired").await.total > 0);
    app.stop().await;
}

async fn a_page_link_keeps_its_place_while_people_come_and_go(engine: Engine) {
    let (app, owner, root) = demo(engine, 60).await;
    let first = page(&owner, root, "sort=email&per_page=10").await;
    let second_link = first.next.clone().expect("a second page");
    let second = page(
        &owner,
        root,
        &format!("sort=email&per_page=10&cursor={second_link}"),
    )
    .await;
    // Someone joins at the top of the list and someone on the first page leaves.
    let response = owner
        .post(
            &format!("/api/v1/accounts/{root}/invitations"),
            &serde_json::json!({
                "emails": ["aaaa.first@example.com"],
                "grants": [{ "role": Role::Basic.as_str(), "accounts": [root] }]
            }),
        )
        .await;
    assert_eq!(response.status(), 200);
    // Not the Owner signed in (the demo's owner is who we are).
    let me: roster_shared::api::SessionInfo = owner.get_ok("/api/v1/session").await;
    let leaving = first
        .people
        .iter()
        .find(|p| p.id != me.user.id)
        .expect("someone else on the first page")
        .id
        .0;
    let removed = owner
        .delete(&format!("/api/v1/accounts/{root}/people/{leaving}"))
        .await;
    assert_eq!(removed.status(), 200);
    // The link still shows the same people: the ones after the first page's last.
    let again = page(
        &owner,
        root,
        &format!("sort=email&per_page=10&cursor={second_link}"),
    )
    .await;
    assert_eq!(ids(&again.people), ids(&second.people));
    assert_eq!(again.start, 10, "as counted while paging to it");
    // Previous from there is the first page as it is now (with the newcomer).
    let back = page(
        &owner,
        root,
        &format!(
            "sort=email&per_page=10&cursor={}",
            again.previous.clone().expect("a page before")
        ),
    )
    .await;
    assert_eq!(back.people[0].email.as_str(), "aaaa.first@example.com");
    assert_eq!(back.start, 0);
    assert!(back.previous.is_none());
    app.stop().await;
}

async fn a_cursor_of_another_order_or_made_up_is_refused(engine: Engine) {
    let (app, owner, root) = demo(engine, 30).await;
    let first = page(&owner, root, "sort=name&per_page=5").await;
    let next = first.next.expect("a next page");
    let message = expect_error(
        owner
            .get(&format!(
                "/api/v1/accounts/{root}/people?sort=email&per_page=5&cursor={next}"
            ))
            .await,
        400,
        "invalid_query",
    )
    .await;
    assert!(message.contains("another order"), "{message}");
    for made_up in ["%21%21", "MXhuYS4xLjAuMS4t", &"A".repeat(1500)] {
        expect_error(
            owner
                .get(&format!("/api/v1/accounts/{root}/people?cursor={made_up}"))
                .await,
            400,
            "invalid_query",
        )
        .await;
    }
    app.stop().await;
}

async fn the_csv_export_holds_everyone_once_in_the_lists_order(engine: Engine) {
    // More people than one chunk of the export (500).
    let (app, owner, root) = demo(engine, 1_234).await;
    for query in [
        "sort=email&order=desc",
        "sort=status",
        "status=pending&sort=last_sign_in",
    ] {
        let response = owner
            .get(&format!("/api/v1/accounts/{root}/people.csv?{query}"))
            .await;
        assert_eq!(response.status(), 200);
        let text = response.text().await.expect("the CSV");
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines[0], "name,email,status,access,last_sign_in");
        let whole = page(&owner, root, &format!("{query}&per_page=200")).await;
        assert_eq!(
            lines.len() as u64 - 1,
            whole.total,
            "{query}: one line each"
        );
        // Addresses are unique: every line a different person, in the list's order.
        let emails: Vec<String> = lines[1..].iter().map(|line| second_field(line)).collect();
        assert_eq!(
            emails.iter().collect::<HashSet<_>>().len(),
            emails.len(),
            "{query}"
        );
        let listed: Vec<String> = whole.people.iter().map(|p| p.email.to_string()).collect();
        assert_eq!(emails[..listed.len()], listed[..], "{query}");
    }
    app.stop().await;
}

/// The second field of a CSV line (the address), reading quoted fields.
fn second_field(line: &str) -> String {
    let mut field = 0;
    let mut quoted = false;
    let mut text = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                if field == 1 {
                    text.push('"');
                }
            }
            '"' => quoted = !quoted,
            ',' if !quoted => {
                field += 1;
                if field > 1 {
                    break;
                }
            }
            c if field == 1 => text.push(c),
            _ => {}
        }
    }
    text
}

async fn the_audit_log_pages_by_cursor_and_exports_every_entry(engine: Engine) {
    let (app, owner, root) = demo(engine, 40).await;
    for n in 0..30 {
        let response = owner
            .post(
                &format!("/api/v1/accounts/{root}/invitations"),
                &serde_json::json!({
                    "emails": [format!("audit{n}@example.com")],
                    "grants": [{ "role": "basic", "accounts": [root] }]
                }),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    let log = |query: String| {
        let owner = &owner;
        async move {
            let page: AuditPage = owner
                .get_ok(&format!("/api/v1/accounts/{root}/audit?{query}"))
                .await;
            page
        }
    };
    let whole = log("per_page=200".into()).await;
    assert!(whole.total >= 30 && whole.entries.len() as u64 == whole.total);
    let newest_first: Vec<i64> = whole.entries.iter().map(|e| e.id).collect();
    assert!(newest_first.windows(2).all(|w| w[0] > w[1]), "newest first");
    // Forwards by Next, then back by Previous: the same pages.
    let mut forwards = vec![log("per_page=7".into()).await];
    while let Some(next) = forwards.last().and_then(|p| p.next.clone()) {
        forwards.push(log(format!("per_page=7&cursor={next}")).await);
    }
    let read: Vec<i64> = forwards
        .iter()
        .flat_map(|p| p.entries.iter().map(|e| e.id))
        .collect();
    assert_eq!(read, newest_first);
    let mut backwards = vec![forwards.last().cloned().unwrap()];
    while let Some(previous) = backwards.last().and_then(|p| p.previous.clone()) {
        backwards.push(log(format!("per_page=7&cursor={previous}")).await);
    }
    backwards.reverse();
    assert_eq!(backwards.len(), forwards.len());
    for (ahead, back) in forwards.iter().zip(&backwards) {
        assert_eq!(back.entries, ahead.entries);
        assert_eq!(back.start, ahead.start);
    }
    expect_error(
        owner
            .get(&format!("/api/v1/accounts/{root}/audit?cursor=bm9wZQ"))
            .await,
        400,
        "invalid_query",
    )
    .await;
    let csv = owner
        .get(&format!("/api/v1/accounts/{root}/audit.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.matches("\r\n").count() as u64, whole.total + 1);
    app.stop().await;
}

/// A role most people hold is read in the list's order, checked inside its index (the roles
/// each person holds are kept there); its total is counted only to 2,500 and says so. A role
/// fewer hold is counted exactly. Either way each page holds only people with the role, in
/// order, and walking every page finds the people that reading their access finds.
async fn a_role_held_by_thousands_is_counted_to_2500_and_paged_by_its_index(engine: Engine) {
    let (app, owner, root) = demo(engine, 4_000).await;
    let holds = |person: &PersonRow, role: Role| person.access.iter().any(|a| a.role == role);
    let broad = page(&owner, root, "role=basic&per_page=200").await;
    assert!(broad.total_at_least, "{} Basic people", broad.total);
    assert_eq!(broad.total, 2_500);
    let (forwards, _) = walk(&owner, root, "role=basic&sort=email&order=desc", 200).await;
    let basic: Vec<&PersonRow> = forwards.iter().flat_map(|p| &p.people).collect();
    assert!(basic.len() > 2_500, "{} Basic people", basic.len());
    assert!(basic.iter().all(|p| holds(p, Role::Basic)));
    let emails: Vec<&str> = basic.iter().map(|p| p.email.as_str()).collect();
    let mut sorted = emails.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(emails, sorted, "by address, Z to A");

    let (admins, _) = walk(&owner, root, "role=admin", 200).await;
    let found: HashSet<i64> = admins.iter().flat_map(|p| ids(&p.people)).collect();
    assert!(!admins[0].total_at_least);
    assert_eq!(admins[0].total as usize, found.len());
    // Everyone with an Admin role, as their access says, and no one else.
    let (everyone, _) = walk(&owner, root, "sort=name", 200).await;
    let expected: HashSet<i64> = everyone
        .iter()
        .flat_map(|p| &p.people)
        .filter(|p| holds(p, Role::Admin))
        .map(|p| p.id.0)
        .collect();
    assert!(expected.len() > 100, "{} admins", expected.len());
    assert_eq!(found, expected);
    app.stop().await;
}

/// A sub-account one of whose accounts alone has more than 2,500 members is broad, known from
/// the kept members per account and role (migration 0025): its total says "more than 2,500",
/// and its pages, read in order both ways, hold everyone with access there and no one else;
/// with a role, the same from that role's members; a role few hold there is counted exactly.
async fn a_sub_account_of_thousands_is_known_broad_from_its_kept_counts(engine: Engine) {
    let (app, owner, root) = demo(engine, 4_000).await;
    let accounts: Vec<serde_json::Value> = owner.get_ok("/api/v1/accounts").await;
    let id_of = |name: &str| {
        accounts
            .iter()
            .find(|a| a["name"] == name)
            .and_then(|a| a["id"].as_i64())
            .unwrap_or_else(|| panic!("the demo's {name}"))
    };
    let (germany, france) = (id_of("Germany"), id_of("France"));
    // Every membership but the Owner's becomes Basic on Germany: more than 2,500 there.
    app.execute(&format!(
        "UPDATE memberships SET account_id = {germany}, role = 'basic' WHERE role <> 'owner'"
    ))
    .await;
    let (everyone, _) = walk(&owner, root, "sort=name", 200).await;
    let everyone: Vec<&PersonRow> = everyone.iter().flat_map(|p| &p.people).collect();
    let europe = id_of("Europe");
    let reach = [root, europe, germany, france];
    for (query, role, broad) in [
        ("", None, true),
        ("&role=basic", Some(Role::Basic), true),
        // Offered by invitations only, now: few, and counted exactly.
        ("&role=reporting", Some(Role::Reporting), false),
    ] {
        let expected: Vec<i64> = everyone
            .iter()
            .filter(|p| {
                p.access
                    .iter()
                    .any(|a| reach.contains(&a.account.0) && role.is_none_or(|role| a.role == role))
            })
            .map(|p| p.id.0)
            .collect();
        let (forwards, backwards) = walk(&owner, europe, &format!("sort=name{query}"), 200).await;
        let total = (forwards[0].total, forwards[0].total_at_least);
        if broad {
            assert!(expected.len() > 2_500, "{query}: {} people", expected.len());
            assert_eq!(total, (2_500, true), "{query}: more than 2,500");
        } else {
            assert!(!expected.is_empty() && expected.len() <= 2_500, "{query}");
            assert_eq!(total, (expected.len() as u64, false), "{query}: exact");
        }
        let read: Vec<i64> = forwards.iter().flat_map(|p| ids(&p.people)).collect();
        assert_eq!(read, expected, "{query}: forwards");
        let read: Vec<i64> = backwards.iter().flat_map(|p| ids(&p.people)).collect();
        assert_eq!(read, expected, "{query}: back");
    }
    app.stop().await;
}

/// A search with thousands of candidates in the text index: when they are all people whose
/// name starts with it, they are one range of the name index, counted exactly; when others are
/// among them, the total is counted only to 2,500 (each counted one checked against the
/// search's rule) and says so. A narrower search is exact.
async fn a_search_matching_thousands_is_counted_to_2500_and_says_so(engine: Engine) {
    let (app, owner, root) = demo(engine, 20).await;
    // At most 1,000 seats are bought at a time.
    for _ in 0..3 {
        let quote: SeatQuote = owner
            .get_ok(&format!("/api/v1/accounts/{root}/seats/quote?quantity=900"))
            .await;
        let bought = owner
            .post(
                &format!("/api/v1/accounts/{root}/seats/purchases"),
                &json!({ "quantity": 900, "expected_total_minor": quote.total.minor }),
            )
            .await;
        assert_eq!(bought.status(), 200);
    }
    let invite = |addresses: Vec<String>| {
        let owner = &owner;
        async move {
            for batch in addresses.chunks(650) {
                let invited = owner
                    .post(
                        &format!("/api/v1/accounts/{root}/invitations"),
                        &json!({ "emails": batch, "grants": [{ "role": "basic", "accounts": [root] }] }),
                    )
                    .await;
                assert_eq!(invited.status(), 200);
            }
        }
    };
    invite(
        (0..2_600)
            .map(|n| format!("zed{n:04}@example.com"))
            .collect(),
    )
    .await;
    let first_fifty: Vec<String> = (0..50).map(|n| format!("zed{n:04}@example.com")).collect();
    let emails = |page: &PeoplePage| -> Vec<String> {
        page.people.iter().map(|p| p.email.to_string()).collect()
    };
    // Every candidate's name (an invitee's address, until they accept) starts with "zed":
    // SQLite's text index says so, and they are counted in the name index. PostgreSQL's index
    // of where matches start (migration 0020) finds exactly the matches, and counts them.
    let prefix = page(&owner, root, "q=zed").await;
    assert_eq!((prefix.total, prefix.total_at_least), (2_600, false));
    assert_eq!(emails(&prefix), first_fifty);
    let last = page(&owner, root, "q=zed&sort=email&order=desc&per_page=1").await;
    assert_eq!(emails(&last), ["zed2599@example.com"]);
    // Candidates that do not match: the word "zed" inside an address. SQLite's text index
    // finds them too, and the rule then has more than 2,500 candidates to check; PostgreSQL's
    // index does not (no match starts there).
    invite(
        (0..100)
            .map(|n| format!("q{n:03}.zed@example.com"))
            .collect(),
    )
    .await;
    let broad = page(&owner, root, "q=zed").await;
    let counted = match engine {
        Engine::Sqlite => (2_500, true),
        Engine::Postgres => (2_600, false),
    };
    assert_eq!((broad.total, broad.total_at_least), counted);
    assert_eq!(emails(&broad), first_fifty);
    let by_email = page(&owner, root, "q=zed&sort=email&per_page=200").await;
    assert_eq!(by_email.people.len(), 200);
    assert!(emails(&by_email).iter().all(|e| e.starts_with("zed")));
    let walked: usize = walk(&owner, root, "q=zed&sort=name", 200)
        .await
        .0
        .iter()
        .map(|p| p.people.len())
        .sum();
    assert_eq!(walked, 2_600);
    let narrow = page(&owner, root, "q=zed1").await;
    assert_eq!((narrow.total, narrow.total_at_least), (1_000, false));
    app.stop().await;
}
