//! Headless Chromium driven over WebDriver (Debian's chromium and chromium-driver).

use std::net::TcpListener;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use roster_shared::account::AccountId;
use tokio::process::{Child, Command};

use crate::TestApp;
use crate::wait::{eventually, settled};

/// How long the page may take to show what a test waits for.
const WAIT: Duration = Duration::from_secs(20);

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// ChromeDriver and the Chromium it starts share a process group of their own (the driver's
/// id): killing the group ends the browser with its driver. Killing the driver alone, as
/// `kill_on_drop` does, left Chromium running after a test that failed or forgot to close.
fn kill_group(driver: &Child) {
    if let Some(pid) = driver.id() {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stderr(Stdio::null())
            .status();
    }
}

/// The processes of process group `group` that still run (not those exited and waiting to be
/// reaped), from `/proc`.
pub fn running_in_group(group: u32) -> Vec<(u32, String)> {
    let mut running = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp …`: the name may hold spaces, so read after its `)`.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.len() > 2 && fields[0] != "Z" && fields[2] == group.to_string() {
            let name = head.split_once('(').map_or("", |(_, n)| n).to_owned();
            running.push((pid, name));
        }
    }
    running
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&self.driver);
    }
}

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

impl Browser {
    /// Starts ChromeDriver on a free port and opens a fresh headless Chromium profile.
    pub async fn launch() -> Browser {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {CHROMEDRIVER} ({error}); `make test` installs it")
            });
        let profile = tempfile::tempdir().expect("a profile folder");
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }
        });
        let capabilities = match capabilities {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        let url = format!("http://127.0.0.1:{port}");
        let client = eventually(
            "ChromeDriver accepting a session",
            Duration::from_secs(10),
            || async {
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(capabilities.clone())
                    .connect(&url)
                    .await
                    .ok()
            },
        )
        .await;
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Waits (up to 20 s) for an element and returns its text. A screen that re-renders the
    /// element between finding it and reading it (loading, then loaded) is read again.
    pub async fn text_of(&self, css: &str) -> String {
        eventually(&format!("the text of {css}"), WAIT, || self.text_now(css)).await
    }

    /// Runs a Chrome DevTools Protocol command in the page (through ChromeDriver).
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        self.client
            .issue_cmd(Cdp {
                cmd: cmd.to_owned(),
                params,
            })
            .await
            .unwrap_or_else(|error| panic!("CDP {cmd} failed: {error}"))
    }

    /// Makes requests whose URL matches one of `patterns` fail as if the network were down
    /// (`*` is a wildcard), or restores the network with no patterns.
    pub async fn block_urls(&self, patterns: &[&str]) {
        self.cdp("Network.enable", serde_json::json!({})).await;
        self.cdp(
            "Network.setBlockedURLs",
            serde_json::json!({ "urls": patterns }),
        )
        .await;
    }

    /// Opens a path of the app under test.
    pub async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// Replaces the text of the input matching `css` (waiting for it) by typing `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no field {css}: {error}"));
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("cannot clear {css}: {e}"));
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
    }

    /// The text of the element matching `css` right now, if there is one.
    async fn text_now(&self, css: &str) -> Option<String> {
        self.client
            .find(Locator::Css(css))
            .await
            .ok()?
            .text()
            .await
            .ok()
    }

    /// Waits (up to 20 s) until the element matching `css` shows exactly `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) {
        let last = settled(
            WAIT,
            || self.text_now(css),
            |text| text.as_deref() == Some(expected),
        )
        .await;
        assert_eq!(
            last.as_deref(),
            Some(expected),
            "{css} never showed {expected:?}"
        );
    }

    /// Fills in and sends the sign-in page; where the app goes next is the caller's to wait for.
    pub async fn submit_sign_in(&self, app: &TestApp, email: &str, password: &str) {
        self.open(&app.url("/sign-in")).await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("[data-test=sign-in-submit]").await;
    }

    /// Signs `email` in through the sign-in page and waits for the Users list of `account`,
    /// where the app opens after signing in.
    pub async fn sign_in_to_users(
        &self,
        app: &TestApp,
        email: &str,
        password: &str,
        account: AccountId,
    ) {
        self.submit_sign_in(app, email, password).await;
        self.wait_for_path(&format!("/accounts/{}/users", account.0))
            .await;
        self.wait_for_text("h1", "Users").await;
    }

    /// The address bar's URL right now.
    pub async fn url(&self) -> url::Url {
        self.client.current_url().await.expect("the page's address")
    }

    /// A browser with the Owner of `app`'s organisation signed in, on the Users list of
    /// `account` (the fixture of [`TestApp::signed_in_organisation`], in a browser).
    pub async fn signed_in_as_owner(app: &TestApp, account: AccountId) -> Browser {
        let browser = Browser::launch().await;
        browser
            .sign_in_to_users(app, crate::OWNER_EMAIL, crate::OWNER_PASSWORD, account)
            .await;
        browser
    }

    /// Waits (up to 20 s) until the address bar's path is `path`.
    pub async fn wait_for_path(&self, path: &str) {
        let last = settled(
            WAIT,
            || async { self.url().await.path().to_owned() },
            |here| here == path,
        )
        .await;
        assert_eq!(last, path, "the page never reached {path}");
    }

    /// Waits (up to 20 s) until the page has left `path` (a redirect, a sign-in), and answers
    /// where it is.
    pub async fn wait_to_leave(&self, path: &str) -> url::Url {
        eventually(&format!("leaving {path}"), WAIT, || async {
            Some(self.url().await).filter(|here| here.path() != path)
        })
        .await
    }

    /// How many elements match `css` right now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// Waits (up to 20 s) until `count` elements match `css`.
    pub async fn wait_for_count(&self, css: &str, count: usize) {
        let seen = settled(WAIT, || self.count(css), |seen| *seen == count).await;
        assert_eq!(seen, count, "never saw {count} × {css}");
    }

    /// Whether an element matching `css` shows up within `within`.
    pub async fn appears_within(&self, css: &str, within: Duration) -> bool {
        settled(within, || self.count(css), |seen| *seen > 0).await > 0
    }

    /// Runs `script` in the page (it returns a value) and answers what it returned.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    /// Runs `script` until it returns `expected`, for up to 20 s.
    pub async fn wait_for_js(&self, script: &str, expected: serde_json::Value) {
        let last = settled(WAIT, || self.js(script), |value| *value == expected).await;
        assert_eq!(last, expected, "{script}");
    }

    /// Waits (up to 20 s) until no transition or animation of the page runs (a spinner's
    /// endless turn aside), so that what a screenshot shows is final.
    pub async fn wait_for_animations(&self) {
        self.wait_for_js(
            "return document.getAnimations().every((a) => a.playState !== 'running' \
               || a.effect.getComputedTiming().iterations === Infinity);",
            serde_json::json!(true),
        )
        .await;
    }

    /// Waits (up to 20 s) until nothing on the page is loading (`aria-busy`, `.loading`).
    pub async fn wait_until_loaded(&self) {
        self.wait_for_js(
            "return document.querySelectorAll('[aria-busy=true], .loading').length;",
            serde_json::json!(0),
        )
        .await;
    }

    /// The text of the dialog (`confirm`, `alert`) the page shows, once it shows one.
    pub async fn wait_for_alert(&self) -> String {
        eventually("a dialog", WAIT, || async {
            self.client.get_alert_text().await.ok()
        })
        .await
    }

    /// From the next page load on, counts the event streams the app opens in
    /// `window.__streams_opened`, and the events they bring by name in `window.__heard` (see
    /// [`Browser::wait_for_event_stream`], [`Browser::wait_to_hear`]).
    pub async fn watch_event_streams(&self) {
        self.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": r#"
                window.__streams_opened = 0;
                window.__heard = {};
                window.EventSource = class extends window.EventSource {
                  constructor(url, options) {
                    super(url, options);
                    this.addEventListener('open', () => { window.__streams_opened += 1; });
                    // Listeners run in the order added: the app's own run right after these,
                    // in the same dispatch, before a test can look.
                    for (const name of ['inbound_message', 'people_changed', 'access_changed', 'session_ended']) {
                      this.addEventListener(name, () => { window.__heard[name] = (window.__heard[name] || 0) + 1; });
                    }
                  }
                };"# }),
        )
        .await;
    }

    /// Waits (up to 20 s) until the page has heard `count` live events called `name` (and
    /// the app has handled them). Needs [`Browser::watch_event_streams`] before the page loaded.
    pub async fn wait_to_hear(&self, name: &str, count: u64) {
        self.wait_for_js(
            &format!("return window.__heard[{}] || 0;", serde_json::json!(name)),
            serde_json::json!(count),
        )
        .await;
    }

    /// Waits (up to 20 s) until the page's live event stream is open: what the server
    /// publishes from now on reaches it. Needs [`Browser::watch_event_streams`] before the page
    /// loaded.
    pub async fn wait_for_event_stream(&self) {
        eventually("an open event stream", WAIT, || async {
            let opened = self.js("return window.__streams_opened || 0;").await;
            opened.as_u64().filter(|n| *n > 0)
        })
        .await;
    }

    /// Saves a screenshot (PNG) for a person to look at.
    pub async fn screenshot(&self, path: &std::path::Path) {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(path, png).expect("write the screenshot");
    }

    /// Saves a screenshot of the whole page, however tall, not only the window.
    pub async fn screenshot_full(&self, path: &std::path::Path) {
        let height = self
            .client
            .execute(
                "return Math.max(document.documentElement.scrollHeight, window.innerHeight);",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(900.0)
            .min(6000.0);
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({ "width": 1280, "height": height as i64, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await;
        self.next_frames().await;
        self.screenshot(path).await;
        self.cdp(
            "Emulation.clearDeviceMetricsOverride",
            serde_json::json!({}),
        )
        .await;
    }

    /// Clicks the element matching `css` (waiting for it).
    pub async fn click(&self, css: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no element {css} to click: {error}"))
            .click()
            .await
            .unwrap_or_else(|error| panic!("cannot click {css}: {error}"));
    }

    /// Waits (up to 20 s) for the element matching `css`.
    async fn element(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no element {css} appeared: {error}"))
    }

    /// Types `text` into the element matching `css` without clearing it first (WebDriver
    /// key codes work: `"\u{E007}"` is Enter, `"\u{E015}"` ArrowDown).
    pub async fn type_into(&self, css: &str, text: &str) {
        self.element(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
    }

    /// Types `text` into whatever has focus now (as a person typing would).
    pub async fn type_keys(&self, text: &str) {
        let active = self
            .client
            .active_element()
            .await
            .expect("an element with focus");
        active
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type {text:?}: {e}"));
    }

    /// The current value (the `value` property) of the input matching `css`.
    pub async fn value_of(&self, css: &str) -> String {
        self.element(css)
            .await
            .prop("value")
            .await
            .expect("the value property")
            .unwrap_or_default()
    }

    /// Whether the checkbox (or option) matching `css` is checked (selected).
    pub async fn is_checked(&self, css: &str) -> bool {
        self.element(css)
            .await
            .is_selected()
            .await
            .expect("the checked state")
    }

    /// Chooses the option with `value` in the `<select>` matching `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"))
            .await;
    }

    /// Waits (up to 20 s) until the element matching `css` contains `expected` in its text.
    pub async fn wait_for_text_containing(&self, css: &str, expected: &str) -> String {
        let last = settled(
            WAIT,
            || self.text_now(css),
            |text| text.as_deref().is_some_and(|t| t.contains(expected)),
        )
        .await;
        match last {
            Some(text) if text.contains(expected) => text,
            last => panic!("{css} never contained {expected:?} (last: {last:?})"),
        }
    }

    /// Waits until the page has drawn two more frames: what was laid out is on screen.
    pub async fn next_frames(&self) {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await
            .expect("the page draws frames");
    }

    /// The `id` of the element that has focus.
    pub async fn focused_id(&self) -> String {
        let active = self
            .client
            .active_element()
            .await
            .expect("an element with focus");
        active.attr("id").await.ok().flatten().unwrap_or_default()
    }

    /// Shows the page in the dark colour scheme (`prefers-color-scheme: dark`), or light, once
    /// the colours have finished fading.
    pub async fn set_dark(&self, dark: bool) {
        let scheme = if dark { "dark" } else { "light" };
        self.cdp(
            "Emulation.setEmulatedMedia",
            serde_json::json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
        )
        .await;
        self.wait_for_animations().await;
    }

    /// The process group of ChromeDriver and its Chromium.
    pub fn process_group(&self) -> u32 {
        self.driver.id().expect("ChromeDriver runs")
    }

    /// Closes the browser session; dropping the browser then stops ChromeDriver and whatever
    /// of Chromium is left.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// ChromeDriver's extension command that forwards to the DevTools protocol.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: serde_json::Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}
