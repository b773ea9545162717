//! One running Roster server per test, on a free loopback port, with its own database.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng as _;
use roster_backend::settings::Settings;
use roster_backend::startup::Application;
use roster_shared::api::{SessionInfo, SignInOutcome};
use serde::Serialize;

use crate::client::{ApiClient, expect_json};

pub const OWNER_EMAIL: &str = "olivia@acme.example";
pub const OWNER_PASSWORD: &str = "correct horse battery";
/// The password people choose when they accept an invitation in the tests.
pub const MEMBER_PASSWORD: &str = "members pick long ones";
use sqlx::Executor as _;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The database engine a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs an `async fn(Engine)` test once against SQLite and once against PostgreSQL:
/// `engines!(name);` makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! engines {
    ($($test:ident),+ $(,)?) => {
        $(
            mod $test {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$test($crate::Engine::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$test($crate::Engine::Postgres).await;
                }
            }
        )+
    };
}

/// The PostgreSQL server the suites use. `make test` makes sure one answers there.
pub fn postgres_url() -> String {
    std::env::var("ROSTER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// The built SPA (`make web`), which the server serves in browser tests.
pub fn web_dir() -> PathBuf {
    std::env::var_os("ROSTER_TEST_WEB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist"))
}

/// A fresh, empty database: a new SQLite file, or a new schema in the test PostgreSQL.
pub struct TestDatabase {
    pub engine: Engine,
    pub url: String,
    schema: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestDatabase {
    pub async fn new(engine: Engine) -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (url, schema) = match engine {
            Engine::Sqlite => (
                format!("sqlite://{}", dir.path().join("roster.db").display()),
                None,
            ),
            Engine::Postgres => {
                let schema = fresh_postgres_schema().await;
                (with_search_path(&postgres_url(), &schema), Some(schema))
            }
        };
        TestDatabase {
            engine,
            url,
            schema,
            _dir: dir,
        }
    }

    /// A connection to it (its own small pool).
    pub async fn pool(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&self.url)
            .await
            .expect("the test database answers")
    }

    /// Removes it (the SQLite file goes with its folder when this is dropped).
    pub async fn remove(mut self) {
        if let Some(schema) = self.schema.take() {
            drop_schema(&schema).await;
        }
    }
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub engine: Engine,
    /// A client with its own cookie jar, like one browser.
    pub client: reqwest::Client,
    /// The same, sending the CSRF token like the SPA does.
    pub api: ApiClient,
    /// The first-run link the server printed (while nobody is set up).
    pub setup_link: Option<String>,
    /// `http://<address>` of the metrics listener, when the settings ask for one.
    pub metrics_address: Option<String>,
    database: Option<TestDatabase>,
    database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// Starts a server with a fresh, empty database.
    pub async fn spawn(engine: Engine) -> TestApp {
        Self::spawn_with(engine, |_| {}).await
    }

    /// Starts a server with a fresh, empty database and adjusted settings.
    pub async fn spawn_with(engine: Engine, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let database = TestDatabase::new(engine).await;
        Self::spawn_on(database, adjust).await
    }

    /// Starts a server on an existing test database (for instance after a crash).
    pub async fn spawn_on(database: TestDatabase, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = Settings::on_free_port(database.url.clone(), web_dir());
        adjust(&mut settings);
        let app = Application::build(settings)
            .await
            .unwrap_or_else(|error| panic!("the server did not start: {error:#}"));
        let address = format!("http://{}", app.local_addr());
        let setup_link = app.setup_link().map(str::to_owned);
        let metrics_address = app.metrics_addr().map(|a| format!("http://{a}"));
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            let _ = stop.await;
        }));
        TestApp {
            api: ApiClient::new(&address),
            address,
            engine: database.engine,
            setup_link,
            metrics_address,
            client: client(),
            database_url: database.url.clone(),
            database: Some(database),
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// A new client with its own cookie jar (another browser or device).
    pub fn new_client(&self) -> ApiClient {
        ApiClient::new(&self.address)
    }

    /// The token of the first-run setup link.
    pub fn setup_token(&self) -> String {
        let link = self
            .setup_link
            .as_deref()
            .expect("a fresh server prints a setup link");
        link.split_once("#token=")
            .expect("the link carries a token")
            .1
            .to_owned()
    }

    /// Runs first-run setup with [`OWNER_EMAIL`] / [`OWNER_PASSWORD`]; `self.api` is then
    /// signed in as that Owner.
    pub async fn set_up(&self) -> SessionInfo {
        let request = serde_json::json!({
            "token": self.setup_token(),
            "account_name": "Acme",
            "plan": "team",
            "owner_name": "Olivia Owner",
            "email": OWNER_EMAIL,
            "password": OWNER_PASSWORD,
        });
        match expect_json(self.api.post("/api/v1/setup", &request).await, 200).await {
            SignInOutcome::SignedIn { session } => {
                self.api.adopt(&session);
                session
            }
            other => panic!("setup did not sign in: {other:?}"),
        }
    }

    /// The fixture most tests start from: a server on `engine` with its first organisation
    /// ("Acme") set up and its Owner signed in on `api`; answers the organisation's account.
    pub async fn signed_in_organisation(
        engine: Engine,
    ) -> (TestApp, roster_shared::account::AccountId) {
        let app = TestApp::spawn(engine).await;
        let acme = app
            .set_up()
            .await
            .last_account
            .expect("setup lands in the new account");
        (app, acme)
    }

    /// A connection to this server's database (its own pool), to look or to change time.
    pub async fn db(&self) -> sqlx::AnyPool {
        self.database.as_ref().expect("the database").pool().await
    }

    /// Runs one statement against this server's database.
    pub async fn execute(&self, sql: &str) {
        let pool = self.db().await;
        pool.execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        pool.close().await;
    }

    /// The URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the request reaches the server")
    }

    pub async fn post_json(&self, path: &str, body: &impl Serialize) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("the request reaches the server")
    }

    /// The database URL this server uses (to inspect or to start a second replica).
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Stops the server and starts a new one on the same database (a restart).
    pub async fn restart(mut self) -> TestApp {
        let database = self.stop_server().await;
        Self::spawn_on(database, |_| {}).await
    }

    /// Stops the server gracefully and hands back its database.
    pub async fn stop_server(&mut self) -> TestDatabase {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("the server task ends")
                .expect("the server stops cleanly");
        }
        self.database.take().expect("the database")
    }

    /// Stops the server gracefully and removes its database.
    pub async fn stop(mut self) {
        self.stop_server().await.remove().await;
    }
}

/// A client like a browser's: keeps cookies, does not follow redirects silently.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

fn with_search_path(url: &str, schema: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options%5Bsearch_path%5D={schema}")
}

async fn admin_pool() -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&postgres_url())
        .await
        .unwrap_or_else(|error| {
            panic!(
                "PostgreSQL does not answer at {} ({error}). `make test` starts one; or set \
                 ROSTER_TEST_POSTGRES_URL.",
                postgres_url()
            )
        })
}

/// A new, empty schema for one test. Schemas are named `roster_t_<unix seconds>_<random>`;
/// ones older than an hour (from runs that crashed before cleaning up) are dropped once per
/// test process.
async fn fresh_postgres_schema() -> String {
    static SWEPT: OnceLock<()> = OnceLock::new();
    let pool = admin_pool().await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    if SWEPT.set(()).is_ok() {
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT nspname::TEXT FROM pg_namespace WHERE nspname LIKE 'roster\\_t\\_%'",
        )
        .fetch_all(&pool)
        .await
        .unwrap_or_default();
        for schema in stale {
            let created: u64 = schema
                .split('_')
                .nth(2)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            if created + 3600 < now {
                let _ = pool
                    .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
                    .await;
            }
        }
    }
    // Extensions are installed once per database: in `public`, before any test's migrations
    // would install pg_trgm in their own schema (and take it with them when it is dropped).
    static EXTENSIONS: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    EXTENSIONS
        .get_or_init(|| async {
            let _ = pool
                .execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
                .await;
            let _ = pool
                .execute("ALTER EXTENSION pg_trgm SET SCHEMA public")
                .await;
        })
        .await;
    let schema = format!("roster_t_{now}_{:08x}", rand::rng().random::<u32>());
    pool.execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .expect("create a test schema");
    pool.close().await;
    schema
}

async fn drop_schema(schema: &str) {
    let pool = admin_pool().await;
    let _ = pool
        .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
        .await;
    pool.close().await;
}
