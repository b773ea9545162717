//! The server's edge: who the client is (the TCP peer, or what trusted proxies report), which
//! host names it answers to, and who may read the development mailbox.
//!
//! Requests whose `Host` must be exactly what the test says are written by hand on a TCP
//! connection (an HTTP client sets `Host` from the URL).

use reqwest::Method;
use roster_backend::settings::Settings;
use roster_backend::startup::Application;
use roster_shared::api::{Device, SignInOutcome, SignInRequest};
use roster_tests::app::{TestDatabase, web_dir};
use roster_tests::{
    Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines, expect_error, expect_json,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

engines!(
    the_development_mailbox_is_closed_to_forwarded_requests,
    a_trusted_proxy_reports_the_right_most_untrusted_hop,
    rotating_a_spoofed_address_does_not_escape_throttling,
    only_the_public_host_is_served,
    a_public_url_elsewhere_is_the_only_name_served,
    a_public_url_elsewhere_needs_somewhere_for_mail,
);

/// An answer to a hand-written request.
struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    /// The `code` of an error body, if the body is one.
    fn code(&self) -> Option<String> {
        serde_json::from_str::<roster_shared::api::ErrorBody>(&self.body)
            .ok()
            .map(|error| error.code.as_str().to_owned())
    }

    fn assert_misdirected(&self, what: &str) {
        assert_eq!(self.status, 421, "{what}: {}", self.body);
        assert_eq!(
            self.code().as_deref(),
            Some("misdirected_request"),
            "{what}: {}",
            self.body
        );
    }

    fn assert_served(&self, what: &str) {
        assert_ne!(self.status, 421, "{what}: {}", self.body);
        assert_ne!(
            self.code().as_deref(),
            Some("misdirected_request"),
            "{what}"
        );
    }
}

/// Sends `head` (the request line and headers, without the blank line) and `body` on a new
/// connection to `app`, exactly as written, and reads the whole answer.
async fn raw(app: &TestApp, head: &str, body: &str) -> Answer {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address)
        .await
        .expect("the server accepts connections");
    let request = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("an HTTP answer, not {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line in {head:?}"));
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    Answer {
        status,
        body: if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        },
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    body
}

/// `GET path` with the given `Host` line (none when `None`).
async fn get(app: &TestApp, path: &str, host: Option<&str>) -> Answer {
    let host = host.map(|h| format!("\r\nHost: {h}")).unwrap_or_default();
    raw(app, &format!("GET {path} HTTP/1.1{host}"), "").await
}

/// A failed sign-in as a browser would send it, from `host`'s page at `origin`.
async fn sign_in_from(app: &TestApp, host: &str, origin: &str) -> Answer {
    let body = serde_json::json!({ "email": OWNER_EMAIL, "password": "wrong password" });
    raw(
        app,
        &format!(
            "POST /api/v1/sign-in HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\n\
             Content-Type: application/json"
        ),
        &body.to_string(),
    )
    .await
}

fn port(app: &TestApp) -> u16 {
    app.address
        .rsplit_once(':')
        .and_then(|(_, port)| port.parse().ok())
        .expect("the address has a port")
}

/// Signs in as the Owner from a new client, with these `X-Forwarded-For` lines, and returns
/// the address the server recorded for that device.
async fn device_address(app: &TestApp, forwarded_for: &[&str]) -> String {
    let client = app.new_client();
    let mut request = client
        .request(Method::POST, "/api/v1/sign-in")
        .json(&SignInRequest {
            email: OWNER_EMAIL.into(),
            password: OWNER_PASSWORD.into(),
        });
    for line in forwarded_for {
        request = request.header("x-forwarded-for", *line);
    }
    match expect_json(request.send().await.unwrap(), 200).await {
        SignInOutcome::SignedIn { session } => client.adopt(&session),
        other => panic!("expected to be signed in, got {other:?}"),
    }
    let devices: Vec<Device> = client.get_ok("/api/v1/me/devices").await;
    devices
        .into_iter()
        .find(|device| device.current)
        .expect("the current device is listed")
        .ip
}

async fn the_development_mailbox_is_closed_to_forwarded_requests(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    assert_eq!(app.api.get("/api/v1/dev/mailbox").await.status(), 200);
    let own_host = app.address.trim_start_matches("http://").to_owned();
    // From this machine, but relayed (or claiming to be): never, whatever the header says.
    for (header, value) in [
        ("x-forwarded-for", "127.0.0.1"),
        ("x-forwarded-for", "::1"),
        ("forwarded", "for=127.0.0.1"),
        ("x-real-ip", "127.0.0.1"),
        ("x-forwarded-host", own_host.as_str()),
    ] {
        let response = app
            .api
            .request(Method::GET, "/api/v1/dev/mailbox")
            .header(header, value)
            .send()
            .await
            .unwrap();
        expect_error(response, 403, "dev_mailbox_local_only").await;
    }
    app.stop().await;

    // Behind a proxy on this machine: a request it relays is not local, even one that the
    // proxy reports as coming from a loopback address.
    let app = TestApp::spawn_with(engine, |s| {
        s.trusted_proxies = "127.0.0.1, ::1".parse().unwrap();
    })
    .await;
    for value in ["127.0.0.1", "203.0.113.9, 127.0.0.1"] {
        let response = app
            .api
            .request(Method::GET, "/api/v1/dev/mailbox")
            .header("x-forwarded-for", value)
            .send()
            .await
            .unwrap();
        expect_error(response, 403, "dev_mailbox_local_only").await;
    }
    assert_eq!(app.api.get("/api/v1/dev/mailbox").await.status(), 200);
    app.stop().await;
}

async fn a_trusted_proxy_reports_the_right_most_untrusted_hop(engine: Engine) {
    // Without trusted proxies a client's own X-Forwarded-For is ignored.
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    assert_eq!(device_address(&app, &["203.0.113.9"]).await, "127.0.0.1");
    app.stop().await;

    // The peer (127.0.0.1) is a trusted proxy: the right-most hop that is not one is the
    // client; what the client wrote further left is not believed.
    let app = TestApp::spawn_with(engine, |s| {
        s.trusted_proxies = "127.0.0.1".parse().unwrap();
    })
    .await;
    app.set_up().await;
    assert_eq!(
        device_address(&app, &["127.0.0.1, 203.0.113.9"]).await,
        "203.0.113.9"
    );
    // Several lines are one list; trusted hops at its right end are skipped.
    assert_eq!(
        device_address(&app, &["198.51.100.1", "203.0.113.10, 127.0.0.1"]).await,
        "203.0.113.10"
    );
    // A garbage entry stops the walk at the last trusted hop, never taking the string.
    assert_eq!(
        device_address(&app, &["203.0.113.11, not-an-address"]).await,
        "127.0.0.1"
    );
    // No header: the proxy itself.
    assert_eq!(device_address(&app, &[]).await, "127.0.0.1");
    app.stop().await;
}

async fn rotating_a_spoofed_address_does_not_escape_throttling(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        s.trusted_proxies = "127.0.0.0/8".parse().unwrap();
    })
    .await;
    let attempt = |i: usize, forwarded_for: String| {
        let client = app.new_client();
        async move {
            client
                .request(Method::POST, "/api/v1/sign-in")
                .header("x-forwarded-for", forwarded_for)
                .json(&SignInRequest {
                    // A new account each time, so only the address is counted.
                    email: format!("nobody{i}@example.com"),
                    password: "guess".into(),
                })
                .send()
                .await
                .unwrap()
        }
    };
    // An address gets 20 failures for free; the client writes a new left-most value each
    // time, but its proxy appends the same real address.
    for i in 0..20 {
        let response = attempt(i, format!("198.51.100.{i}, 203.0.113.9")).await;
        expect_error(response, 401, "invalid_credentials").await;
    }
    let response = attempt(20, "198.51.100.200, 203.0.113.9".into()).await;
    expect_error(response, 429, "too_many_attempts").await;
    // Another client behind the same proxy is not held back.
    let response = attempt(21, "203.0.113.10".into()).await;
    expect_error(response, 401, "invalid_credentials").await;
    app.stop().await;
}

async fn only_the_public_host_is_served(engine: Engine) {
    // The tests' server: the public URL is http://127.0.0.1:PORT.
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let port = port(&app);
    let paths = [
        "/api/v1/session",
        "/api/v1/dev/mailbox",
        "/dev/mailbox",
        "/",
        "/scim/v2/Users",
        "/api/openapi.json",
    ];
    for path in paths {
        for host in [
            "evil.example".to_owned(),
            format!("evil.example:{port}"),
            format!("127.0.0.1:{}", port.wrapping_add(1)),
            "127.0.0.1".to_owned(),
            format!("127.0.0.1.nip.io:{port}"),
        ] {
            get(&app, path, Some(&host))
                .await
                .assert_misdirected(&format!("{path} for {host}"));
        }
        get(&app, path, None)
            .await
            .assert_misdirected(&format!("{path} without Host"));
        for host in [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ] {
            get(&app, path, Some(&host))
                .await
                .assert_served(&format!("{path} for {host}"));
        }
    }
    // The public host is served for real: the mailbox answers its list, the API its JSON.
    let mailbox = get(
        &app,
        "/api/v1/dev/mailbox",
        Some(&format!("127.0.0.1:{port}")),
    )
    .await;
    assert_eq!(mailbox.status, 200, "{}", mailbox.body);
    // HTTP/1.0 had no Host; such a request names no other site.
    raw(&app, "GET /api/v1/session HTTP/1.0", "")
        .await
        .assert_served("HTTP/1.0 without Host");
    // An absolute request target names the host too.
    raw(
        &app,
        &format!("GET http://evil.example/api/v1/session HTTP/1.1\r\nHost: 127.0.0.1:{port}"),
        "",
    )
    .await
    .assert_misdirected("an absolute target for another host");
    // Load balancers probe replicas by address: the health check answers any name.
    let health = get(&app, "/api/v1/health", Some("10.0.0.5:8080")).await;
    assert_eq!(health.status, 200, "{}", health.body);

    // An Origin that matches a forged Host proves nothing: the Host is refused, and an
    // Origin other than the public URL's is refused on the right Host.
    let forged = format!("evil.example:{port}");
    sign_in_from(&app, &forged, &format!("http://{forged}"))
        .await
        .assert_misdirected("a sign-in for a forged Host");
    let refused = sign_in_from(
        &app,
        &format!("127.0.0.1:{port}"),
        &format!("http://{forged}"),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.code().as_deref(), Some("cross_site_request"));
    for origin in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ] {
        let answer = sign_in_from(&app, &format!("127.0.0.1:{port}"), &origin).await;
        assert_eq!(answer.status, 401, "{origin}: {}", answer.body);
        assert_eq!(answer.code().as_deref(), Some("invalid_credentials"));
    }
    app.stop().await;
}

async fn a_public_url_elsewhere_is_the_only_name_served(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        s.public_url = Some("https://roster.example.com/".into());
        s.dev_mailbox = true;
    })
    .await;
    let port = port(&app);
    for host in [
        "roster.example.com",
        "roster.example.com:443",
        "Roster.Example.COM",
    ] {
        get(&app, "/api/v1/session", Some(host))
            .await
            .assert_served(host);
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("roster.example.com:{port}"),
        "evil.example".to_owned(),
    ] {
        for path in [
            "/api/v1/session",
            "/api/v1/dev/mailbox",
            "/",
            "/scim/v2/Users",
        ] {
            get(&app, path, Some(&host))
                .await
                .assert_misdirected(&format!("{path} for {host}"));
        }
    }
    // A proxy's X-Forwarded-Host is not believed.
    raw(
        &app,
        &format!(
            "GET /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
             X-Forwarded-Host: roster.example.com"
        ),
        "",
    )
    .await
    .assert_misdirected("a loopback Host with X-Forwarded-Host");

    // Origins are compared with the public URL's.
    let answer = sign_in_from(&app, "roster.example.com", "https://roster.example.com").await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    for origin in [
        "https://evil.example".to_owned(),
        "http://roster.example.com".to_owned(),
        format!("http://127.0.0.1:{port}"),
    ] {
        let answer = sign_in_from(&app, "roster.example.com", &origin).await;
        assert_eq!(answer.status, 403, "{origin}: {}", answer.body);
        assert_eq!(answer.code().as_deref(), Some("cross_site_request"));
    }
    sign_in_from(&app, "evil.example", "https://evil.example")
        .await
        .assert_misdirected("a sign-in for a forged Host");

    // The mailbox, turned on explicitly: still only from this machine, unrelayed.
    let mailbox = get(&app, "/api/v1/dev/mailbox", Some("roster.example.com")).await;
    assert_eq!(mailbox.status, 200, "{}", mailbox.body);
    let relayed = raw(
        &app,
        "GET /api/v1/dev/mailbox HTTP/1.1\r\nHost: roster.example.com\r\nX-Real-IP: 127.0.0.1",
        "",
    )
    .await;
    assert_eq!(relayed.status, 403, "{}", relayed.body);
    app.stop().await;
}

async fn a_public_url_elsewhere_needs_somewhere_for_mail(engine: Engine) {
    let database = TestDatabase::new(engine).await;
    let settings = |adjust: &dyn Fn(&mut Settings)| {
        let mut settings = Settings::on_free_port(database.url.clone(), web_dir());
        settings.public_url = Some("https://roster.example.com".into());
        adjust(&mut settings);
        settings
    };
    // No SMTP and a public URL elsewhere: the mailbox would be the only place for mail, and
    // it must not be opened silently.
    let error = Application::build(settings(&|_| {}))
        .await
        .err()
        .expect("the server refuses to start");
    let message = format!("{error:#}");
    assert!(
        message.contains("ROSTER_SMTP_URL") && message.contains("ROSTER_DEV_MAILBOX"),
        "{message}"
    );
    // Listening everywhere without a public URL: nobody would know which name to use.
    let error = Application::build({
        let mut s = Settings::on_free_port(database.url.clone(), web_dir());
        s.listen = "0.0.0.0:0".parse().unwrap();
        s.smtp_url = Some("smtp://127.0.0.1:1".into());
        s
    })
    .await
    .err()
    .expect("the server refuses to start");
    assert!(
        format!("{error:#}").contains("ROSTER_PUBLIC_URL"),
        "{error:#}"
    );
    database.remove().await;

    // With SMTP it starts, and the mailbox stays off.
    let app = TestApp::spawn_with(engine, |s| {
        s.public_url = Some("https://roster.example.com".into());
        s.smtp_url = Some("smtp://127.0.0.1:1".into());
    })
    .await;
    let mailbox = get(&app, "/api/v1/dev/mailbox", Some("roster.example.com")).await;
    assert_eq!(mailbox.status, 404, "{}", mailbox.body);
    app.stop().await;

    // A bad trusted proxy is named when the flags are read.
    let error = "10.0.0.0/8, proxy.internal"
        .parse::<roster_backend::settings::TrustedProxies>()
        .unwrap_err();
    assert!(error.to_string().contains("\"proxy.internal\""), "{error}");
}
