//! Reads a Server-Sent Events stream (`GET /api/v1/events`) over a real connection.

use std::time::Duration;

use roster_shared::api::LiveEvent;

use crate::client::ApiClient;

pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// Opens the stream as `client`'s person.
    pub async fn open(client: &ApiClient) -> EventStream {
        let response = client.get("/api/v1/events").await;
        assert_eq!(response.status(), 200, "the event stream opens");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        EventStream {
            response,
            buffer: String::new(),
        }
    }

    /// The next event, or `None` if none arrives within `wait` (or the stream ends).
    pub async fn next(&mut self, wait: Duration) -> Option<(String, LiveEvent)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        name = Some(value.trim().to_owned());
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim());
                    }
                }
                // Comments (keep-alives) have neither.
                if let Some(name) = name {
                    let event = serde_json::from_str(&data)
                        .unwrap_or_else(|e| panic!("event {name}: {data}: {e}"));
                    return Some((name, event));
                }
                continue;
            }
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            if remaining.is_zero() {
                return None;
            }
            match tokio::time::timeout(remaining, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(_) | Err(_) => return None,
            }
        }
    }

    /// Waits for an event named `name`, skipping others.
    pub async fn expect(&mut self, name: &str, wait: Duration) -> LiveEvent {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(remaining).await {
                Some((got, event)) if got == name => return event,
                Some(_) => continue,
                None => panic!("no {name} event within {wait:?}"),
            }
        }
    }

    /// Asserts no event named `name` arrives within `wait`.
    pub async fn expect_none(&mut self, name: &str, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(remaining).await {
                Some((got, event)) if got == name => panic!("unexpected {name}: {event:?}"),
                Some(_) => continue,
                None => return,
            }
        }
    }
}
