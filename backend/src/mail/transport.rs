//! Where rendered mail goes: an SMTP server (production) or the development mailbox.

use std::str::FromStr;

use anyhow::Context as _;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::mail::templates::Rendered;

pub(crate) enum Transport {
    Smtp(Smtp),
    /// Keeps mail in the database, for `/dev/mailbox`: the worker stores it there in the same
    /// transaction that marks it sent. Never a production transport.
    DevMailbox {
        from: Mailbox,
    },
}

pub(crate) struct Smtp {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The server, without credentials, for logs.
    label: String,
}

/// One delivery, ready to send.
pub(crate) struct Outgoing<'a> {
    pub(crate) to: &'a str,
    pub(crate) message_id: &'a str,
    pub(crate) rendered: &'a Rendered,
}

impl Transport {
    /// SMTP when `smtp_url` is given (`smtp://user:pass@host:587?tls=required`,
    /// `smtps://…:465`), the development mailbox otherwise.
    pub(crate) fn new(smtp_url: Option<&str>, from: &str) -> anyhow::Result<Self> {
        let from = Mailbox::from_str(from)
            .with_context(|| format!("the sender address {from:?} is not valid"))?;
        match smtp_url {
            None => Ok(Transport::DevMailbox { from }),
            Some(url) => {
                let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("the SMTP URL is not valid (smtp://user:password@host:port)")?
                    .timeout(Some(std::time::Duration::from_secs(30)))
                    .build();
                Ok(Transport::Smtp(Smtp {
                    mailer,
                    from,
                    label: without_credentials(url),
                }))
            }
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Transport::Smtp(smtp) => format!("SMTP ({})", smtp.label),
            Transport::DevMailbox { .. } => "the development mailbox (/dev/mailbox)".to_owned(),
        }
    }

    pub(crate) fn is_dev_mailbox(&self) -> bool {
        matches!(self, Transport::DevMailbox { .. })
    }
}

impl Smtp {
    /// Sends one message; the error is a reason fit for the log and the outbox row (never
    /// shown to clients).
    pub(crate) async fn send(&self, outgoing: Outgoing<'_>) -> Result<(), String> {
        let Smtp { mailer, from, .. } = self;
        let to = Mailbox::from_str(outgoing.to).map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(outgoing.rendered.subject.clone())
            .message_id(Some(outgoing.message_id.to_owned()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(outgoing.rendered.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(outgoing.rendered.html.clone()),
                    ),
            )
            .map_err(|e| format!("building the message: {e}"))?;
        mailer
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}

/// The URL with any user and password removed.
fn without_credentials(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        Err(_) => "invalid URL".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn credentials_never_reach_the_log() {
        assert_eq!(
            without_credentials("smtp://roster:s3cret@mail.example:587?tls=required"),
            "smtp://mail.example:587?tls=required"
        );
        let transport =
            Transport::new(Some("smtp://u:p@mail.example:25"), "Roster <r@x.example>").unwrap();
        assert!(!transport.describe().contains("p@"));
    }

    #[test]
    fn a_bad_sender_is_named() {
        let error = Transport::new(None, "not an address").err().unwrap();
        assert!(error.to_string().contains("not an address"));
    }
}
