//! Memory stays bounded under the largest requests Roster accepts. The server runs in its own
//! process, so what it holds is read from `/proc` (its peak resident set, `VmHWM`) after each
//! of: the largest CSV import preview, the largest invitation, and a thousand idle live-event
//! streams. The ceilings are the ones the README documents.

use std::time::Duration;

use roster_shared::api::{InviteResult, SeatOverview};
use roster_shared::role::Role;
use roster_tests::process::{ChildOptions, ServerProcess};
use roster_tests::sse::EventStream;
use roster_tests::{ApiClient, Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines, expect_json};
use serde_json::json;

engines!(the_largest_requests_keep_the_server_under_its_memory_ceilings);

const MIB: u64 = 1024 * 1024;
/// The README's ceilings: how far the peak resident memory of one server process may grow
/// above what it held once started, after each workload in turn. Measured: about 6 MiB for
/// the preview, nothing more for the invitation, 2 MiB more for the streams.
const PREVIEW_GROWTH: u64 = 32 * MIB;
const INVITATION_GROWTH: u64 = 32 * MIB;
const STREAMS_GROWTH: u64 = 64 * MIB;

/// (peak, current) resident memory of process `pid`, in bytes.
fn resident(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kb| kb * 1024)
            .unwrap_or_else(|| panic!("{name} in /proc/{pid}/status"))
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB as f64)
}

async fn the_largest_requests_keep_the_server_under_its_memory_ceilings(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let server = ServerProcess::start(
        app.database_url(),
        &ChildOptions {
            // A thousand streams from one person on one address: the defaults (16 and 256)
            // would refuse them, which is their point; here what they cost is measured.
            event_streams_per_person: Some(1100),
            connections_per_address: Some(1200),
            ..ChildOptions::default()
        },
    )
    .await;
    let owner = ApiClient::new(&server.address);
    owner.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, started) = resident(server.pid());

    // The largest import file read: 10,000 rows within the 1 MB body limit, each a valid row
    // (the most work per row: every address parsed, every account looked up).
    let csv: String = (0..10_000)
        .map(|i| format!("person.{i:05}@example.com,basic,Acme\n"))
        .collect();
    assert!(csv.len() < 1_000_000);
    let preview = owner
        .post(
            &format!("/api/v1/accounts/{}/invitations/preview", acme.0),
            &json!({ "csv": csv }),
        )
        .await;
    assert_eq!(preview.status(), 200);
    let preview: serde_json::Value = preview.json().await.unwrap();
    assert_eq!(preview["rows"].as_array().unwrap().len(), 10_000);
    let (after_preview, _) = resident(server.pid());

    // The largest invitation: 1,000 addresses at once (seats bought first).
    let quote: serde_json::Value = owner
        .get_ok(&format!(
            "/api/v1/accounts/{}/seats/quote?quantity=1000",
            acme.0
        ))
        .await;
    let bought: SeatOverview = expect_json(
        owner
            .post(
                &format!("/api/v1/accounts/{}/seats/purchases", acme.0),
                &json!({ "quantity": 1000, "expected_total_minor": quote["total"]["minor"] }),
            )
            .await,
        200,
    )
    .await;
    assert!(bought.seats.included + bought.seats.extra - bought.seats.used >= 1000);
    let emails: Vec<String> = (0..1000)
        .map(|i| format!("invited.{i:04}@example.com"))
        .collect();
    let invited: InviteResult = expect_json(
        owner
            .post(
                &format!("/api/v1/accounts/{}/invitations", acme.0),
                &json!({
                    "emails": emails,
                    "grants": [{ "role": Role::Basic, "accounts": [acme] }],
                }),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(invited.invited.len(), 1000);
    let (after_invitation, _) = resident(server.pid());

    // A thousand live-event streams, open and idle.
    let mut streams = Vec::new();
    for _ in 0..1000 {
        streams.push(EventStream::open(&owner).await);
    }
    // Each one was answered before the next opened: this pause is not a wait for them, it
    // lets what the server freed be given back before its memory is read.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (after_streams, holding) = resident(server.pid());
    // They are live: an event reaches the last one opened.
    let token = owner
        .api_token(acme, "Messaging", roster_shared::role::Role::Basic)
        .await;
    let announced = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/accounts/{}/inbound-messages",
            server.address, acme.0
        ))
        .bearer_auth(&token.token)
        .json(&json!({ "from": "+49 151 1234567", "preview": "Still there?" }))
        .send()
        .await
        .unwrap();
    assert_eq!(announced.status(), 202);
    let last = streams.last_mut().unwrap();
    assert!(last.next(Duration::from_secs(10)).await.is_some());

    // Printed for the record (`--nocapture`); the ceilings are what is asserted.
    println!(
        "memory ({engine:?}): started {}, peak after the import preview {}, after 1,000 \
         invitations {}, after 1,000 streams {} (holding {})",
        mib(started),
        mib(after_preview),
        mib(after_invitation),
        mib(after_streams),
        mib(holding)
    );
    for (what, peak, ceiling) in [
        ("the import preview", after_preview, PREVIEW_GROWTH),
        (
            "1,000 invitations",
            after_invitation,
            PREVIEW_GROWTH.max(INVITATION_GROWTH),
        ),
        (
            "1,000 streams",
            after_streams,
            PREVIEW_GROWTH.max(INVITATION_GROWTH).max(STREAMS_GROWTH),
        ),
    ] {
        assert!(
            peak.saturating_sub(started) <= ceiling,
            "{what}: the peak grew from {} to {}",
            mib(started),
            mib(peak)
        );
    }
    drop(streams);
    server.kill().await;
    app.stop().await;
}
