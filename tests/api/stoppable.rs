//! Can one client stop Roster? Connections that never finish their request head, one address
//! opening connection after connection, and a request body trickled byte by byte are all cut
//! off, and the server goes on answering everyone else. So are sign-in floods, bodies nested
//! without end and the largest pathological import.

use std::time::{Duration, Instant};

use roster_tests::{Engine, TestApp, engines, eventually};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

engines!(
    connections_that_never_finish_their_request_head_are_closed,
    one_address_cannot_hold_every_connection,
    a_trickled_request_body_is_answered_503_in_time,
    one_person_cannot_open_live_streams_without_end,
    huge_request_heads_are_refused_unread,
    a_sign_in_flood_from_one_address_is_turned_away,
    the_largest_csv_with_a_pathological_field_in_every_row_is_read,
    a_json_body_nested_without_end_is_refused,
);

fn host_of(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

/// A health request on a new connection: a kept-alive one of an earlier check may just have
/// been closed by the very limits under test.
async fn still_answers(app: &TestApp) {
    let response = roster_tests::app::client()
        .get(app.url("/api/v1/health"))
        .send()
        .await
        .expect("the server answers a new connection");
    assert_eq!(response.status(), 200, "the server still answers");
}

/// Reads until the server closes the connection (or `within` passes); what it sent on the way.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&seen).into_owned()),
            Ok(Ok(n)) => seen.extend_from_slice(&buffer[..n]),
            Err(_) => return None,
        }
    }
}

async fn connections_that_never_finish_their_request_head_are_closed(engine: Engine) {
    let app = TestApp::spawn_with(engine, |settings| {
        settings.connections.header_read_timeout = Duration::from_secs(1);
    })
    .await;
    let host = host_of(&app);
    let mut held = Vec::new();
    for i in 0..60 {
        let mut stream = TcpStream::connect(&host).await.expect("a connection");
        if i % 2 == 0 {
            // Half a request head, then silence (slowloris).
            stream
                .write_all(
                    format!("GET /api/v1/health HTTP/1.1\r\nHost: {host}\r\nX-Wait: ").as_bytes(),
                )
                .await
                .unwrap();
        }
        // The other half connect and say nothing at all.
        held.push(stream);
    }
    // Meanwhile everyone else is served.
    still_answers(&app).await;
    for (i, stream) in held.iter_mut().enumerate() {
        let closed = closed_within(stream, Duration::from_secs(5)).await;
        assert!(
            closed.is_some(),
            "connection {i} is still open 5 s after a 1 s limit"
        );
    }
    still_answers(&app).await;
    app.stop().await;
}

async fn one_address_cannot_hold_every_connection(engine: Engine) {
    let app = TestApp::spawn_with(engine, |settings| {
        settings.connections.per_address = 20;
    })
    .await;
    let host = host_of(&app);
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(TcpStream::connect(&host).await.expect("a connection"));
    }
    // Once the server has accepted and counted them, one more is closed at once, unanswered.
    eventually(
        "the 21st connection from one address closed at once, unanswered",
        Duration::from_secs(10),
        || async {
            let mut one_more = TcpStream::connect(&host).await.expect("the kernel accepts");
            let closed = closed_within(&mut one_more, Duration::from_millis(500)).await;
            (closed.as_deref() == Some("")).then_some(())
        },
    )
    .await;
    // Its connections given back, the address is served again.
    drop(held);
    eventually(
        "the address served again",
        Duration::from_secs(10),
        || async {
            let response = roster_tests::app::client()
                .get(app.url("/api/v1/health"))
                .send()
                .await
                .ok()?;
            (response.status() == 200).then_some(())
        },
    )
    .await;
    app.stop().await;
}

async fn a_trickled_request_body_is_answered_503_in_time(engine: Engine) {
    let app = TestApp::spawn_with(engine, |settings| {
        settings.request_timeout = Duration::from_secs(1);
    })
    .await;
    app.set_up().await;
    let host = host_of(&app);
    let mut stream = TcpStream::connect(&host).await.expect("a connection");
    stream
        .write_all(
            format!(
                "POST /api/v1/sign-in HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
                 Content-Length: 200\r\nConnection: close\r\n\r\n{{\"email\": \"ol"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let answer = closed_within(&mut stream, Duration::from_secs(5))
        .await
        .expect("an answer within 5 s");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"code\":\"timeout\""), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3));
    still_answers(&app).await;
    app.stop().await;
}

async fn one_person_cannot_open_live_streams_without_end(engine: Engine) {
    let app = TestApp::spawn_with(engine, |settings| {
        settings.event_streams_per_person = 3;
    })
    .await;
    let acme = app.set_up().await.last_account.unwrap();
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(roster_tests::sse::EventStream::open(&app.api).await);
    }
    let refused = app.api.get("/api/v1/events").await;
    assert_eq!(refused.status(), 429);
    let body: roster_shared::api::ErrorBody = refused.json().await.unwrap();
    assert_eq!(body.code, "too_many_streams");
    // Someone else still gets theirs, and ordinary requests are served.
    app.invite(
        acme,
        &["ana@example.com"],
        &[(roster_shared::role::Role::Basic, &[acme][..])],
    )
    .await;
    let ana = app.accept_as_new("ana@example.com", "Ana").await;
    let _hers = roster_tests::sse::EventStream::open(&ana).await;
    still_answers(&app).await;
    drop(open);
    app.stop().await;
}

async fn huge_request_heads_are_refused_unread(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let host = host_of(&app);
    for (what, head) in [
        (
            "a query string of 200 KB",
            format!(
                "GET /api/v1/health?q={} HTTP/1.1\r\nHost: {host}\r\n\r\n",
                "a".repeat(200_000)
            ),
        ),
        (
            "a header of 200 KB",
            format!(
                "GET /api/v1/health HTTP/1.1\r\nHost: {host}\r\nX-Big: {}\r\n\r\n",
                "b".repeat(200_000)
            ),
        ),
        (
            "10,000 headers",
            format!(
                "GET /api/v1/health HTTP/1.1\r\nHost: {host}\r\n{}\r\n",
                "X-H: 1\r\n".repeat(10_000)
            ),
        ),
    ] {
        let mut stream = TcpStream::connect(&host).await.expect("a connection");
        // The server may close before all of it is sent; that is the point.
        let _ = stream.write_all(head.as_bytes()).await;
        let answer = closed_within(&mut stream, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("{what}: the connection stays open"));
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
            "{what}: {}",
            &answer[..answer.len().min(200)]
        );
    }
    still_answers(&app).await;
    app.stop().await;
}

async fn a_sign_in_flood_from_one_address_is_turned_away(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..200 {
        let client = app.new_client();
        attempts.spawn(async move {
            client
                .post(
                    "/api/v1/sign-in",
                    &serde_json::json!({ "email": format!("guess{}@example.com", i % 7), "password": "not it at all" }),
                )
                .await
                .status()
                .as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = attempts.join_next().await {
        statuses.push(status.expect("an attempt"));
    }
    // Every guess is answered as a wrong password or a refusal to try again, never a failure
    // of the server; and however many arrive together, only an address's free failures (20)
    // have a password checked.
    assert!(
        statuses.iter().all(|s| matches!(s, 401 | 429)),
        "{statuses:?}"
    );
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(
        (1..=20).contains(&checked),
        "{checked} guesses were checked"
    );
    still_answers(&app).await;
    app.stop().await;
}

async fn the_largest_csv_with_a_pathological_field_in_every_row_is_read(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    // As close to the 1 MB body limit as rows go: every row's account is a quoted field full of
    // doubled quotes, the CSV reader's slowest path.
    let row = format!("a@example.com,basic,\"{}\"\n", "\"\"".repeat(40));
    let rows = (1_000_000 - 100) / row.len();
    let csv = row.repeat(rows);
    let response = app
        .api
        .post(
            &format!("/api/v1/accounts/{}/invitations/preview", acme.0),
            &serde_json::json!({ "csv": csv }),
        )
        .await;
    let status = response.status().as_u16();
    // Read and answered (a preview, or too large), within the request timeout.
    assert!(matches!(status, 200 | 413 | 422), "{status}");
    still_answers(&app).await;
    app.stop().await;
}

/// Every JSON body is read by one recursive reader, `serde_json`, which stops at 128 levels:
/// a body nested 100,000 deep (200 KB, within the body limit) is refused as unreadable JSON
/// on every kind of endpoint, signed in or not (or, where a field expects no array, refused
/// at its first bracket).
async fn a_json_body_nested_without_end_is_refused(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for (client, path, body) in [
        (
            app.new_client(),
            "/api/v1/sign-in".to_owned(),
            format!(r#"{{"email":{nested},"password":"x"}}"#),
        ),
        (
            app.api.clone(),
            format!("/api/v1/accounts/{}/invitations", acme.0),
            format!(r#"{{"emails":{nested},"grants":[]}}"#),
        ),
        (
            app.api.clone(),
            format!("/api/v1/accounts/{}/people/bulk", acme.0),
            nested.clone(),
        ),
    ] {
        let response = client
            .request(reqwest::Method::POST, &path)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        // Unreadable JSON (400), or a value of the wrong shape where the reader expected
        // something else and stopped at once (422): refused either way, in the error shape.
        let status = response.status().as_u16();
        let error: roster_shared::api::ErrorBody = response.json().await.unwrap();
        assert!(
            matches!(
                (status, error.code.as_str()),
                (400, "invalid_json") | (422, "invalid_body")
            ),
            "{path}: {status} {error:?}"
        );
    }
    still_answers(&app).await;
    app.stop().await;
}
