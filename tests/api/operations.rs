//! Operating Roster: the Prometheus metrics (each family there, counters moving with what
//! people do, served only where the operator said), the dashboards and alerts naming only
//! metrics that exist, readiness following the database, and draining on SIGTERM.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use roster_shared::api::Readiness;
use roster_shared::role::Role;
use roster_tests::process::{ChildOptions, ServerProcess};
use roster_tests::sse::EventStream;
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines, expect_error};
use serde_json::json;

engines!(metrics_name_every_family_and_move_with_what_people_do);

const TOKEN: &str = "a metrics token long enough";

/// Every family the server exposes, as Prometheus's `# TYPE` lines name them.
const FAMILIES: [&str; 24] = [
    "roster_http_request_duration_seconds",
    "roster_http_requests_in_flight",
    "roster_throttled_requests",
    "roster_sign_ins",
    "roster_invitations_sent",
    "roster_invitations_accepted",
    "roster_invitations_expired",
    "roster_mail_deliveries",
    "roster_webhook_deliveries",
    "roster_mail_outbox_pending",
    "roster_mail_outbox_oldest_pending_age_seconds",
    "roster_webhook_deliveries_pending",
    "roster_webhook_oldest_pending_age_seconds",
    "roster_event_streams_open",
    "roster_db_connections",
    "roster_db_connections_max",
    "roster_db_query_duration_seconds",
    "roster_seats_used",
    "roster_seats_free",
    "roster_organisation_info",
    "roster_ready",
    "roster_build_info",
    "process_resident_memory_bytes",
    "process_start_time_seconds",
];

/// One scrape: each family's type, and each sample's value by its name and labels as written
/// (`roster_sign_ins_total{method="password",outcome="failed"}`).
struct Scrape {
    types: HashMap<String, String>,
    samples: HashMap<String, f64>,
    text: String,
}

impl Scrape {
    fn parse(text: String) -> Scrape {
        let mut types = HashMap::new();
        let mut samples = HashMap::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
                types.insert(name.to_owned(), kind.to_owned());
            } else if !line.starts_with('#') && !line.is_empty() {
                let (series, value) = line.rsplit_once(' ').expect("a sample and its value");
                samples.insert(series.to_owned(), value.parse().expect("a number"));
            }
        }
        Scrape {
            types,
            samples,
            text,
        }
    }

    /// A sample's value; 0 when the series does not exist (yet).
    fn value(&self, series: &str) -> f64 {
        self.samples.get(series).copied().unwrap_or(0.0)
    }

    /// The names a sample of this scrape may have: a counter's `_total`, a histogram's
    /// `_bucket`, `_sum` and `_count`, a gauge's own.
    fn sample_names(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for (family, kind) in &self.types {
            match kind.as_str() {
                "counter" => {
                    names.insert(format!("{family}_total"));
                }
                "histogram" => {
                    for suffix in ["_bucket", "_sum", "_count"] {
                        names.insert(format!("{family}{suffix}"));
                    }
                }
                _ => {
                    names.insert(family.clone());
                }
            }
        }
        names
    }
}

async fn scrape_with_token(app: &TestApp) -> Scrape {
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("the scrape answers");
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    Scrape::parse(response.text().await.unwrap())
}

/// A stranger's guesses at a password until they are throttled: how many were refused as
/// wrong (401), and how many as too many (429).
async fn guess_until_throttled(app: &TestApp) -> (f64, f64) {
    let guesser = app.new_client();
    let (mut failed, mut throttled) = (0.0, 0.0);
    for _ in 0..8 {
        let status = guesser
            .post(
                "/api/v1/sign-in",
                &json!({ "email": "nobody@acme.example", "password": "guess" }),
            )
            .await
            .status();
        match status.as_u16() {
            401 => failed += 1.0,
            429 => throttled += 1.0,
            other => panic!("a guess answered {other}"),
        }
    }
    assert!(throttled >= 1.0, "the guesses were throttled");
    (failed, throttled)
}

/// Waits until `series` in a scrape reaches at least `wanted`.
async fn wait_for_value(app: &TestApp, series: &str, wanted: f64) -> Scrape {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let scrape = scrape_with_token(app).await;
        if scrape.value(series) >= wanted {
            return scrape;
        }
        assert!(
            Instant::now() < deadline,
            "{series} stayed at {} (wanted {wanted})",
            scrape.value(series)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn metrics_name_every_family_and_move_with_what_people_do(engine: Engine) {
    let app = TestApp::spawn_with(engine, |settings| {
        settings.metrics_token = Some(TOKEN.to_owned());
        settings.maintenance_every = Duration::from_millis(200);
    })
    .await;
    let acme = app.set_up().await.last_account.expect("setup's account");

    // Without the token, or with another, nothing is read.
    let anonymous = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.headers().contains_key("www-authenticate"));
    let guessed = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("a metrics token long enougH")
        .send()
        .await
        .unwrap();
    assert_eq!(guessed.status(), 401);

    let before = scrape_with_token(&app).await;
    assert_eq!(before.value("roster_ready"), 1.0);

    // Sign-ins: one right, one wrong, then a stranger's guesses until they are throttled.
    let owner = app.new_client();
    let right = owner
        .post(
            "/api/v1/sign-in",
            &json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }),
        )
        .await;
    assert_eq!(right.status(), 200);
    expect_error(
        app.new_client()
            .post(
                "/api/v1/sign-in",
                &json!({ "email": OWNER_EMAIL, "password": "not it" }),
            )
            .await,
        401,
        "invalid_credentials",
    )
    .await;
    let (guesses_failed, throttled) = guess_until_throttled(&app).await;
    let failed = 1.0 + guesses_failed;

    // Two invitations: one accepted, the other left to expire.
    app.invite(
        acme,
        &["ann@acme.example", "bob@acme.example"],
        &[(Role::Basic, &[acme])],
    )
    .await;
    app.accept_as_new("ann@acme.example", "Ann Avery").await;
    app.execute("UPDATE invitations SET expires_at = 1000 WHERE email = 'bob@acme.example'")
        .await;
    app.execute("UPDATE tree_members SET invitation_expires_at = 1000 WHERE accepted_at IS NULL")
        .await;

    // A live event stream's head comes at once, before any event: a first comment, and the
    // header that keeps nginx from buffering it.
    let mut raw = app
        .api
        .request(reqwest::Method::GET, "/api/v1/events")
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("the stream's head arrives before any event");
    assert_eq!(raw.headers()["x-accel-buffering"], "no");
    let first = raw.chunk().await.unwrap().expect("a first chunk");
    assert!(first.starts_with(b":"), "{first:?}");
    drop(raw);
    // A live event stream, held open while the scrape counts it.
    let stream = EventStream::open(&app.api).await;

    let after = wait_for_value(
        &app,
        "roster_invitations_expired_total",
        before.value("roster_invitations_expired_total") + 1.0,
    )
    .await;
    let after = if after.value("roster_mail_deliveries_total{outcome=\"sent\"}")
        < before.value("roster_mail_deliveries_total{outcome=\"sent\"}") + 2.0
    {
        wait_for_value(
            &app,
            "roster_mail_deliveries_total{outcome=\"sent\"}",
            before.value("roster_mail_deliveries_total{outcome=\"sent\"}") + 2.0,
        )
        .await
    } else {
        after
    };
    // A family appears once it has a series: by now each has.
    for family in FAMILIES {
        assert!(
            after.types.contains_key(family),
            "{family} missing from:\n{}",
            after.text
        );
    }
    let moved = |series: &str| after.value(series) - before.value(series);
    assert_eq!(
        moved("roster_sign_ins_total{method=\"password\",outcome=\"success\"}"),
        1.0
    );
    assert_eq!(
        moved("roster_sign_ins_total{method=\"password\",outcome=\"failed\"}"),
        failed
    );
    assert_eq!(
        moved("roster_sign_ins_total{method=\"password\",outcome=\"throttled\"}"),
        throttled
    );
    assert_eq!(
        moved("roster_throttled_requests_total{route=\"/api/v1/sign-in\"}"),
        throttled
    );
    assert_eq!(moved("roster_invitations_sent_total"), 2.0);
    assert_eq!(moved("roster_invitations_accepted_total"), 1.0);
    assert_eq!(moved("roster_invitations_expired_total"), 1.0);
    assert_eq!(
        moved(
            "roster_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/accounts/{id}/invitations\",status=\"2xx\"}"
        ),
        1.0,
        "counted by the route's template, not its path"
    );
    assert_eq!(
        moved(
            "roster_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/sign-in\",status=\"4xx\"}"
        ),
        failed + throttled
    );
    assert!(
        !after
            .text
            .contains(&format!("/api/v1/accounts/{}/", acme.0)),
        "no label holds an id from a path"
    );
    assert_eq!(after.value("roster_event_streams_open"), 1.0);
    // Statements are timed in a sample of time slices: of the hundreds run meanwhile, some.
    let timed: f64 = ["select", "insert", "update", "delete", "other"]
        .iter()
        .map(|kind| {
            moved(&format!(
                "roster_db_query_duration_seconds_count{{statement=\"{kind}\"}}"
            ))
        })
        .sum();
    assert!(timed > 0.0, "no statement timed");
    // The Owner and Ann hold seats; Bob's invitation ran out and holds none.
    let organisation = format!("{{organisation=\"{}\"}}", acme.0);
    assert_eq!(
        after.value(&format!("roster_seats_used{organisation}")),
        2.0
    );
    let free = after.value(&format!("roster_seats_free{organisation}"));
    assert!(free > 0.0, "free seats: {free}");
    assert!(
        after.text.contains(&format!(
            "roster_organisation_info{{organisation=\"{}\",name=",
            acme.0
        )),
        "{}",
        after.text
    );
    let pool = match engine {
        Engine::Sqlite => "write",
        Engine::Postgres => "main",
    };
    assert!(after.value(&format!("roster_db_connections_max{{pool=\"{pool}\"}}")) >= 1.0);
    assert!(after.value("process_resident_memory_bytes") > 1_000_000.0);
    drop(stream);
    app.stop().await;
}

#[tokio::test]
async fn metrics_are_served_only_where_the_operator_said() {
    // Neither setting: nothing records, and /metrics is not there.
    let plain = TestApp::spawn(Engine::Sqlite).await;
    let missing = plain
        .client
        .get(plain.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(plain.metrics_address.is_none());
    plain.stop().await;

    // A listener of its own: no token there, and none on the main listener.
    let app = TestApp::spawn_with(Engine::Sqlite, |settings| {
        settings.metrics_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    })
    .await;
    let metrics = app.metrics_address.clone().expect("a metrics listener");
    let open = app
        .client
        .get(format!("{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200);
    assert!(
        open.text()
            .await
            .unwrap()
            .contains("# TYPE roster_ready gauge")
    );
    let ready: Readiness = app
        .client
        .get(format!("{metrics}/api/v1/health/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(ready.ready, "{ready:?}");
    let main = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(
        main.status(),
        404,
        "not on the main listener without a token"
    );
    // A page that re-pointed its own name at this machine (DNS rebinding) reads nothing;
    // Prometheus scraping by address does.
    for (host, status) in [("rebound.example:9464", 421), ("10.1.2.3:9464", 200)] {
        let answer = app
            .client
            .get(format!("{metrics}/metrics"))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), status, "/metrics for {host}");
    }
    app.stop().await;

    // On the main listener with a token: reached by the replica's address, as Prometheus
    // does, though other host names are refused there.
    let app = TestApp::spawn_with(Engine::Sqlite, |settings| {
        settings.metrics_token = Some(TOKEN.to_owned());
    })
    .await;
    // What a balancer or Prometheus sends when it reaches a replica by its address.
    let by_address = |path: &str| {
        app.client
            .get(app.url(path))
            .header("host", "10.1.2.3:8080")
            .bearer_auth(TOKEN)
    };
    for path in ["/metrics", "/api/v1/health/ready", "/api/v1/health/live"] {
        let answer = by_address(path).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{path} by address");
    }
    let elsewhere = by_address("/api/v1/sign-in/methods").send().await.unwrap();
    assert_eq!(
        elsewhere.status(),
        421,
        "the API still answers only its name"
    );
    app.stop().await;

    // A token anyone could guess is refused at start.
    let database = roster_tests::app::TestDatabase::new(Engine::Sqlite).await;
    let mut settings =
        roster_backend::settings::Settings::on_free_port(database.url.clone(), "dist");
    settings.metrics_token = Some("short".to_owned());
    let error = roster_backend::startup::Application::build(settings)
        .await
        .err()
        .expect("a short token is refused");
    assert!(error.to_string().contains("at least 16"), "{error:#}");
}

/// Names of metrics in `text`: `roster_…` and `process_…` words.
fn metric_names_in(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = text.as_bytes();
    for prefix in ["roster_", "process_"] {
        let mut from = 0;
        while let Some(found) = text[from..].find(prefix) {
            let start = from + found;
            let mut end = start + prefix.len();
            while end < bytes.len()
                && (bytes[end].is_ascii_lowercase()
                    || bytes[end].is_ascii_digit()
                    || bytes[end] == b'_')
            {
                end += 1;
            }
            let word_start = start == 0
                || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
            if word_start {
                names.insert(text[start..end].to_owned());
            }
            from = end;
        }
    }
    names
}

fn repository_file(path: &str) -> (PathBuf, String) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
    (file, text)
}

#[tokio::test]
async fn the_dashboard_and_the_alerts_name_only_metrics_the_server_exposes() {
    let app = TestApp::spawn_with(Engine::Sqlite, |settings| {
        settings.metrics_token = Some(TOKEN.to_owned());
    })
    .await;
    // Families appear with their first series: an organisation, requests, a throttled one.
    app.set_up().await;
    guess_until_throttled(&app).await;
    let exposed = scrape_with_token(&app).await.sample_names();
    app.stop().await;
    for path in [
        "deploy/grafana/roster-dashboard.json",
        "deploy/prometheus/alerts.yml",
        "deploy/prometheus/prometheus.yml",
    ] {
        let (file, text) = repository_file(path);
        let named = metric_names_in(&text);
        let unknown: Vec<_> = named.difference(&exposed).collect();
        assert!(
            unknown.is_empty(),
            "{} names metrics the server does not expose: {unknown:?}",
            file.display()
        );
        if !path.ends_with("prometheus.yml") {
            assert!(named.len() >= 10, "{}: only {named:?}", file.display());
        }
    }
    // The scan finds what it must, so a misspelt name cannot slip through.
    assert_eq!(
        metric_names_in("rate(roster_sign_ins_total[5m]) / ROSTER_METRICS_TOKEN x_roster_no"),
        BTreeSet::from(["roster_sign_ins_total".to_owned()])
    );
    assert!(!exposed.contains("roster_sign_in_total"));
}

/// Polls `GET /api/v1/health/ready` until `wanted(status, body)`, for at most `within`.
async fn wait_for_readiness(
    address: &str,
    within: Duration,
    wanted: impl Fn(u16, &Readiness) -> bool,
) -> Readiness {
    let client = roster_tests::app::client();
    let deadline = Instant::now() + within;
    loop {
        if let Ok(response) = client
            .get(format!("{address}/api/v1/health/ready"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
        {
            let status = response.status().as_u16();
            if let Ok(readiness) = response.json::<Readiness>().await
                && wanted(status, &readiness)
            {
                return readiness;
            }
        }
        assert!(
            Instant::now() < deadline,
            "readiness did not change in time"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A PostgreSQL server of the test's own (the shared one must stay up for the other tests),
/// on a free port, in a temporary folder.
struct OwnPostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

impl OwnPostgres {
    async fn start() -> OwnPostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("Debian's PostgreSQL (scripts/ensure-postgres.sh installs it)")
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists())
            .max()
            .expect("initdb in /usr/lib/postgresql/*/bin");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data = dir.path().join("data");
        // PostgreSQL refuses to run as root: as root, its own user runs it.
        let as_postgres = run("id", &["-u"]).await.trim() == "0";
        if as_postgres {
            run("chown", &["postgres", &dir.path().display().to_string()]).await;
        }
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let own = OwnPostgres {
            bin,
            data,
            port,
            as_postgres,
            _dir: dir,
        };
        own.pg(
            "initdb",
            &[
                "-D",
                &own.data.display().to_string(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
        )
        .await;
        own.up().await;
        own
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    async fn up(&self) {
        let socket_dir = self.data.display().to_string();
        let options = format!(
            "-p {} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port
        );
        let log = self.data.join("server.log").display().to_string();
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        )
        .await;
    }

    async fn down(&self) {
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        )
        .await;
    }

    async fn pg(&self, program: &str, args: &[&str]) -> String {
        let program = self.bin.join(program).display().to_string();
        if self.as_postgres {
            let mut all = vec!["-u", "postgres", "--", program.as_str()];
            all.extend_from_slice(args);
            run("runuser", &all).await
        } else {
            run(&program, args).await
        }
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        // Stopped whatever the test's outcome, so no server outlives it.
        let pg_ctl = self.bin.join("pg_ctl").display().to_string();
        let data = self.data.display().to_string();
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if self.as_postgres {
            std::process::Command::new("runuser")
                .args(["-u", "postgres", "--", &pg_ctl])
                .args(args)
                .output()
        } else {
            std::process::Command::new(pg_ctl).args(args).output()
        };
    }
}

async fn run(program: &str, args: &[&str]) -> String {
    let output = tokio::process::Command::new(program)
        .args(args)
        .output()
        .await
        .unwrap_or_else(|error| panic!("{program}: {error}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn readiness_follows_postgresql_going_away_and_coming_back() {
    let postgres = OwnPostgres::start().await;
    let server = ServerProcess::start(&postgres.url(), &ChildOptions::default()).await;
    let client = roster_tests::app::client();
    let ready = wait_for_readiness(&server.address, Duration::from_secs(20), |status, r| {
        status == 200 && r.ready
    })
    .await;
    assert_eq!(ready.migrations_applied, ready.migrations_known);

    postgres.down().await;
    let unready = wait_for_readiness(&server.address, Duration::from_secs(20), |status, r| {
        status == 503 && !r.ready
    })
    .await;
    assert_eq!(unready.database, roster_shared::api::Check::Failing);
    assert!(!unready.draining);
    let live = client
        .get(format!("{}/api/v1/health/live", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200, "alive without its database");

    postgres.up().await;
    let back = wait_for_readiness(&server.address, Duration::from_secs(30), |status, r| {
        status == 200 && r.ready
    })
    .await;
    assert_eq!(back.database, roster_shared::api::Check::Ok);
    // And it serves requests that need the database again.
    let methods = client
        .get(format!("{}/api/v1/setup", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(methods.status(), 200);
    server.kill().await;
}

#[tokio::test]
async fn sigterm_turns_readiness_off_then_stops_after_the_requests_in_flight() {
    let database = roster_tests::app::TestDatabase::new(Engine::Sqlite).await;
    let server = ServerProcess::start(
        &database.url,
        &ChildOptions {
            drain_ms: Some(2_000),
            ..ChildOptions::default()
        },
    )
    .await;
    let client = roster_tests::app::client();
    wait_for_readiness(&server.address, Duration::from_secs(20), |status, r| {
        status == 200 && r.ready
    })
    .await;

    server.send_sigterm().await;
    let draining = wait_for_readiness(&server.address, Duration::from_secs(2), |status, r| {
        status == 503 && r.draining
    })
    .await;
    assert!(!draining.ready);
    assert_eq!(draining.database, roster_shared::api::Check::Ok);
    // While it drains it still answers: the balancer has not noticed yet.
    let setup = client
        .get(format!("{}/api/v1/setup", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(setup.status(), 200, "still serving while draining");
    let address = server.address.clone();
    let status = server.wait(Duration::from_secs(15)).await;
    assert!(status.success(), "stopped cleanly: {status:?}");
    assert!(
        client
            .get(format!("{address}/api/v1/health/live"))
            .send()
            .await
            .is_err(),
        "nothing listens any more"
    );
}
