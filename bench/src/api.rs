//! The few HTTP calls the runner makes itself (waiting for a server, first-run setup), as
//! plain blocking calls: the runner is a sequence of steps, so async would buy nothing here.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use reqwest::header::SET_COOKIE;

pub struct Api {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

pub struct Reply {
    pub status: u16,
    /// `name=value` of each `Set-Cookie` (attributes dropped), as a client sends them back.
    pub cookies: Vec<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_str(&self.body)
            .with_context(|| format!("the answer is not JSON: {}", self.body))
    }
}

impl Api {
    pub fn new() -> Result<Api> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // No proxy: an http_proxy in the environment must not carry loopback requests.
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            // The server closes a connection that sends nothing for 10 s (its header read
            // timeout); one kept longer is reused just as it closes, now and then, and the
            // request fails ("connection closed before message completed").
            .pool_idle_timeout(Duration::from_secs(4))
            .build()?;
        Ok(Api { runtime, client })
    }

    pub fn get(&self, url: &str) -> Result<Reply> {
        self.send(self.client.get(url))
    }

    pub fn post_json(&self, url: &str, body: &serde_json::Value) -> Result<Reply> {
        self.send(self.client.post(url).json(body))
    }

    /// A GET as someone: `headers` carry their session.
    pub fn get_as(&self, url: &str, headers: &[(String, String)]) -> Result<Reply> {
        self.send(with_headers(self.client.get(url), headers))
    }

    /// A JSON POST as someone: `headers` carry their session (and CSRF token).
    pub fn post_json_as(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: &serde_json::Value,
    ) -> Result<Reply> {
        self.send(with_headers(self.client.post(url).json(body), headers))
    }

    /// A DELETE as someone: its status.
    pub fn send_delete_as(&self, url: &str, headers: &[(String, String)]) -> Result<u16> {
        Ok(self
            .send(with_headers(self.client.delete(url), headers))?
            .status)
    }

    /// The HTTP client, for work that runs many requests at once on [`Api::block_on`].
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Runs other async work (the database reads and writes of the Roster setup) on the same
    /// runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    fn send(&self, request: reqwest::RequestBuilder) -> Result<Reply> {
        self.runtime.block_on(async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let cookies = response
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .map(|value| {
                    value
                        .split(';')
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_owned()
                })
                .collect();
            let body = response.text().await?;
            Ok(Reply {
                status,
                cookies,
                body,
            })
        })
    }

    /// Polls `url` until it answers 200, for at most `patience`.
    pub fn wait_for_ok(&self, url: &str, patience: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            let last = match self.get(url) {
                Ok(reply) if reply.status == 200 => return Ok(()),
                Ok(reply) => format!("status {}", reply.status),
                Err(error) => format!("{error:#}"),
            };
            if started.elapsed() > patience {
                bail!("{url} did not answer 200 within {patience:?} (last: {last})");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn with_headers(
    mut request: reqwest::RequestBuilder,
    headers: &[(String, String)],
) -> reqwest::RequestBuilder {
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request
}
