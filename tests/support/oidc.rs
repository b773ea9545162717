//! A real OpenID provider on loopback for the single sign-on tests: `oidc-provider` (npm, an
//! OpenID Certified implementation; `make test` installs it into `$ROSTER_TOOLS/npm`) run by
//! Node from `tests/support/oidc_provider.mjs`, with one client for Roster and the accounts a
//! test gives it.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const CLIENT_ID: &str = "roster";
pub const CLIENT_SECRET: &str = "a client secret long enough for HMAC-signed tokens, 256 bits";

/// Someone the provider knows: the login name typed on its form, and their claims.
pub struct Account<'a> {
    pub login: &'a str,
    pub email: &'a str,
    pub email_verified: bool,
    pub name: &'a str,
}

pub struct OidcProvider {
    /// `http://127.0.0.1:PORT`: the issuer.
    pub issuer: String,
    process: Child,
}

impl OidcProvider {
    /// Starts a provider whose client redirects to `redirect_uri`.
    pub async fn start(redirect_uri: &str, accounts: &[Account<'_>]) -> OidcProvider {
        Self::start_with_clock(redirect_uri, accounts, 0, 3600).await
    }

    /// The same, with its clock `offset_seconds` away from the real one (tokens it issues
    /// look that much older or newer), and ID tokens valid `id_token_ttl` seconds.
    pub async fn start_with_clock(
        redirect_uri: &str,
        accounts: &[Account<'_>],
        offset_seconds: i64,
        id_token_ttl: u32,
    ) -> OidcProvider {
        let module = crate::tools_dir().join("npm/node_modules/oidc-provider/lib/index.js");
        assert!(
            module.is_file(),
            "oidc-provider is missing at {} : run scripts/install-tools.sh",
            module.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let accounts: serde_json::Map<String, Value> = accounts
            .iter()
            .map(|a| {
                (
                    a.login.to_owned(),
                    json!({ "email": a.email, "email_verified": a.email_verified, "name": a.name }),
                )
            })
            .collect();
        let config = json!({
            "module": module,
            "port": port,
            "clients": [{
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [redirect_uri],
            }],
            "accounts": accounts,
            "clock_offset_seconds": offset_seconds,
            "id_token_ttl_seconds": id_token_ttl,
        });
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("support/oidc_provider.mjs");
        let mut process = Command::new("node")
            .arg(script)
            .env("OIDC_TEST_CONFIG", config.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs (make test installs it)");
        let stdout = process.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let issuer = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("provider output") {
                if let Some(issuer) = line.strip_prefix("oidc provider listening on ") {
                    return issuer.trim().to_owned();
                }
            }
            panic!("the OpenID provider exited before listening");
        })
        .await
        .expect("the OpenID provider started in time");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        OidcProvider { issuer, process }
    }

    /// Enters this provider as `account`'s identity provider (`app.api` is its Owner) and has
    /// the operator vouch for `domain`: single sign-on ready for that domain.
    pub async fn configure_for(
        &self,
        app: &crate::TestApp,
        account: roster_shared::account::AccountId,
        domain: &str,
    ) -> roster_shared::api::SsoSettings {
        let settings = crate::expect_json(
            app.api
                .put(
                    &format!("/api/v1/accounts/{}/sso/provider", account.0),
                    &json!({ "issuer": self.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET }),
                )
                .await,
            200,
        )
        .await;
        roster_backend::operator::verify_domain(app.database_url(), account.0, domain)
            .await
            .expect("the operator vouches for the domain");
        settings
    }

    /// Stops it (a provider that is down).
    pub async fn stop(mut self) {
        let _ = self.process.kill().await;
        let _ = self.process.wait().await;
    }
}

/// What a browser does between Roster's redirect to the provider and the provider's redirect
/// back: opens `authorize_url`, signs in on the provider's form as `login`, and follows the
/// redirects. Answers the URL the provider sent the browser back to (Roster's callback, not
/// yet opened).
pub async fn sign_in_at_provider(authorize_url: &str, login: &str) -> String {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut url = url::Url::parse(authorize_url).expect("an authorize URL");
    let mut form_posted = false;
    for _ in 0..10 {
        let response = if !form_posted && url.path().starts_with("/interaction/") {
            form_posted = true;
            browser
                .post(url.clone())
                .form(&[("prompt", "login"), ("login", login), ("password", "any")])
                .send()
                .await
                .expect("the provider answers")
        } else {
            browser
                .get(url.clone())
                .send()
                .await
                .expect("the provider answers")
        };
        let status = response.status();
        if status == reqwest::StatusCode::OK && url.path().starts_with("/interaction/") {
            // The login form itself: post it next.
            continue;
        }
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .unwrap_or_else(|| panic!("the provider answered {status} at {url} without a redirect"))
            .to_str()
            .unwrap()
            .to_owned();
        let next = url.join(&location).expect("a redirect");
        if next.origin() != url::Url::parse(authorize_url).unwrap().origin() {
            return next.to_string();
        }
        url = next;
    }
    panic!("the provider never sent the browser back");
}
