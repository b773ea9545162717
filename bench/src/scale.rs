//! Roster alone at a large organisation (`BENCH_SCALE_PEOPLE`, default 100,000), on SQLite and
//! on PostgreSQL: every kind of Users-list question one request at a time (first pages and
//! pages at random depths in several orders, each filter, searches, a sub-account), then the
//! CSV export of everyone, its time and the server's peak memory during it.
//!
//! PostgreSQL is the one at `BENCH_POSTGRES_URL` (default the machine's
//! `postgres://postgres@127.0.0.1:5432/test`), in a schema of its own dropped afterwards; if
//! none answers, its column says why.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use rand::seq::SliceRandom;

use crate::api::Api;
use crate::roster::{fill_with_demo, serve, sign_in};

/// Requests timed per question.
const SAMPLES: usize = 40;
/// Requests made per question before timing: five runs of each statement on each of the
/// pool's connections, and some to spare.
const WARM_UP: usize = 50;
/// Orders whose every page is read once to collect cursors for the random depths: by name,
/// by address the other way, by status, by last sign-in the other way.
const DEEP_ORDERS: [&str; 4] = [
    "sort=name",
    "sort=email&order=desc",
    "sort=status",
    "sort=last_sign_in&order=desc",
];

/// One question's latencies, one request at a time.
pub struct Latency {
    pub name: String,
    pub p50: Duration,
    pub p99: Duration,
}

/// One engine's figures.
pub struct ScaleRun {
    pub engine: &'static str,
    pub latencies: Vec<Latency>,
    pub export: Duration,
    pub export_bytes: usize,
    pub export_lines: usize,
    pub export_peak_rss: u64,
}

/// Which database a run is on.
pub enum Engine {
    Sqlite,
    Postgres(String),
}

impl Engine {
    fn name(&self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres(_) => "PostgreSQL",
        }
    }
}

/// A PostgreSQL schema for one run, dropped with it.
struct Schema {
    base: String,
    name: String,
}

impl Schema {
    fn create(base: &str) -> Result<Schema> {
        let name = format!("roster_bench_{}", std::process::id());
        psql(
            base,
            &format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"),
        )?;
        Ok(Schema {
            base: base.to_owned(),
            name,
        })
    }

    fn url(&self) -> String {
        let separator = if self.base.contains('?') { '&' } else { '?' };
        format!(
            "{}{separator}options%5Bsearch_path%5D={}",
            self.base, self.name
        )
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = psql(
            &self.base,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
    }
}

fn psql(url: &str, sql: &str) -> Result<()> {
    let out = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .context("cannot run psql")?;
    if !out.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// Fills a fresh database of `engine` with a demo of `people`, serves it on one core and
/// measures it.
pub fn measure(root: &Path, api: &Api, engine: &Engine, people: usize) -> Result<ScaleRun> {
    let binary = root.join("target/release/roster");
    let dir = tempfile::Builder::new()
        .prefix("roster-bench-scale-")
        .tempdir()?;
    let schema = match engine {
        Engine::Postgres(base) => Some(Schema::create(base)?),
        Engine::Sqlite => None,
    };
    let database_url = match &schema {
        Some(schema) => schema.url(),
        None => format!("sqlite://{}", dir.path().join("roster.db").display()),
    };
    let started = Instant::now();
    let (email, password) = fill_with_demo(&binary, &database_url, people)?;
    println!(
        "{}: roster demo --people {people}: {:.1} s",
        engine.name(),
        started.elapsed().as_secs_f64()
    );
    let (server, base_url) = serve(api, root, &database_url, dir)?;
    let owner = sign_in(api, &base_url, &email, &password)?;
    let owner = &owner[..1];
    let get = |path: &str| -> Result<(Duration, String)> {
        let started = Instant::now();
        let reply = api.get_as(&format!("{base_url}{path}"), owner)?;
        let took = started.elapsed();
        if reply.status != 200 {
            bail!("{path} answered {}: {}", reply.status, reply.body);
        }
        Ok((took, reply.body))
    };
    let session: serde_json::Value = serde_json::from_str(&get("/api/v1/session")?.1)?;
    let account = session["last_account"]
        .as_i64()
        .context("the demo Owner's organisation")?;
    let accounts: serde_json::Value = serde_json::from_str(&get("/api/v1/accounts")?.1)?;
    let sub_account = accounts
        .as_array()
        .and_then(|all| all.iter().find(|a| a["depth"].as_i64() == Some(1)))
        .and_then(|a| a["id"].as_i64())
        .context("a sub-account of the demo")?;
    let list = format!("/api/v1/accounts/{account}/people?per_page=50");

    // Cursors at every depth: each order read once, 200 at a time (a cursor is a place in the
    // order, whatever the page size).
    let mut rng = rand::rng();
    let mut questions: Vec<(String, Vec<String>)> = Vec::new();
    questions.push((
        "first page, 4 orders".into(),
        DEEP_ORDERS.iter().map(|o| format!("{list}&{o}")).collect(),
    ));
    for order in DEEP_ORDERS {
        let mut cursors = Vec::new();
        let mut path = format!("/api/v1/accounts/{account}/people?per_page=200&{order}");
        loop {
            let page: serde_json::Value = serde_json::from_str(&get(&path)?.1)?;
            let Some(next) = page["next"].as_str() else {
                break;
            };
            cursors.push(format!("{list}&{order}&cursor={next}"));
            path = format!("/api/v1/accounts/{account}/people?per_page=200&{order}&cursor={next}");
        }
        cursors.shuffle(&mut rng);
        questions.push((format!("random depth, {order}"), cursors));
    }
    for filter in [
        "status=active",
        "status=pending",
        "status=expired",
        "role=owner",
        "role=admin",
        "role=basic",
        "inactive=30d",
        "inactive=never",
        "status=pending&sort=last_sign_in",
        "role=admin&sort=email&order=desc",
    ] {
        questions.push((filter.to_owned(), vec![format!("{list}&{filter}")]));
    }
    // Searches: a first name's start (a broad one), a full address, a second word's start,
    // and one that matches no one.
    let first: serde_json::Value = serde_json::from_str(&get(&list)?.1)?;
    let someone = first["people"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"].is_string()))
        .context("someone with a name on the first page")?;
    let name = someone["name"].as_str().unwrap_or_default().to_lowercase();
    let address = someone["email"].as_str().unwrap_or_default().to_owned();
    let second_word: String = name
        .split_whitespace()
        .nth(1)
        .unwrap_or("a")
        .chars()
        .take(3)
        .collect();
    for q in ["a", "ma", &second_word, &address, "zzqx"] {
        questions.push((
            format!("search \"{q}\""),
            vec![format!("{list}&q={}", query_value(q))],
        ));
    }
    questions.push((
        "sub-account, first page".into(),
        vec![format!("/api/v1/accounts/{sub_account}/people?per_page=50")],
    ));
    questions.push((
        "sub-account, role=basic".into(),
        vec![format!(
            "/api/v1/accounts/{sub_account}/people?per_page=50&role=basic"
        )],
    ));

    let mut latencies = Vec::new();
    for (name, paths) in &questions {
        if paths.is_empty() {
            continue;
        }
        // Unrecorded rounds for the caches, as a server that has been answering for a while
        // has them: PostgreSQL plans a prepared statement anew on each of its first five runs
        // on a connection (then keeps a plan for it), and the pool hands out its connections
        // in turn, so the first few dozen requests of a question paid for planning (about
        // 0.4 ms a statement) and the median of 40 fell among them or not from run to run.
        for path in paths.iter().cycle().take(WARM_UP) {
            get(path)?;
        }
        let mut times: Vec<Duration> = (0..SAMPLES)
            .map(|n| get(&paths[n % paths.len()]).map(|(took, _)| took))
            .collect::<Result<_>>()?;
        times.sort();
        latencies.push(Latency {
            name: name.clone(),
            p50: times[times.len() / 2],
            p99: times[(times.len() * 99).div_ceil(100) - 1],
        });
    }

    crate::target::reset_peak_rss(server.pid())?;
    let started = Instant::now();
    let (_, csv) = get(&format!("/api/v1/accounts/{account}/people.csv"))?;
    let export = started.elapsed();
    let export_peak_rss = crate::target::peak_rss_bytes(server.pid())?;
    let run = ScaleRun {
        engine: engine.name(),
        latencies,
        export,
        export_bytes: csv.len(),
        export_lines: csv.matches("\r\n").count(),
        export_peak_rss,
    };
    drop(server);
    drop(schema);
    Ok(run)
}

/// `text` for a query string.
fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The table of both engines, then the budget lines.
pub fn print(runs: &[Result<ScaleRun>], people: usize) {
    let sqlite = runs.first().and_then(|r| r.as_ref().ok());
    let postgres = runs.get(1).and_then(|r| r.as_ref().ok());
    for run in runs {
        if let Err(error) = run {
            println!("\x1b[1;33mnot measured:\x1b[0m {error:#}");
        }
    }
    let Some(sqlite) = sqlite else {
        return;
    };
    println!(
        "{:<40} {:>12} {:>12} {:>14} {:>14} {:>8}",
        format!("Users list at {people} people"),
        "SQLite p50",
        "SQLite p99",
        "PostgreSQL p50",
        "PostgreSQL p99",
        "PG/SQL"
    );
    for (n, latency) in sqlite.latencies.iter().enumerate() {
        let pg = postgres.and_then(|p| p.latencies.get(n));
        println!(
            "{:<40} {:>9.2} ms {:>9.2} ms {:>11} {:>11} {:>8}",
            latency.name,
            ms(latency.p50),
            ms(latency.p99),
            pg.map_or("-".into(), |p| format!("{:.2} ms", ms(p.p50))),
            pg.map_or("-".into(), |p| format!("{:.2} ms", ms(p.p99))),
            pg.map_or("-".into(), |p| format!(
                "{:.2}×",
                ms(p.p50) / ms(latency.p50)
            )),
        );
    }
    for run in [Some(sqlite), postgres].into_iter().flatten() {
        println!(
            "{}: people.csv of {} lines ({:.1} MB) in {:.2} s, server's peak RSS {:.1} MB",
            run.engine,
            run.export_lines,
            run.export_bytes as f64 / 1e6,
            run.export.as_secs_f64(),
            run.export_peak_rss as f64 / 1e6
        );
    }
}

/// The budget lines of the large organisation.
pub fn print_budgets(runs: &[Result<ScaleRun>]) {
    let verdict = |ok: bool, text: &str| println!("{}  {text}", if ok { "PASS" } else { "FAIL" });
    let sqlite = runs.first().and_then(|r| r.as_ref().ok());
    let postgres = runs.get(1).and_then(|r| r.as_ref().ok());
    if let Some(sqlite) = sqlite {
        let over: Vec<String> = sqlite
            .latencies
            .iter()
            .filter(|l| ms(l.p99) > 10.0)
            .map(|l| format!("{} {:.1} ms", l.name, ms(l.p99)))
            .collect();
        verdict(
            over.is_empty(),
            &format!(
                "large organisation on SQLite: every page, order, filter and search ≤ 10 ms (p99, one at a time){}",
                if over.is_empty() {
                    String::new()
                } else {
                    format!("; over: {}", over.join(", "))
                }
            ),
        );
        if let Some(postgres) = postgres {
            let over: Vec<String> = sqlite
                .latencies
                .iter()
                .zip(&postgres.latencies)
                .filter(|(s, p)| ms(p.p50) > 2.0 * ms(s.p50).max(1.0))
                .map(|(s, p)| format!("{} {:.1}×", s.name, ms(p.p50) / ms(s.p50)))
                .collect();
            verdict(
                over.is_empty(),
                &format!(
                    "large organisation on PostgreSQL: within 2× SQLite (p50; 1 ms floor){}",
                    if over.is_empty() {
                        String::new()
                    } else {
                        format!("; over: {}", over.join(", "))
                    }
                ),
            );
        }
    }
    for run in [sqlite, postgres].into_iter().flatten() {
        verdict(
            run.export <= Duration::from_secs(3) && run.export_peak_rss <= 50_000_000,
            &format!(
                "people.csv of everyone on {}: {:.2} s (budget 3 s), peak RSS {:.1} MB (budget 50 MB)",
                run.engine,
                run.export.as_secs_f64(),
                run.export_peak_rss as f64 / 1e6
            ),
        );
    }
}
