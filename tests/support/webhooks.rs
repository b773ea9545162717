//! A webhook receiver on loopback for the webhook tests (`webhook_receiver.mjs`, on Node): it
//! verifies every delivery with the Standard Webhooks reference library, answers what the test
//! says, and lists what it received. Stopping it and starting it again on the same port is a
//! receiver that was down.

use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// One delivery as the receiver saw it.
#[derive(Debug, Clone, Deserialize)]
pub struct Received {
    pub path: String,
    pub headers: std::collections::BTreeMap<String, String>,
    pub body: String,
    /// The reference library accepted its signature.
    pub verified: bool,
    pub error: Option<String>,
    /// What the receiver answered.
    pub status: u16,
}

impl Received {
    /// The event it carried.
    pub fn event(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON event")
    }
}

pub struct Receiver {
    pub port: u16,
    process: Child,
    control: reqwest::Client,
}

impl Receiver {
    /// Starts one on a free port.
    pub async fn start() -> Receiver {
        Self::start_on(0).await
    }

    /// Starts one on `port` (0: any).
    pub async fn start_on(port: u16) -> Receiver {
        let modules = crate::tools_dir().join("npm/node_modules");
        assert!(
            modules.join("standardwebhooks").is_dir(),
            "standardwebhooks is missing in {}: run scripts/install-tools.sh",
            modules.display()
        );
        let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("support/webhook_receiver.mjs");
        let mut process = Command::new("node")
            .arg(script)
            .env("WEBHOOK_RECEIVER_MODULES", &modules)
            .env("WEBHOOK_RECEIVER_PORT", port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs (make test installs it)");
        let mut lines = BufReader::new(process.stdout.take().expect("piped stdout")).lines();
        let port = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("receiver output") {
                if let Some(port) = line.strip_prefix("webhook receiver listening on ") {
                    return port.trim().parse().expect("a port");
                }
            }
            panic!("the webhook receiver exited before listening");
        })
        .await
        .expect("the webhook receiver started in time");
        Receiver {
            port,
            process,
            control: reqwest::Client::new(),
        }
    }

    /// The URL of `path` on it.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Deliveries to `path` verify with these secrets (`whsec_…`).
    pub async fn trust(&self, path: &str, secrets: &[&str]) {
        let response = self
            .control
            .post(self.url("/_control/secrets"))
            .json(&json!({ "path": path, "secrets": secrets }))
            .send()
            .await
            .expect("the receiver answers");
        assert_eq!(response.status(), 204);
    }

    /// Deliveries to `path` get `status` back from now on.
    pub async fn answer(&self, path: &str, status: u16) {
        let response = self
            .control
            .post(self.url("/_control/answer"))
            .json(&json!({ "path": path, "status": status }))
            .send()
            .await
            .expect("the receiver answers");
        assert_eq!(response.status(), 204);
    }

    /// Everything received so far, in order.
    pub async fn received(&self) -> Vec<Received> {
        self.control
            .get(self.url("/_control/received"))
            .send()
            .await
            .expect("the receiver answers")
            .json()
            .await
            .expect("the receiver's list")
    }

    /// Waits until `count` deliveries to `path` have arrived; answers them.
    pub async fn wait_for(&self, path: &str, count: usize, within: Duration) -> Vec<Received> {
        crate::wait::eventually(&format!("{count} deliveries to {path}"), within, || async {
            let got: Vec<Received> = self
                .received()
                .await
                .into_iter()
                .filter(|r| r.path == path)
                .collect();
            (got.len() >= count).then_some(got)
        })
        .await
    }

    /// Stops it (a receiver that is down).
    pub async fn stop(mut self) {
        let _ = self.process.kill().await;
        let _ = self.process.wait().await;
    }
}
