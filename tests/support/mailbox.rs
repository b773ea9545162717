//! Reading the development mailbox (`/api/v1/dev/mailbox`) the way a person reads their inbox:
//! the mails to one address about one thing, waiting for the worker to send them.

use std::time::Duration;

use roster_shared::api::{DevMail, DevMailSummary};

use crate::TestApp;
use crate::wait::{eventually, settled};

/// How long a test waits for a mail the worker has been asked to send.
pub const MAIL_WAIT: Duration = Duration::from_secs(10);

impl TestApp {
    /// The mails to `to` (any case) whose subject contains `subject`, oldest first, read whole.
    pub async fn mails_to(&self, to: &str, subject: &str) -> Vec<DevMail> {
        let list: Vec<DevMailSummary> = self.api.get_ok("/api/v1/dev/mailbox").await;
        let mut mails = Vec::new();
        for summary in list
            .iter()
            .filter(|m| m.to.eq_ignore_ascii_case(to) && m.subject.contains(subject))
        {
            mails.push(
                self.api
                    .get_ok::<DevMail>(&format!("/api/v1/dev/mailbox/{}", summary.id))
                    .await,
            );
        }
        mails.sort_by_key(|m| m.id);
        mails
    }

    /// [`TestApp::mails_to`] once there are at least `at_least`, or as they are after `within`
    /// (the caller asserts what is missing).
    pub async fn mails_to_within(
        &self,
        to: &str,
        subject: &str,
        at_least: usize,
        within: Duration,
    ) -> Vec<DevMail> {
        settled(
            within,
            || self.mails_to(to, subject),
            |m| m.len() >= at_least,
        )
        .await
    }

    /// The newest mail to `to` whose subject contains `subject`, once there is one.
    pub async fn mail_to(&self, to: &str, subject: &str) -> DevMail {
        eventually(
            &format!("a mail about “{subject}” to {to}"),
            MAIL_WAIT,
            || async { self.mails_to(to, subject).await.pop() },
        )
        .await
    }
}
