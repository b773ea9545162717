//! scim2-tester, an independent SCIM 2.0 compliance checker (PyPI, pinned in
//! `scripts/scim-tester-requirements.txt`, installed by `make test` into `$ROSTER_TOOLS/venv`),
//! run against a test server: every check it makes, with its outcome.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tokio::process::Command;

/// One check's outcome, as scim2-tester reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct Check {
    /// `SUCCESS`, or how it failed (`ERROR`, `CRITICAL`, `SKIPPED`, …).
    pub status: String,
    /// The check's name (`object_creation`, `check_add_attribute`, …); several results may
    /// share one (one per attribute or HTTP method).
    pub check: String,
    /// `User` or `Group`, `None` for discovery.
    pub resource_type: Option<String>,
    pub reason: Option<String>,
}

impl Check {
    pub fn passed(&self) -> bool {
        self.status == "SUCCESS"
    }
}

/// Runs every check of scim2-tester against the SCIM service at `base_url` (`…/scim/v2`) with
/// the API token `token`.
pub async fn run(base_url: &str, token: &str) -> Vec<Check> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("support/scim_tester.py");
    let python = crate::smtp::python();
    let run = Command::new(&python)
        .arg(&script)
        .arg(base_url)
        .arg(token)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("scim2-tester finished in time")
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {} ({e}); `make test` installs scim2-tester",
                python.display()
            )
        });
    assert!(
        output.status.success(),
        "scim2-tester stopped: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("scim2-tester printed {line:?}: {e}"))
        })
        .collect()
}
