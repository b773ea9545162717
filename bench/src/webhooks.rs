//! Roster alone: webhooks. A receiver on loopback (plain HTTP/1.1 on threads of this process,
//! answering 204 at once and counting) and one endpoint subscribed to `person.invited`:
//! - what an endpoint adds to an invitation of 1,000 addresses: three invitations without an
//!   endpoint and three with one, alternating, each time the request's duration (the 1,000
//!   events and their deliveries are written in its transaction);
//! - how fast the worker delivers: the 1,000 events of each such invitation, one endpoint, in
//!   order, from the request to the last one the receiver got.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use serde_json::json;

use crate::api::Api;
use crate::roster::{Roster, invite, wait_for_outbox};

const ROUNDS: usize = 3;
const ADDRESSES: usize = 1_000;

/// What the webhook runs measured.
pub struct WebhookFigures {
    /// Each invitation's request without an endpoint, then with one.
    pub without: Vec<Duration>,
    pub with: Vec<Duration>,
    /// Per invitation with the endpoint: from the request until the receiver had all 1,000.
    pub all_delivered: Vec<Duration>,
}

/// Counts the deliveries it is sent.
struct Receiver {
    port: u16,
    received: Arc<AtomicUsize>,
}

impl Receiver {
    fn start() -> Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let received = Arc::new(AtomicUsize::new(0));
        let counter = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let counter = counter.clone();
                std::thread::spawn(move || serve(stream, &counter));
            }
        });
        Ok(Receiver { port, received })
    }

    fn received(&self) -> usize {
        self.received.load(Ordering::SeqCst)
    }
}

/// One kept-alive connection: each request read whole (head, then `content-length` bytes of
/// body), counted, and answered 204.
fn serve(stream: TcpStream, counter: &AtomicUsize) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some((name, value)) = trimmed.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        counter.fetch_add(1, Ordering::SeqCst);
        if writer
            .write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

pub fn measure(roster: &Roster, api: &Api) -> Result<WebhookFigures> {
    let receiver = Receiver::start()?;
    let base = &roster.target.base_url;
    let endpoints = format!("{base}/api/v1/accounts/{}/webhooks", roster.account);
    let mut figures = WebhookFigures {
        without: Vec::new(),
        with: Vec::new(),
        all_delivered: Vec::new(),
    };
    for round in 0..ROUNDS {
        let emails = |kind: &str| -> Vec<String> {
            (0..ADDRESSES)
                .map(|i| format!("hook-{kind}{round}-{i}@webhooks.example"))
                .collect()
        };
        // Without an endpoint.
        wait_for_outbox(api, &roster.db_file)?;
        let started = Instant::now();
        invite(api, base, &roster.owner, roster.account, &emails("a"))?;
        figures.without.push(started.elapsed());

        // With one, subscribed to the 1,000 events.
        wait_for_outbox(api, &roster.db_file)?;
        let created = api.post_json_as(
            &endpoints,
            &roster.owner,
            &json!({
                "url": format!("http://127.0.0.1:{}/hooks", receiver.port),
                "event_types": ["person.invited"],
            }),
        )?;
        if created.status != 201 {
            bail!(
                "adding the endpoint answered {}: {}",
                created.status,
                created.body
            );
        }
        let endpoint = created.json()?["endpoint"]["id"]
            .as_i64()
            .unwrap_or_default();
        let before = receiver.received();
        let started = Instant::now();
        invite(api, base, &roster.owner, roster.account, &emails("b"))?;
        figures.with.push(started.elapsed());
        while receiver.received() < before + ADDRESSES {
            if started.elapsed() > Duration::from_secs(300) {
                bail!(
                    "{} of {ADDRESSES} events delivered after 5 minutes",
                    receiver.received() - before
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        figures.all_delivered.push(started.elapsed());
        let removed = api.send_delete_as(&format!("{endpoints}/{endpoint}"), &roster.owner)?;
        if removed != 204 {
            bail!("removing the endpoint answered {removed}");
        }
    }
    wait_for_outbox(api, &roster.db_file)?;
    Ok(figures)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

impl WebhookFigures {
    pub fn print(&self) {
        let (without, with) = (median(self.without.clone()), median(self.with.clone()));
        let delivered = median(self.all_delivered.clone());
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "webhooks: an invitation of {ADDRESSES} addresses took {:.0} ms without an endpoint and {:.0} ms with one subscribed (+{:.0} ms, +{:.0} %; medians of {ROUNDS})",
            ms(without),
            ms(with),
            ms(with) - ms(without),
            (ms(with) / ms(without) - 1.0) * 100.0
        );
        println!(
            "webhooks: its {ADDRESSES} events reached one loopback receiver, in order, {:.2} s after the request: {:.0} deliveries/s (median of {ROUNDS})",
            delivered.as_secs_f64(),
            ADDRESSES as f64 / delivered.as_secs_f64()
        );
    }
}
